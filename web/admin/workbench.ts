// The workbench API (docs/openapi/workbench.yaml; /work/helpers/workbench-contract.md while it is
// built): its shapes, and one function a call. Every call goes through shared/api.ts's `call`, so
// the browser presents the administrator's client certificate and nothing else.
import { type Answer, call } from '../shared/api';

/** A position in the YAML: line and column 1-based, the end inclusive of its line and exclusive of
 * its column (as the hub's mapping compiler reports them). */
export interface Diagnostic {
  line: number;
  col: number;
  end_line?: number;
  end_col?: number;
  code: string;
  message: string;
  path?: string;
  /** The file it is about: the mapping (`dgsn/identity.yaml`) or a case (`cases/identity.full.xml`). */
  file?: string;
}

/** What an item of the published set is: a mapping, or a code table (`table.<name>`, the file
 * tables/<name>.yaml), which has no cases of its own and is checked by every mapping's. */
export type ItemType = 'mapping' | 'table';

export interface MappingSummary {
  id: string;
  type?: ItemType;
  version: number;
  published_at?: string;
  author?: string;
  approver?: string;
  /** The version the node that answered serves now (0 while it has loaded none). */
  served_version?: number;
}

export interface VersionSummary {
  version: number;
  parent?: number | null;
  author?: string;
  approver?: string;
  published_at?: string;
  reason?: string;
  kind: string;
}

export interface GoldenCase {
  name: string;
  format?: 'xml' | 'json';
  input: string;
  /** A case about bytes that are not UTF-8 (JSON cannot hold them as text): its input in base64,
   * and `input` empty; given back as it came when the case is saved. The dry-run cannot take it
   * (its payload is JSON text). */
  input_base64?: string;
  /** The expected file: JSON, or a string for an expected XML view. */
  expected: unknown;
}

export interface Version extends VersionSummary {
  yaml: string;
  cases: GoldenCase[];
}

export interface Draft {
  draft: string;
  mapping: string;
  type?: ItemType;
  base_version: number;
  state: string;
  author?: string;
  requested_at?: string;
  reason?: string;
  decided_by?: string;
  /** The version it became, once published. */
  version?: number;
  file?: string;
  yaml?: string;
  cases?: GoldenCase[];
}

export interface CaseResult {
  name: string;
  passed: boolean;
  expected?: unknown;
  actual?: unknown;
  message?: string;
}

export interface CasesRun {
  passed: number;
  failed: number;
  cases: CaseResult[];
  /** When the draft does not compile (no case ran). */
  diagnostics?: Diagnostic[];
}

export interface Validation {
  ok: boolean;
  diagnostics: Diagnostic[];
}

export interface DryRun {
  ok: boolean;
  output?: unknown;
  problems?: unknown[];
  diagnostics?: Diagnostic[];
  error?: { code: string; message: string; path?: string };
}

export interface ReplayField {
  path: string;
  changed: number;
  only_published: number;
  only_draft: number;
  examples: { published?: unknown; draft?: unknown }[];
}

export interface Replay {
  sample_size: number;
  compared: number;
  changed_answers: number;
  /** Answers the published version read and the draft refused. */
  failed_draft?: number;
  fields: ReplayField[];
}

const M = '/admin/v1/mappings';
const D = '/admin/v1/drafts';
const id = encodeURIComponent;

export const api = {
  mappings: () => call<{ mappings: MappingSummary[] }>('GET', M),
  versions: (mapping: string) => call<{ versions: VersionSummary[] }>('GET', `${M}/${id(mapping)}/versions`),
  version: (mapping: string, v: number) => call<Version>('GET', `${M}/${id(mapping)}/versions/${v}`),
  diff: (mapping: string, from: number, to: number) =>
    call<{ from: number; to: number; diff: string; cases_changed?: string[] }>('GET', `${M}/${id(mapping)}/diff?from=${from}&to=${to}`),
  newDraft: (mapping: string, fromVersion?: number) =>
    call<Draft>('POST', `${M}/${id(mapping)}/drafts`, { body: fromVersion === undefined ? {} : { from_version: fromVersion } }),
  rollback: (mapping: string, toVersion: number, reason: string) =>
    call<{ version: number }>('POST', `${M}/${id(mapping)}/rollback`, { body: { to_version: toVersion, reason } }),
  drafts: () => call<{ drafts: Draft[] }>('GET', D),
  draft: (draft: string) => call<Draft>('GET', `${D}/${id(draft)}`),
  save: (draft: string, yaml: string) => call<{ diagnostics?: Diagnostic[] }>('PUT', `${D}/${id(draft)}`, { body: { yaml } }),
  saveCase: (draft: string, c: GoldenCase) =>
    call<GoldenCase>('PUT', `${D}/${id(draft)}/cases/${id(c.name)}`, {
      body: {
        ...(c.input_base64 !== undefined ? { input_base64: c.input_base64 } : { input: c.input }),
        expected: c.expected,
        ...(c.format ? { format: c.format } : {}),
      },
    }),
  validate: (draft: string) => call<Validation>('POST', `${D}/${id(draft)}/validate`),
  dryRun: (draft: string, payload: string) => call<DryRun>('POST', `${D}/${id(draft)}/dry-run`, { body: { payload } }),
  /** Runs the draft's golden cases: all of them, or only `names` (a hub that runs them all
   * anyway answers more than asked; the page shows only what it asked for). */
  runCases: (draft: string, names?: string[]) =>
    call<CasesRun>('POST', `${D}/${id(draft)}/cases/run`, { body: names ? { cases: names } : {} }),
  replay: (draft: string) => call<Replay>('POST', `${D}/${id(draft)}/replay`),
  publish: (draft: string, reason: string) => call<{ state: string }>('POST', `${D}/${id(draft)}/publish`, { body: { reason } }),
  approve: (draft: string) => call<{ version: number }>('POST', `${D}/${id(draft)}/approve`),
  reject: (draft: string, reason: string) => call<{ state: string }>('POST', `${D}/${id(draft)}/reject`, { body: { reason } }),
};

export type { Answer };
