// What a draft is tried on before it is asked to be published: one payload (dry-run), and the
// answers the partner really gave recently (replay, compared field by field with the published
// version).
import { useRef, useState } from 'preact/hooks';
import type { Answer, ApiError } from '../shared/api';
import { Columns, ErrorBox, Status, useAnswerShown } from '../shared/ui';
import { pretty } from './compare';
import { DiagnosticList } from './editor';
import { ERRORS } from './labels';
import { type Diagnostic, type DryRun, type GoldenCase, type Replay, api } from './workbench';

function failure(a: Answer<unknown>, what: string): ApiError {
  return a.error ?? { code: String(a.status), message: `${what}: HTTP ${a.status}` };
}

/** An error of the hub, and for a draft that fails (422 draft_failing) why: its diagnostics and
 * the golden cases that fail. */
export function Refusal({ error, title }: { error: ApiError | null; title: string }) {
  if (!error) return null;
  const details = error.details ?? {};
  const diagnostics = (details.diagnostics ?? []) as Diagnostic[];
  const cases = ((details.failed_cases ?? []) as (string | { name: string })[]).map((c) => (typeof c === 'string' ? c : c.name));
  const mappings = (details.failed_mappings ?? []) as string[];
  return (
    <>
      <ErrorBox error={error} labels={ERRORS} title={title} />
      {diagnostics.length > 0 && <DiagnosticList id="refusal-diagnostics" diagnostics={diagnostics} onJump={() => {}} />}
      {cases.length > 0 && (
        <p class="failed-cases">
          Cas de référence en échec : {cases.map((c, i) => (
            <span key={c}>
              {i > 0 && ', '}
              <code>{c}</code>
            </span>
          ))}
          {mappings.length > 0 && (
            <>
              {' '}(mapping{mappings.length > 1 ? 's' : ''} {mappings.map((m, i) => (
                <span key={m}>
                  {i > 0 && ', '}
                  <code>{m}</code>
                </span>
              ))})
            </>
          )}
        </p>
      )}
    </>
  );
}

export function DryRunPanel(props: { draft: string; cases: GoldenCase[]; beforeRun: () => Promise<boolean> }) {
  const [payload, setPayload] = useState('');
  const [answer, setAnswer] = useState<Answer<DryRun> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useAnswerShown(answer, 'workbench:dry-run', heading);

  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!(await props.beforeRun())) return;
      const a = await api.dryRun(props.draft, payload);
      if (!a.ok) return setError(failure(a, 'dry-run'));
      setAnswer(a);
    } finally {
      setBusy(false);
    }
  };
  const r = answer?.body;
  return (
    <section class="panel" aria-labelledby="dry-run-title">
      <h3 id="dry-run-title">Essai sur une réponse</h3>
      <form onSubmit={run} class="stack">
        <div class="row">
          <label for="dry-run-case">Partir de l’entrée d’un cas</label>
          <select
            id="dry-run-case"
            onChange={(e) => {
              const c = props.cases.find((x) => x.name === (e.target as HTMLSelectElement).value);
              if (c) setPayload(c.input);
            }}
          >
            <option value="">—</option>
            {props.cases.map((c) => (
              <option key={c.name} value={c.name} disabled={c.input_base64 !== undefined}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div class="row">
          <label for="dry-run-payload">Réponse de l’administration (XML ou JSON)</label>
          <textarea
            id="dry-run-payload"
            rows={8}
            spellcheck={false}
            value={payload}
            onInput={(e) => setPayload((e.target as HTMLTextAreaElement).value)}
          />
        </div>
        <button type="submit" disabled={busy || !payload}>
          Essayer le brouillon
        </button>
      </form>
      <ErrorBox error={error} labels={ERRORS} />
      {r && (
        <div class="dry-run-result" data-testid="dry-run-result" data-ok={String(r.ok)}>
          <h4 ref={heading} tabIndex={-1}>
            {r.ok ? 'Résultat du brouillon' : 'Le brouillon refuse cette réponse'}
          </h4>
          {r.ok && (
            <pre tabIndex={0} aria-label="Résultat du brouillon">
              {pretty(r.output)}
            </pre>
          )}
          {r.diagnostics && <DiagnosticList id="dry-run-diagnostics" diagnostics={r.diagnostics} onJump={() => {}} />}
          {r.error && <ErrorBox error={r.error} labels={ERRORS} title="Réponse refusée" />}
        </div>
      )}
    </section>
  );
}

function Example({ value }: { value: unknown }) {
  return value === undefined ? <span class="muted">(absent)</span> : <code>{JSON.stringify(value)}</code>;
}

function ReplayResult({ r }: { r: Replay }) {
  if (r.sample_size === 0) {
    return (
      <Status>
        Aucune réponse récente de cette administration depuis le démarrage du hub (l’échantillon est gardé en mémoire
        seulement).
      </Status>
    );
  }
  return (
    <>
      <Status>
        {r.compared} réponse{r.compared > 1 ? 's' : ''} comparée{r.compared > 1 ? 's' : ''} sur {r.sample_size} de
        l’échantillon : {r.changed_answers} changée{r.changed_answers > 1 ? 's' : ''} par le brouillon
        {!!r.failed_draft && <>, {r.failed_draft} refusée{r.failed_draft > 1 ? 's' : ''} par le brouillon seulement</>}.
      </Status>
      {r.fields.length === 0 ? (
        <p>Aucune différence champ par champ.</p>
      ) : (
        <table class="table replay-table">
          <caption>Différences par champ (brouillon contre version publiée)</caption>
          <Columns names={['Champ', 'Réponses changées', 'Seulement publiée', 'Seulement brouillon', 'Exemple : publiée → brouillon']} />
          <tbody>
            {r.fields.map((f) => (
              <tr key={f.path} data-field={f.path}>
                <th scope="row">
                  <code>{f.path}</code>
                </th>
                <td>{f.changed}</td>
                <td>{f.only_published}</td>
                <td>{f.only_draft}</td>
                <td>
                  {f.examples.slice(0, 2).map((x, i) => (
                    <div key={i}>
                      <Example value={x.published} /> → <Example value={x.draft} />
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function ReplayPanel(props: { draft: string; beforeRun: () => Promise<boolean> }) {
  const [answer, setAnswer] = useState<Answer<Replay> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useAnswerShown(answer, 'workbench:replay', heading);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      if (!(await props.beforeRun())) return;
      const a = await api.replay(props.draft);
      if (!a.ok) return setError(failure(a, 'replay'));
      setAnswer(a);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="replay-title">
      <h3 id="replay-title">Rejeu sur le trafic récent</h3>
      <p class="help">
        Le brouillon et la version publiée relisent les dernières réponses réelles de l’administration ; les différences
        sont comptées champ par champ. Les réponses ne sont gardées qu’en mémoire, jamais écrites.
      </p>
      <button type="button" onClick={run} disabled={busy}>
        Rejouer les réponses récentes
      </button>
      <Refusal error={error} title="Rejeu impossible" />
      {answer && (
        <div data-testid="replay-result">
          <h4 ref={heading} tabIndex={-1}>
            Résultat du rejeu
          </h4>
          <ReplayResult r={answer.body} />
        </div>
      )}
    </section>
  );
}

export { failure };
