// The draft's golden cases beside its YAML: each runnable with one click and shown as expected
// against actual; all of them at once; a failing case's actual output adopted as its new
// expectation (PUT .../cases/{case}) when the change is meant.
import { useState } from 'preact/hooks';
import type { ApiError } from '../shared/api';
import { ErrorBox, Status, Untranslated } from '../shared/ui';
import { ExpectedActual } from './compare';
import { ERRORS } from './labels';
import { DiagnosticList } from './editor';
import { type CaseResult, type Diagnostic, type GoldenCase, api } from './workbench';

function summary(results: Record<string, CaseResult>): string {
  const all = Object.values(results);
  const failed = all.filter((r) => !r.passed).length;
  return `${all.length - failed} réussi${all.length - failed > 1 ? 's' : ''}, ${failed} échoué${failed > 1 ? 's' : ''}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The new expectation of a case whose actual output is meant: the actual output's members, with
 * what only the expected file states (the source paths of `provenance`) kept, and an empty member
 * the expected file did not state left out. */
function adopted(expected: unknown, actual: unknown): unknown {
  if (!isObject(expected) || !isObject(actual)) return actual;
  const out: Json = {};
  for (const [k, v] of Object.entries(expected)) if (!(k in actual) && k === 'provenance') out[k] = v;
  for (const [k, v] of Object.entries(actual)) {
    const empty = v === null || (Array.isArray(v) && v.length === 0);
    if (k in expected || !empty) out[k] = v;
  }
  return out;
}

function CaseItem(props: {
  c: GoldenCase;
  result: CaseResult | undefined;
  editable: boolean;
  onRun: () => void;
  onAdopt: () => void;
  busy: boolean;
}) {
  const { c, result } = props;
  const state = result ? (result.passed ? 'passed' : 'failed') : 'not-run';
  return (
    <li class={`case case-${state}`} data-case={c.name} data-result={state}>
      <div class="case-head">
        <span class="case-name">{c.name}</span>
        <span class={`case-badge case-badge-${state}`}>
          {state === 'passed' ? 'réussi' : state === 'failed' ? 'échoué' : 'non exécuté'}
        </span>
        <button type="button" class="secondary" aria-label={`Exécuter le cas ${c.name}`} onClick={props.onRun} disabled={props.busy}>
          Exécuter
        </button>
      </div>
      {result && (
        <div class="case-result">
          {result.message && (
            <p class="case-message">
              <Untranslated text={result.message} />
            </p>
          )}
          <ExpectedActual expected={result.expected ?? c.expected} actual={result.actual} name={c.name} />
          {!result.passed && props.editable && result.actual !== undefined && (
            <button type="button" class="secondary" onClick={props.onAdopt} disabled={props.busy}>
              Adopter le résultat obtenu comme attendu
            </button>
          )}
        </div>
      )}
    </li>
  );
}

export function CasesPanel(props: { draft: string; cases: GoldenCase[]; editable: boolean; beforeRun: () => Promise<boolean> }) {
  const [results, setResults] = useState<Record<string, CaseResult>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [cases, setCases] = useState(props.cases);
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);

  const run = async (names?: string[]) => {
    setBusy(true);
    setError(null);
    try {
      if (!(await props.beforeRun())) return;
      const a = await api.runCases(props.draft, names);
      if (!a.ok) return setError(a.error ?? { code: String(a.status), message: 'cases/run' });
      setDiagnostics(a.body.diagnostics ?? []);
      const got = a.body.cases.filter((r) => !names || names.includes(r.name));
      setResults((old) => ({ ...(names ? old : {}), ...Object.fromEntries(got.map((r) => [r.name, r])) }));
    } finally {
      setBusy(false);
    }
  };

  const adopt = async (c: GoldenCase, actual: unknown) => {
    setBusy(true);
    setError(null);
    const updated = { ...c, expected: adopted(c.expected, actual) };
    const a = await api.saveCase(props.draft, updated);
    setBusy(false);
    if (!a.ok) return setError(a.error ?? { code: String(a.status), message: 'cases' });
    setCases((all) => all.map((x) => (x.name === c.name ? updated : x)));
    await run([c.name]);
  };

  return (
    <section class="cases" aria-labelledby="cases-title">
      <h3 id="cases-title">Cas de référence ({cases.length})</h3>
      <button type="button" onClick={() => run()} disabled={busy}>
        Exécuter tous les cas
      </button>
      {Object.keys(results).length > 0 && <Status>{summary(results)}</Status>}
      <ErrorBox error={error} labels={ERRORS} />
      {diagnostics.length > 0 && (
        <>
          <p>Le brouillon ne compile pas : aucun cas n’a été exécuté.</p>
          <DiagnosticList id="cases-diagnostics" diagnostics={diagnostics} onJump={() => {}} />
        </>
      )}
      <ul class="case-list">
        {cases.map((c) => (
          <CaseItem
            key={c.name}
            c={c}
            result={results[c.name]}
            editable={props.editable}
            busy={busy}
            onRun={() => run([c.name])}
            onAdopt={() => adopt(c, results[c.name]?.actual)}
          />
        ))}
      </ul>
    </section>
  );
}
