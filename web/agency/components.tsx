// Small pieces every screen uses: where a value came from, how each administration answered,
// errors, Arabic text.
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../shared/api';
import { ErrorBox as SharedErrorBox, Untranslated } from '../shared/ui';
import { ERRORS, PARTNERS, PARTNER_ROLES, PARTNER_STATUS, SOURCES, frenchTime, label } from './labels';

export { Columns, Status, Untranslated, useAnswerShown } from '../shared/ui';

/** An error the hub answered (or the network's), in the agency's words. */
export function ErrorBox({ error, title }: { error: ApiError | null | undefined; title?: string }) {
  return <SharedErrorBox error={error} labels={ERRORS} title={title} />;
}

/** One entry of a `provenance` map (docs/openapi/*.yaml § Provenance). */
export interface Provenance {
  partner?: string;
  mapping?: string;
  version?: number;
  fetched_at?: string;
  correlation_id?: string;
  source?: string;
  principal?: string;
  reason?: string;
  recorded_at_ms?: number;
  overrides?: { value?: unknown; provenance?: Provenance };
  rule?: string;
}

export interface PartnerStatus {
  step?: string;
  status: string;
  as_of?: string;
  error?: { code: string; detail?: string; message?: string };
  retry_after_s?: number;
  latency_ms?: number;
  attempts?: number;
}

export type ProvenanceMap = Record<string, Provenance>;
export type PartnerMap = Record<string, PartnerStatus>;

/** The provenance of `pointer`, else of its nearest ancestor (as the registry reads it). */
export function provenanceOf(map: ProvenanceMap | undefined, pointer: string): Provenance | undefined {
  if (!map) return undefined;
  for (let p = pointer; p; p = p.slice(0, p.lastIndexOf('/'))) {
    if (map[p]) return map[p];
  }
  return undefined;
}

/** Arabic data, right to left. */
export function Ar({ text }: { text: string | undefined | null }) {
  if (!text) return null;
  return (
    <span lang="ar" dir="rtl" class="ar">
      {text}
    </span>
  );
}

/**
 * Where a value came from: the partner, when it was fetched, and whether it was served from the
 * cache or stale (the partner's status in this answer); or the agent who typed it, with the reason
 * of an override.
 */
export function SourceBadge({ prov, partners }: { prov: Provenance | undefined; partners?: PartnerMap }) {
  if (!prov) return null;
  if (prov.partner) {
    const status = partners?.[prov.partner]?.status;
    const freshness = status === 'cached' ? 'en cache' : status === 'stale' ? 'périmé' : '';
    return (
      <span class={`badge badge-${prov.partner}${freshness ? ` badge-${status}` : ''}`} data-source={prov.partner}>
        <span class="visually-hidden">Source : </span>
        {label(PARTNERS, prov.partner)}
        {prov.fetched_at && <span class="badge-time"> · {frenchTime(prov.fetched_at)}</span>}
        {freshness && <span class="badge-freshness"> · {freshness}</span>}
      </span>
    );
  }
  if (prov.overrides) {
    return (
      <span class="badge badge-override" data-source="override">
        <span class="visually-hidden">Source : </span>dérogation · {prov.principal} · motif : {prov.reason}
      </span>
    );
  }
  return (
    <span class="badge badge-client" data-source={prov.source ?? 'client'}>
      <span class="visually-hidden">Source : </span>
      {label(SOURCES, prov.source ?? 'client')}
      {prov.principal && <> · {prov.principal}</>}
    </span>
  );
}

/** How each administration answered this request. */
export function PartnerStatuses({ partners }: { partners: PartnerMap | undefined }) {
  if (!partners || Object.keys(partners).length === 0) return null;
  return (
    <section aria-labelledby="partners-title" class="partners">
      <h3 id="partners-title">Administrations interrogées</h3>
      <ul>
        {Object.entries(partners).map(([name, s]) => (
          <li key={name} class={`partner partner-${s.status}`} data-partner={name} data-status={s.status}>
            <strong>{label(PARTNERS, name)}</strong> ({label(PARTNER_ROLES, name)}) : {label(PARTNER_STATUS, s.status)}
            {s.as_of && <> — données du {frenchTime(s.as_of)}</>}
            {s.error && (
              <span class="partner-error">
                {' '}— <span class="error-code">{s.error.code}</span> : {label(ERRORS, s.error.code)}
                {s.error.detail && <> ({s.error.detail})</>}
                {s.error.message && (
                  <>
                    {' '}
                    — <Untranslated text={s.error.message} />
                  </>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Field({ name, children, source }: { name: string; children: ComponentChildren; source?: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{name}</dt>
      <dd>
        <span class="field-value">{children}</span> {source}
      </dd>
    </div>
  );
}

/** Options as a table of code → label, a list of codes shown as they are, or [code, label] pairs. */
export type Options = Record<string, string> | readonly string[] | readonly (readonly [string, string])[];

function entries(options: Options): [string, string][] {
  if (!Array.isArray(options)) return Object.entries(options as Record<string, string>);
  return (options as readonly (string | readonly [string, string])[]).map((o) => (typeof o === 'string' ? [o, o] : [o[0], o[1]]));
}

/** A labelled drop-down list; `bare` leaves out the row around it, `hiddenLabel` shows no label
 * (still read by assistive technology). */
export function Choice(props: {
  id: string;
  label: ComponentChildren;
  value: string;
  options: Options;
  onChange: (value: string) => void;
  bare?: boolean;
  hiddenLabel?: boolean;
}) {
  const control = (
    <>
      <label for={props.id} class={props.hiddenLabel ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {entries(props.options).map(([code, text]) => (
          <option key={code} value={code}>
            {text}
          </option>
        ))}
      </select>
    </>
  );
  return props.bare ? control : <div class="row">{control}</div>;
}
