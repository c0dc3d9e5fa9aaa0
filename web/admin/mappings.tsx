// The published mappings and code tables (the version each node serves) and the drafts in
// progress.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Answer, ApiError } from '../shared/api';
import { frenchTime, label } from '../shared/format';
import { Columns, ErrorBox, useAnswerShown } from '../shared/ui';
import { DRAFT_STATES, ERRORS } from './labels';
import { failure } from './tools';
import { type Draft, type MappingSummary, api } from './workbench';

function Drafts({ drafts }: { drafts: Draft[] }) {
  const open = drafts.filter((d) => d.state === 'editing' || d.state === 'awaiting_approval');
  if (open.length === 0) return <p>Aucun brouillon en cours.</p>;
  return (
    <table class="table drafts">
      <caption>Brouillons en cours</caption>
      <Columns names={['Mapping', 'Depuis la version', 'Auteur', 'État']} />
      <tbody>
        {open.map((d) => (
          <tr key={d.draft} data-draft={d.draft}>
            <th scope="row">
              <a href={`#/brouillon/${encodeURIComponent(d.draft)}`}>
                <code>{d.mapping}</code> — brouillon {d.draft}
              </a>
            </th>
            <td>{d.base_version}</td>
            <td>{d.author}</td>
            <td>{label(DRAFT_STATES, d.state)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Published({ items, caption, first }: { items: MappingSummary[]; caption: string; first: string }) {
  return (
    <table class="table mappings">
      <caption>{caption}</caption>
      <Columns names={[first, 'Version publiée', 'Servie par ce nœud', 'Publiée le', 'Auteur', 'Approbateur']} />
      <tbody>
        {items.map((m) => (
          <tr key={m.id} data-mapping={m.id}>
            <th scope="row">
              <a href={`#/mapping/${encodeURIComponent(m.id)}`}>
                <code>{m.id}</code>
              </a>
            </th>
            <td>{m.version}</td>
            <td data-served={m.served_version}>{m.served_version || '—'}</td>
            <td>{frenchTime(m.published_at)}</td>
            <td>{m.author}</td>
            <td>{m.approver}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MappingsScreen() {
  const [answer, setAnswer] = useState<Answer<{ mappings: MappingSummary[] }> | null>(null);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useAnswerShown(answer, 'workbench:mappings', heading);
  useEffect(() => {
    (async () => {
      const [m, d] = await Promise.all([api.mappings(), api.drafts()]);
      if (!m.ok) return setError(failure(m, 'mappings'));
      if (d.ok) setDrafts(d.body.drafts);
      setAnswer(m);
    })();
  }, []);
  return (
    <>
      <h2 ref={heading} tabIndex={-1}>
        Mappings publiés
      </h2>
      <ErrorBox error={error} labels={ERRORS} />
      {answer && (
        <Published
          items={answer.body.mappings.filter((m) => m.type !== 'table')}
          caption="La dernière version publiée de chaque mapping, et celle que ce nœud sert"
          first="Mapping"
        />
      )}
      <h2>Tables de codes publiées</h2>
      {answer && (
        <Published
          items={answer.body.mappings.filter((m) => m.type === 'table')}
          caption="Les tables de codes que les mappings utilisent, versionnées et publiées comme eux"
          first="Table de codes"
        />
      )}
      <h2>Brouillons</h2>
      <Drafts drafts={drafts} />
    </>
  );
}
