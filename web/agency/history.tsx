// History: every event of a record as a timeline (what changed, who, when, why, from which
// source), and the record as it stood at the end of a chosen day (?as_of=, folded from its events).
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Answer, type ApiError, call, measureRender } from '../shared/api';
import { Choice, Columns, ErrorBox, Status, useAnswerShown } from './components';
import { CoverageText, type FamilyView } from './family';
import { CATEGORIES, EVENTS, RELATIONS, SOURCES, STATUS, frenchDate, frenchTime, label } from './labels';
import { resolveInsured } from './lookup';

interface Change {
  path: string;
  old: unknown;
  new: unknown;
}
interface HistoryEvent {
  version: number;
  type: string;
  at_ms: number;
  principal: string;
  reason: string;
  source: string;
  correlation_id: string;
  changes: Change[];
}
interface History {
  record: string;
  events: HistoryEvent[];
}

type Kind = 'insured' | 'family' | 'person' | 'employer';

const KINDS: Record<Kind, string> = {
  insured: 'Assuré (immatriculation)',
  family: 'Famille',
  person: 'Identité (CNIE)',
  employer: 'Employeur (affiliation)',
};

async function paths(kind: Kind, id: string): Promise<{ history: string; state?: string } | ApiError> {
  if (kind === 'person') return { history: `/v1/persons/${encodeURIComponent(id)}/history` };
  if (kind === 'employer') return { history: `/v1/employers/${id}/history`, state: `/v1/employers/${id}` };
  const n = await resolveInsured(id);
  if ('code' in n) return n;
  return kind === 'insured'
    ? { history: `/v1/insured/${n.number}/history`, state: `/v1/insured/${n.number}` }
    : { history: `/v1/insured/${n.number}/family/history`, state: `/v1/insured/${n.number}/family` };
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

function Timeline({ events }: { events: HistoryEvent[] }) {
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((e) => {
        const changes = e.changes.filter((c) => !c.path.startsWith('/provenance'));
        return (
          <li key={e.version} data-type={e.type}>
            <div class="timeline-head">
              <time dateTime={new Date(e.at_ms).toISOString()}>{frenchTime(e.at_ms)}</time> —{' '}
              <strong>{label(EVENTS, e.type)}</strong>
            </div>
            <dl class="timeline-facts">
              <div>
                <dt>Qui</dt>
                <dd class="who">{e.principal}</dd>
              </div>
              <div>
                <dt>Source</dt>
                <dd class="source">{label(SOURCES, e.source)}</dd>
              </div>
              <div>
                <dt>Motif</dt>
                <dd class="why">{e.reason || '—'}</dd>
              </div>
            </dl>
            {changes.length > 0 && (
              <details>
                <summary>
                  {changes.length} changement{changes.length > 1 ? 's' : ''} (version {e.version})
                </summary>
                <table class="table">
                  <caption class="visually-hidden">Changements de la version {e.version}</caption>
                  <Columns names={['Donnée', 'Avant', 'Après']} />
                  <tbody>
                    {changes.map((c) => (
                      <tr key={c.path}>
                        <td>
                          <code>{c.path}</code>
                        </td>
                        <td>{shown(c.old)}</td>
                        <td>{shown(c.new)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function State({ kind, body }: { kind: Kind; body: Record<string, unknown> }) {
  if (kind === 'family') {
    const f = body as unknown as FamilyView;
    return (
      <ul>
        {Object.entries(f.members).map(([id, m]) => (
          <li key={id}>
            {label(RELATIONS, m.relation)} {m.last_name} {m.first_name} : <CoverageText c={m.coverage} />
          </li>
        ))}
      </ul>
    );
  }
  const get = (k: string) => body[k] as string | undefined;
  if (kind === 'employer') {
    const company = body.company as { name?: string } | undefined;
    return (
      <dl class="fields">
        <div class="field"><dt>Affiliation</dt><dd>{get('affiliation_number')}</dd></div>
        <div class="field"><dt>Entreprise</dt><dd>{company?.name}</dd></div>
        <div class="field"><dt>Statut</dt><dd>{label(STATUS, get('status'))}</dd></div>
        <div class="field"><dt>Agence</dt><dd>{get('agency')}</dd></div>
      </dl>
    );
  }
  const contact = body.contact as { phone?: string; email?: string } | undefined;
  return (
    <dl class="fields">
      <div class="field"><dt>Immatriculation</dt><dd>{get('immatriculation')}</dd></div>
      <div class="field"><dt>Catégorie</dt><dd>{label(CATEGORIES, get('category'))}</dd></div>
      <div class="field"><dt>Statut</dt><dd>{label(STATUS, get('status'))}</dd></div>
      <div class="field"><dt>RIB</dt><dd>{get('rib') ?? '—'}</dd></div>
      <div class="field"><dt>Téléphone</dt><dd>{contact?.phone ?? '—'}</dd></div>
    </dl>
  );
}

export function HistoryScreen({ kind: initialKind, id: initialId }: { kind?: string; id?: string }) {
  const [kind, setKind] = useState<Kind>((initialKind as Kind) in KINDS ? (initialKind as Kind) : 'insured');
  const [id, setId] = useState(initialId ?? '');
  const [history, setHistory] = useState<Answer<History> | null>(null);
  const [statePath, setStatePath] = useState<string | undefined>();
  const [date, setDate] = useState('');
  // The state read at a date, with the kind of record it is (the selector may have moved since).
  const [state, setState] = useState<{ kind: Kind; on: string; body: Record<string, unknown> | null } | null>(null);
  const [loadedKind, setLoadedKind] = useState<Kind>(kind);
  const [error, setError] = useState<ApiError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  async function load(k: Kind, which: string) {
    setError(null);
    setState(null);
    const p = await paths(k, which);
    if ('code' in p) {
      setError(p);
      setHistory(null);
      return;
    }
    const a = await call<History>('GET', p.history);
    if (a.error) {
      setError(a.error);
      setHistory(null);
      return;
    }
    setHistory(a);
    setLoadedKind(k);
    setStatePath(p.state);
    history_replace(k, which);
  }
  function history_replace(k: Kind, which: string) {
    window.history.replaceState(null, '', `#/historique/${k}/${encodeURIComponent(which)}`);
  }

  async function loadState(e: Event) {
    e.preventDefault();
    if (!statePath || !date) return;
    const a = await call<Record<string, unknown>>('GET', `${statePath}?as_of=${date}`);
    if (a.status === 404) setState({ kind: loadedKind, on: date, body: null });
    else if (a.error) setError(a.error);
    else setState({ kind: loadedKind, on: date, body: a.body });
    measureRender('agency:state-at-date', a.answeredAt);
  }

  useEffect(() => {
    if (initialId) void load(kind, initialId);
  }, [initialKind, initialId]);
  useAnswerShown(history, 'agency:history', heading);

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Historique d’un dossier</h2>
      <form
        class="card-form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void load(kind, id.trim());
        }}
      >
        <Choice id="history-kind" label="Dossier" value={kind} options={KINDS} onChange={(v) => setKind(v as Kind)} />
        <div class="row">
          <label for="history-id">{kind === 'employer' ? 'N° d’affiliation' : kind === 'person' ? 'CNIE' : 'N° d’immatriculation ou CNIE'}</label>
          <input id="history-id" required value={id} onInput={(e) => setId((e.target as HTMLInputElement).value.toUpperCase().trim())} />
        </div>
        <button type="submit">Afficher l’historique</button>
      </form>
      <ErrorBox error={error} />
      {history && (
        <div data-testid="history">
          <h3 ref={heading} tabIndex={-1}>
            {history.body.events.length} événement{history.body.events.length > 1 ? 's' : ''} — <code>{history.body.record}</code>
          </h3>
          <Timeline events={history.body.events} />
          {statePath && (
            <form class="card-form inline" onSubmit={loadState}>
              <div class="row">
                <label for="state-date">État du dossier au</label>
                <input id="state-date" type="date" required value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
              </div>
              <button type="submit">Afficher l’état à cette date</button>
            </form>
          )}
          {state && (
            <section aria-labelledby="state-title" data-testid="state">
              <h3 id="state-title">État au {frenchDate(state.on)} (fin de journée, UTC)</h3>
              {state.body ? <State kind={state.kind} body={state.body} /> : <Status>Le dossier n’existait pas encore à cette date.</Status>}
            </section>
          )}
        </div>
      )}
    </section>
  );
}
