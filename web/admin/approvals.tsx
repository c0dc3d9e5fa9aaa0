// The approval queue: drafts whose author asked to publish them, each with what it changes
// (against the version it started from) and its reason; approved or refused by another
// administrator (the hub refuses the author's own approval: 403 self_approval).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Answer, ApiError } from '../shared/api';
import { frenchTime } from '../shared/format';
import { ErrorBox, Status, useAnswerShown } from '../shared/ui';
import { TextDiff } from './compare';
import { ERRORS } from './labels';
import { Refusal, failure } from './tools';
import { type Draft, api } from './workbench';

function Changes({ d }: { d: Draft }) {
  const [texts, setTexts] = useState<{ before: string; after: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    (async () => {
      const [draft, base] = await Promise.all([api.draft(d.draft), api.version(d.mapping, d.base_version)]);
      if (!draft.ok) return setError(failure(draft, 'draft'));
      if (!base.ok) return setError(failure(base, 'version'));
      setTexts({ before: base.body.yaml, after: draft.body.yaml ?? '' });
    })();
  }, [d.draft]);
  if (error) return <ErrorBox error={error} labels={ERRORS} />;
  if (!texts) return <p class="muted">Chargement des changements…</p>;
  return (
    <TextDiff
      before={texts.before}
      after={texts.after}
      beforeName={`${d.mapping} version ${d.base_version}`}
      afterName={`${d.mapping} brouillon`}
      label={`Changements du brouillon de ${d.mapping}`}
    />
  );
}

function Request({ d, onDecided }: { d: Draft; onDecided: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const approve = async () => {
    setError(null);
    const a = await api.approve(d.draft);
    if (!a.ok) return setError(failure(a, 'approve'));
    onDecided(`Version ${a.body.version} de ${d.mapping} publiée : chaque nœud la sert dans les 2 secondes.`);
  };
  const reject = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const a = await api.reject(d.draft, reason);
    if (!a.ok) return setError(failure(a, 'reject'));
    onDecided(`Brouillon de ${d.mapping} refusé.`);
  };
  return (
    <article class="request" aria-labelledby={`request-${d.draft}`} data-draft={d.draft}>
      <h3 id={`request-${d.draft}`}>
        <code>{d.mapping}</code> depuis la version {d.base_version}
      </h3>
      <p>
        Demandé par <strong>{d.author}</strong>
        {d.requested_at && <> le {frenchTime(d.requested_at)}</>}
        {d.reason && <> — motif : {d.reason}</>}
      </p>
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Masquer les changements' : 'Voir les changements'}
      </button>
      {open && <Changes d={d} />}
      <div class="decision">
        <button type="button" class="primary" onClick={approve}>
          Approuver et publier
        </button>
        <form onSubmit={reject} class="inline-form">
          <label for={`reject-reason-${d.draft}`}>Motif du refus</label>
          <input id={`reject-reason-${d.draft}`} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          <button type="submit" class="secondary" disabled={!reason.trim()}>
            Refuser
          </button>
        </form>
      </div>
      <Refusal error={error} title="Décision refusée" />
    </article>
  );
}

export function ApprovalsScreen() {
  const [answer, setAnswer] = useState<Answer<{ drafts: Draft[] }> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useAnswerShown(answer, 'workbench:approvals', heading);
  const load = async () => {
    const a = await api.drafts();
    if (!a.ok) return setError(failure(a, 'drafts'));
    setAnswer(a);
  };
  useEffect(() => {
    load();
  }, []);
  const waiting = (answer?.body.drafts ?? []).filter((d) => d.state === 'awaiting_approval');
  return (
    <>
      <h2 ref={heading} tabIndex={-1}>
        Demandes de publication
      </h2>
      {done && <Status>{done}</Status>}
      <ErrorBox error={error} labels={ERRORS} />
      {answer && waiting.length === 0 && <p>Aucune demande en attente.</p>}
      {waiting.map((d) => (
        <Request
          key={d.draft}
          d={d}
          onDecided={(m) => {
            setDone(m);
            load();
          }}
        />
      ))}
    </>
  );
}
