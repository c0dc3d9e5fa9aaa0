// A draft: its YAML in the editor (saved as it is typed, the hub's diagnostics drawn at their line
// and column), its golden cases beside it, a dry-run and a replay below, and the request to
// publish it, which another administrator approves (#/approbations).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Answer, ApiError } from '../shared/api';
import { ErrorBox, Status, useAnswerShown } from '../shared/ui';
import { label } from '../shared/format';
import { CasesPanel } from './cases';
import { DiagnosticList, type EditorHandle, YamlEditor } from './editor';
import { DRAFT_STATES, ERRORS } from './labels';
import { DryRunPanel, Refusal, ReplayPanel, failure } from './tools';
import { type Diagnostic, type Draft, api } from './workbench';

const SAVE_AFTER_MS = 600;

/** Saves the text typed into the editor: `SAVE_AFTER_MS` after the last key, at once before an
 * action that reads the saved draft (flush), and when the screen is left. Answers to older saves
 * are ignored. */
function useAutosave(draft: string, onDiagnostics: (d: Diagnostic[]) => void, onError: (e: ApiError | null) => void) {
  const [state, setState] = useState<'saved' | 'changed' | 'saving'>('saved');
  const pending = useRef<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const sequence = useRef(0);

  const flush = async (): Promise<boolean> => {
    window.clearTimeout(timer.current);
    const text = pending.current;
    if (text === null) return true;
    pending.current = null;
    const mine = ++sequence.current;
    setState('saving');
    const a = await api.save(draft, text);
    if (mine !== sequence.current) return a.ok;
    if (!a.ok) {
      onError(failure(a, 'save'));
      pending.current = pending.current ?? text;
      setState('changed');
      return false;
    }
    onError(null);
    onDiagnostics(a.body?.diagnostics ?? []);
    setState(pending.current === null ? 'saved' : 'changed');
    return true;
  };
  const changed = (text: string) => {
    pending.current = text;
    setState('changed');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(flush, SAVE_AFTER_MS);
  };
  // Leaving the screen saves what was typed; closing the tab with unsaved text asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (pending.current !== null) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      void flush();
    };
  }, []);
  return { state, changed, flush };
}

function PublishForm(props: { draft: Draft; flush: () => Promise<boolean>; onDone: () => void }) {
  const table = props.draft.type === 'table';
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!(await props.flush())) return;
      const a = await api.publish(props.draft.draft, reason);
      if (!a.ok) return setError(failure(a, 'publish'));
      props.onDone();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="publish-title">
      <h3 id="publish-title">Demander la publication</h3>
      <form onSubmit={submit} class="stack">
        <div class="row">
          <label for="publish-reason">Motif du changement</label>
          <textarea id="publish-reason" rows={2} required value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
        </div>
        <p class="help">
          {table
            ? 'Tous les mappings doivent compiler avec cette table et tous leurs cas de référence réussir ; un autre administrateur approuve.'
            : 'Le mapping doit compiler et tous ses cas de référence réussir ; un autre administrateur approuve.'}
        </p>
        <button type="submit" class="primary" disabled={busy || !reason.trim()}>
          Demander la publication
        </button>
      </form>
      <Refusal error={error} title="Publication refusée" />
    </section>
  );
}

function DraftView({ answer, reload }: { answer: Answer<Draft>; reload: () => void }) {
  const d = answer.body;
  const editable = d.state === 'editing';
  const table = d.type === 'table';
  const what = table ? 'Table de codes' : 'Mapping';
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const editor = useRef<EditorHandle | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const save = useAutosave(d.draft, setDiagnostics, setError);
  useAnswerShown(answer, 'workbench:draft', heading);

  // The diagnostics of the draft as it was left (a draft is saved even when it does not compile).
  useEffect(() => {
    api.validate(d.draft).then((a) => a.ok && setDiagnostics(a.body.diagnostics ?? []));
  }, [d.draft]);

  const saveLabel = { saved: 'Enregistré', changed: 'Modifications non enregistrées', saving: 'Enregistrement…' }[save.state];
  return (
    <>
      <h2 ref={heading} tabIndex={-1}>
        Brouillon {table ? 'de la table de codes' : 'de'} <code>{d.mapping}</code> (depuis la version {d.base_version})
      </h2>
      <p class="draft-meta">
        État : <strong data-testid="draft-state">{label(DRAFT_STATES, d.state)}</strong>
        {d.author && <> · auteur : {d.author}</>} · <a href={`#/mapping/${encodeURIComponent(d.mapping)}`}>historique des versions</a>
      </p>
      <div class="workbench">
        <section class="editor-column" aria-labelledby="yaml-title">
          <div class="editor-head">
            <h3 id="yaml-title">{what} (YAML)</h3>
            <span class="save-state" role="status" data-state={save.state}>
              {editable ? saveLabel : 'lecture seule'}
            </span>
            {editable && (
              <button type="button" class="secondary" onClick={() => save.flush()}>
                Enregistrer et vérifier
              </button>
            )}
          </div>
          <YamlEditor
            initial={d.yaml ?? ''}
            diagnostics={diagnostics}
            readOnly={!editable}
            label={`${what} ${d.mapping} (YAML) ; erreurs listées sous l’éditeur`}
            file={d.file}
            onChange={save.changed}
            handle={editor}
          />
          <ErrorBox error={error} labels={ERRORS} title="Brouillon non enregistré" />
          <DiagnosticList id="diagnostics-list" diagnostics={diagnostics} onJump={(x) => editor.current?.jump(x.line, x.col)} />
        </section>
        {table ? (
          <section class="panel" aria-labelledby="table-checks-title">
            <h3 id="table-checks-title">Vérification</h3>
            <p class="help">
              Une table de codes n’a pas de cas de référence : à chaque enregistrement, tous les mappings sont compilés avec elle et tous
              leurs cas exécutés ; les erreurs s’affichent sous l’éditeur, et la publication est refusée si un cas échoue.
            </p>
          </section>
        ) : (
          <CasesPanel draft={d.draft} cases={d.cases ?? []} editable={editable} beforeRun={save.flush} />
        )}
      </div>
      {!table && (
        <div class="tools">
          <DryRunPanel draft={d.draft} cases={d.cases ?? []} beforeRun={save.flush} />
          <ReplayPanel draft={d.draft} beforeRun={save.flush} />
        </div>
      )}
      {editable ? (
        <PublishForm draft={d} flush={save.flush} onDone={reload} />
      ) : (
        d.state === 'awaiting_approval' && (
          <Status>
            Publication demandée{d.reason && <> (motif : {d.reason})</>} : en attente de l’approbation d’un autre administrateur.
          </Status>
        )
      )}
    </>
  );
}

export function DraftScreen({ id }: { id: string }) {
  const [answer, setAnswer] = useState<Answer<Draft> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = async () => {
    const a = await api.draft(id);
    if (!a.ok) return setError(failure(a, 'draft'));
    setAnswer(a);
  };
  useEffect(() => {
    load();
  }, [id]);
  if (error) return <ErrorBox error={error} labels={ERRORS} title="Brouillon introuvable" />;
  if (!answer) return <p class="muted">Chargement du brouillon…</p>;
  return <DraftView key={`${answer.body.draft}:${answer.body.state}`} answer={answer} reload={load} />;
}
