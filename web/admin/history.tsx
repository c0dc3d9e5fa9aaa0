// A mapping's published versions, newest first (who wrote, who approved, when, why, of which
// kind), the diff between any two, a new draft from the latest, and a rollback to an earlier
// version with its reason (approvers).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Answer, ApiError } from '../shared/api';
import { frenchTime, label } from '../shared/format';
import { Columns, ErrorBox, Status, useAnswerShown } from '../shared/ui';
import { UnifiedDiff } from './compare';
import { ERRORS, VERSION_KINDS } from './labels';
import { Refusal, failure } from './tools';
import { type VersionSummary, api } from './workbench';

function DiffForm({ mapping, versions }: { mapping: string; versions: VersionSummary[] }) {
  const [from, setFrom] = useState(String(versions[1]?.version ?? versions[0]?.version ?? ''));
  const [to, setTo] = useState(String(versions[0]?.version ?? ''));
  const [diff, setDiff] = useState<{ text: string; cases: string[]; title: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const show = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const a = await api.diff(mapping, Number(from), Number(to));
    if (!a.ok) return setError(failure(a, 'diff'));
    setDiff({ text: a.body.diff, cases: a.body.cases_changed ?? [], title: `Version ${from} → version ${to}` });
  };
  const options = versions.map((v) => (
    <option key={v.version} value={String(v.version)}>
      {v.version}
    </option>
  ));
  return (
    <section aria-labelledby="diff-title">
      <h3 id="diff-title">Comparer deux versions</h3>
      <form onSubmit={show} class="inline-form">
        <label for="diff-from">De la version</label>
        <select id="diff-from" value={from} onChange={(e) => setFrom((e.target as HTMLSelectElement).value)}>
          {options}
        </select>
        <label for="diff-to">à la version</label>
        <select id="diff-to" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
          {options}
        </select>
        <button type="submit">Comparer</button>
      </form>
      <ErrorBox error={error} labels={ERRORS} />
      {diff && (
        <>
          <h4>{diff.title}</h4>
          <UnifiedDiff text={diff.text} label={diff.title} />
          {diff.cases.length > 0 && <p>Cas de référence changés : {diff.cases.join(', ')}</p>}
        </>
      )}
    </section>
  );
}

function RollbackForm({ mapping, version, onDone }: { mapping: string; version: number; onDone: (v: number) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const a = await api.rollback(mapping, version, reason);
    if (!a.ok) return setError(failure(a, 'rollback'));
    onDone(a.body.version);
  };
  return (
    <form onSubmit={submit} class="inline-form rollback-form">
      <label for={`rollback-reason-${version}`}>Motif du retour à la version {version}</label>
      <input id={`rollback-reason-${version}`} required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      <button type="submit" disabled={!reason.trim()}>
        Confirmer le retour
      </button>
      <Refusal error={error} title="Retour arrière refusé" />
    </form>
  );
}

export function HistoryScreen({ mapping }: { mapping: string }) {
  const [answer, setAnswer] = useState<Answer<{ versions: VersionSummary[] }> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [rollingBack, setRollingBack] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useAnswerShown(answer, 'workbench:history', heading);
  const load = async () => {
    const a = await api.versions(mapping);
    if (!a.ok) return setError(failure(a, 'versions'));
    setAnswer(a);
  };
  useEffect(() => {
    load();
  }, [mapping]);
  const newDraft = async () => {
    setError(null);
    const a = await api.newDraft(mapping);
    if (!a.ok) return setError(failure(a, 'drafts'));
    location.hash = `#/brouillon/${encodeURIComponent(a.body.draft)}`;
  };
  const versions = answer?.body.versions ?? [];
  return (
    <>
      <h2 ref={heading} tabIndex={-1}>
        Versions de <code>{mapping}</code>
      </h2>
      <button type="button" onClick={newDraft}>
        Nouveau brouillon depuis la dernière version
      </button>
      <ErrorBox error={error} labels={ERRORS} />
      {done && <Status>{done}</Status>}
      {answer && (
        <table class="table versions">
          <caption>Versions publiées, la plus récente d’abord</caption>
          <Columns names={['Version', 'Nature', 'Auteur', 'Approbateur', 'Publiée le', 'Motif', 'Action']} />
          <tbody>
            {versions.map((v, i) => (
              <tr key={v.version} data-version={v.version} data-kind={v.kind}>
                <th scope="row">
                  {v.version}
                  {i === 0 && <span class="current"> (dernière)</span>}
                </th>
                <td>
                  {label(VERSION_KINDS, v.kind)}
                  {!!v.parent && <span class="muted"> · depuis {v.parent}</span>}
                </td>
                <td>{v.author}</td>
                <td>{v.approver}</td>
                <td>{frenchTime(v.published_at)}</td>
                <td>{v.reason}</td>
                <td>
                  {i > 0 &&
                    (rollingBack === v.version ? (
                      <RollbackForm
                        mapping={mapping}
                        version={v.version}
                        onDone={(n) => {
                          setRollingBack(null);
                          setDone(`Version ${n} publiée : le contenu de la version ${v.version}.`);
                          load();
                        }}
                      />
                    ) : (
                      <button type="button" class="secondary" onClick={() => setRollingBack(v.version)}>
                        Revenir à la version {v.version}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {versions.length > 1 && <DiffForm key={versions[0].version} mapping={mapping} versions={versions} />}
    </>
  );
}
