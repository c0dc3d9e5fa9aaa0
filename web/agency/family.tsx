// Family: the members of an insured person's family with their coverage computed on a date and
// why; the facts an agent may add (a dated proof of studies, a disability, custody) and the
// children DGCT's booklet does not hold (kafala, guardianship).
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Answer, type ApiError, NetworkError, call, newIdempotencyKey } from '../shared/api';
import { Choice, Columns, ErrorBox, type ProvenanceMap, provenanceOf, SourceBadge, Status, Untranslated, useAnswerShown } from './components';
import { RELATIONS, frenchDate, label, coverageReason, MARITAL } from './labels';
import { resolveInsured } from './lookup';

interface Coverage {
  covered: boolean;
  reason: string;
  until?: string;
  attached_to?: string;
}
interface Member {
  relation: string;
  cnie?: string;
  last_name?: string;
  first_name?: string;
  sex?: string;
  birth_date?: string;
  status?: string;
  source?: string;
  studies?: { proof_date: string; valid_until: string; establishment: string };
  disabled?: { proof_date: string; reference: string };
  custody?: string;
  act?: { number: string; date: string; court: string };
  coverage: Coverage;
}
export interface FamilyView {
  immatriculation: string;
  on: string;
  members: Record<string, Member>;
  provenance: ProvenanceMap;
}

export function CoverageText({ c }: { c: Coverage }) {
  const why = coverageReason(c.reason);
  const reason = why ?? <Untranslated text={c.reason} />;
  if (c.covered) {
    return (
      <span class="covered" data-covered="true">
        Couvert{c.until ? ` jusqu’au ${frenchDate(c.until)}` : ''} ({reason})
      </span>
    );
  }
  return (
    <span class="not-covered" data-covered="false">
      Non couvert : {reason}
      {c.attached_to && (
        <>
          {' '}
          — <a href={`#/famille/${c.attached_to}`}>voir la famille {c.attached_to}</a>
        </>
      )}
    </span>
  );
}

type FactKind = 'studies' | 'disabled' | 'custody';

function FactForm({ member, id, onSave, busy }: { member: Member; id: string; onSave: (body: Record<string, unknown>) => void; busy: boolean }) {
  const [kind, setKind] = useState<FactKind>('studies');
  const [proofDate, setProofDate] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [establishment, setEstablishment] = useState('');
  const [reference, setReference] = useState('');
  const [custody, setCustody] = useState('declarant');
  const [reason, setReason] = useState('');
  function submit(e: Event) {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (kind === 'studies') body.studies = { proof_date: proofDate, valid_until: validUntil, establishment };
    if (kind === 'disabled') body.disabled = { proof_date: proofDate, reference };
    if (kind === 'custody') body.custody = custody;
    if (reason.trim()) body.reason = reason.trim();
    onSave(body);
  }
  const who = `${member.first_name ?? ''} ${member.last_name ?? ''}`.trim();
  return (
    <form class="card-form" onSubmit={submit} aria-labelledby={`fact-${id}`}>
      <h3 id={`fact-${id}`}>Ajouter un justificatif pour {who}</h3>
      <Choice id="fact-kind" label="Justificatif" value={kind} options={[['studies', 'Certificat de scolarité (études supérieures)'], ['disabled', 'Handicap'], ['custody', 'Garde (après divorce)']]} onChange={(v) => setKind(v as FactKind)} />
      {kind !== 'custody' && (
        <div class="row">
          <label for="proof-date">Date du justificatif</label>
          <input id="proof-date" type="date" required value={proofDate} onInput={(e) => setProofDate((e.target as HTMLInputElement).value)} />
        </div>
      )}
      {kind === 'studies' && (
        <>
          <div class="row">
            <label for="valid-until">Valable jusqu’au</label>
            <input id="valid-until" type="date" required value={validUntil} onInput={(e) => setValidUntil((e.target as HTMLInputElement).value)} />
          </div>
          <div class="row">
            <label for="establishment">Établissement</label>
            <input id="establishment" required value={establishment} onInput={(e) => setEstablishment((e.target as HTMLInputElement).value)} />
          </div>
        </>
      )}
      {kind === 'disabled' && (
        <div class="row">
          <label for="reference">Référence de la décision</label>
          <input id="reference" required value={reference} onInput={(e) => setReference((e.target as HTMLInputElement).value)} />
        </div>
      )}
      {kind === 'custody' && (
        <Choice id="custody" label="Garde confiée à" value={custody} options={[['declarant', 'l’assuré(e)'], ['other_parent', 'l’autre parent']]} onChange={(v) => setCustody(v)} />
      )}
      <div class="row">
        <label for="fact-reason">Motif</label>
        <input id="fact-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" disabled={busy}>
        Enregistrer le justificatif
      </button>
    </form>
  );
}

function NewChildForm({ onSave, busy }: { onSave: (body: Record<string, unknown>) => void; busy: boolean }) {
  const [relation, setRelation] = useState('kafala');
  const [lastName, setLastName] = useState('');
  const [firstName, setFirstName] = useState('');
  const [sex, setSex] = useState('F');
  const [birth, setBirth] = useState('');
  const [childCnie, setChildCnie] = useState('');
  const [birthActNumber, setBirthActNumber] = useState('');
  const [birthActDate, setBirthActDate] = useState('');
  const [birthActCommune, setBirthActCommune] = useState('');
  const [actNumber, setActNumber] = useState('');
  const [actDate, setActDate] = useState('');
  const [court, setCourt] = useState('');
  const [guardianCnie, setGuardianCnie] = useState('');
  const [guardianLast, setGuardianLast] = useState('');
  const [guardianFirst, setGuardianFirst] = useState('');
  const [reason, setReason] = useState('');
  function submit(e: Event) {
    e.preventDefault();
    const body: Record<string, unknown> = { relation, last_name: lastName, first_name: firstName, sex, birth_date: birth };
    // A child is known by a CNIE or by its birth act (docs/openapi/registration.yaml, Beneficiary).
    if (childCnie.trim()) body.cnie = childCnie.trim();
    else body.birth_act = { number: birthActNumber, date: birthActDate, commune: birthActCommune };
    body.act = { number: actNumber, date: actDate, court };
    if (relation === 'guardianship') body.guardian = { cnie: guardianCnie, last_name: guardianLast, first_name: guardianFirst };
    if (reason.trim()) body.reason = reason.trim();
    onSave(body);
  }
  const input = (id: string, text: string, value: string, set: (v: string) => void, type = 'text', required = true) => (
    <div class="row">
      <label for={id}>{text}</label>
      <input id={id} type={type} required={required} value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} />
    </div>
  );
  return (
    <details>
      <summary>Déclarer un enfant que le livret ne mentionne pas (kafala, tutelle)</summary>
      <form class="card-form" onSubmit={submit}>
        <Choice id="new-relation" label="Lien" value={relation} options={[['kafala', RELATIONS.kafala], ['guardianship', RELATIONS.guardianship]]} onChange={(v) => setRelation(v)} />
        {input('new-last', 'Nom', lastName, setLastName)}
        {input('new-first', 'Prénom', firstName, setFirstName)}
        <Choice id="new-sex" label="Sexe" value={sex} options={[['F', 'Féminin'], ['M', 'Masculin']]} onChange={(v) => setSex(v)} />
        {input('new-birth', 'Date de naissance', birth, setBirth, 'date')}
        {input('new-cnie', 'CNIE de l’enfant (s’il en a une)', childCnie, (v) => setChildCnie(v.toUpperCase().trim()), 'text', false)}
        {!childCnie.trim() && (
          <>
            {input('birth-act-number', 'N° de l’acte de naissance', birthActNumber, setBirthActNumber)}
            {input('birth-act-date', 'Date de l’acte de naissance', birthActDate, setBirthActDate, 'date')}
            {input('birth-act-commune', 'Commune de l’acte de naissance', birthActCommune, setBirthActCommune)}
          </>
        )}
        {input('act-number', relation === 'kafala' ? 'N° de l’ordonnance de kafala' : 'N° du jugement de tutelle', actNumber, setActNumber)}
        {input('act-date', 'Date de la décision', actDate, setActDate, 'date')}
        {input('act-court', 'Tribunal', court, setCourt)}
        {relation === 'guardianship' && (
          <>
            {input('guardian-cnie', 'CNIE du tuteur', guardianCnie, setGuardianCnie)}
            {input('guardian-last', 'Nom du tuteur', guardianLast, setGuardianLast)}
            {input('guardian-first', 'Prénom du tuteur', guardianFirst, setGuardianFirst)}
          </>
        )}
        <div class="row">
          <label for="new-reason">Motif</label>
          <input id="new-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy}>
          Déclarer l’enfant
        </button>
      </form>
    </details>
  );
}

export function FamilyScreen({ number: initial }: { number?: string }) {
  const [query, setQuery] = useState(initial ?? '');
  const [asOf, setAsOf] = useState('');
  const [family, setFamily] = useState<Answer<FamilyView> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [changed, setChanged] = useState<string>('');
  const title = useRef<HTMLHeadingElement>(null);

  async function load(number: string, date: string) {
    setError(null);
    try {
      const n = await resolveInsured(number);
      if ('code' in n) {
        setError(n);
        setFamily(null);
        return;
      }
      const a = await call<FamilyView>('GET', `/v1/insured/${n.number}/family${date ? `?as_of=${date}` : ''}`);
      if (a.error) {
        setError(a.error);
        setFamily(null);
      } else {
        setFamily(a);
        history.replaceState(null, '', `#/famille/${n.number}`);
      }
    } catch (e) {
      setError({ code: 'network', message: e instanceof NetworkError ? e.message : String(e) });
    }
  }

  useEffect(() => {
    if (initial) void load(initial, '');
  }, [initial]);
  useAnswerShown(family, 'agency:family');

  async function change(method: string, path: string, body: Record<string, unknown>, what: string) {
    if (!family) return;
    setBusy(true);
    setError(null);
    const before = family.body.members;
    try {
      const a = await call<FamilyView>(method, path, { body, idempotencyKey: newIdempotencyKey(), ifMatch: family.etag });
      if (a.error) {
        setError(a.error);
        return;
      }
      setFamily(a);
      setEditing(null);
      const after = a.body.members;
      const moved = Object.keys(after).filter((k) => before[k] && before[k].coverage.covered !== after[k].coverage.covered);
      setChanged(
        `${what}.` +
          (moved.length
            ? ` Couverture changée pour ${moved.map((k) => `${after[k].first_name} (${after[k].coverage.covered ? 'désormais couvert(e)' : 'plus couvert(e)'})`).join(', ')}.`
            : ''),
      );
      requestAnimationFrame(() => title.current?.focus());
    } catch (e) {
      setError({ code: 'network', message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  const f = family?.body;
  return (
    <section aria-labelledby="family-title">
      <h2 id="family-title">Famille et ayants droit</h2>
      <form
        class="card-form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void load(query.trim(), asOf);
        }}
      >
        <div class="row">
          <label for="family-number">N° d’immatriculation ou CNIE</label>
          <input id="family-number" required value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value.toUpperCase().trim())} />
        </div>
        <div class="row">
          <label for="family-date">Couverture au (vide : aujourd’hui)</label>
          <input id="family-date" type="date" value={asOf} onInput={(e) => setAsOf((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">Afficher</button>
      </form>
      <ErrorBox error={error} />
      {f && (
        <div data-testid="family">
          <h3 ref={title} tabIndex={-1}>
            Famille de l’assuré n° {f.immatriculation}, couverture au {frenchDate(f.on)}
          </h3>
          {changed && <Status>{changed}</Status>}
          <table class="table">
            <caption class="visually-hidden">Membres de la famille et leur couverture</caption>
            <Columns
              names={['Lien', 'Nom et prénom', 'Naissance', 'Justificatifs', 'Source', 'Couverture', <span class="visually-hidden">Actions</span>]}
            />
            <tbody>
              {Object.entries(f.members).map(([id, m]) => (
                <tr key={id} data-member={id}>
                  <td>
                    {label(RELATIONS, m.relation)}
                    {m.status && m.relation === 'spouse' ? ` (${label(MARITAL, m.status)})` : ''}
                  </td>
                  <td>
                    {m.last_name} {m.first_name}
                    {m.cnie && <span class="muted"> · {m.cnie}</span>}
                  </td>
                  <td>{frenchDate(m.birth_date)}</td>
                  <td>
                    {m.studies && <div>scolarité jusqu’au {frenchDate(m.studies.valid_until)} ({m.studies.establishment})</div>}
                    {m.disabled && <div>handicap ({m.disabled.reference})</div>}
                    {m.act && <div>acte n° {m.act.number} du {frenchDate(m.act.date)}</div>}
                    {m.custody && <div>garde : {m.custody === 'declarant' ? 'l’assuré(e)' : 'l’autre parent'}</div>}
                  </td>
                  <td>
                    <SourceBadge prov={provenanceOf(f.provenance, `/members/${id}/last_name`) ?? provenanceOf(f.provenance, `/members/${id}`)} />
                  </td>
                  <td>
                    <CoverageText c={m.coverage} />
                  </td>
                  <td>
                    {m.relation !== 'spouse' && (
                      <button type="button" class="secondary" aria-expanded={editing === id} onClick={() => setEditing(editing === id ? null : id)}>
                        Justificatif<span class="visually-hidden"> pour {m.first_name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {editing && f.members[editing] && (
            <FactForm
              id={editing}
              member={f.members[editing]}
              busy={busy}
              onSave={(body) => change('PATCH', `/v1/insured/${f.immatriculation}/beneficiaries/${editing}`, body, 'Justificatif enregistré')}
            />
          )}
          <NewChildForm key={family?.etag} busy={busy} onSave={(body) => change('POST', `/v1/insured/${f.immatriculation}/beneficiaries`, body, 'Enfant déclaré')} />
          <p>
            <a href={`#/historique/family/${f.immatriculation}`}>Historique de la famille</a>
          </p>
        </div>
      )}
    </section>
  );
}
