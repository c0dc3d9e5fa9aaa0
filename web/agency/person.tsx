// Person: a CNIE and a category in; what DGSN, DGCT (and DGI for a TNS) know, field by field with
// its source, the disagreements between them, and each administration's answer; the agent types
// only the contact details and the RIB, then registers (POST /v1/insured with an Idempotency-Key).
import { useRef, useState } from 'preact/hooks';
import { type Answer, NetworkError, call, IdempotencyKeys } from '../shared/api';
import { CNIE_PATTERN, checkRib, isCnie, ribDigits } from '../shared/identifiers';
import { Ar, Choice, Columns, ErrorBox, Field, type PartnerMap, PartnerStatuses, type ProvenanceMap, provenanceOf, SourceBadge, Status, useAnswerShown } from './components';
import { CARD_STATUS, CATEGORIES, FIELDS, MARITAL, PARTNERS, SEX, STATUS, TAX_STATUS, frenchDate, label } from './labels';
import { RibField } from './rib_field';

interface PersonRecord {
  cnie?: string;
  last_name?: string;
  first_name?: string;
  last_name_ar?: string;
  first_name_ar?: string;
  birth_date?: string;
  birth_place?: string;
  sex?: string;
  father_name?: string;
  mother_name?: string;
  address?: { line?: string; commune?: string; province?: string };
  card?: { issued_on?: string; expires_on?: string; status?: string };
  death_date?: string | null;
}
interface Member {
  cnie?: string | null;
  last_name?: string;
  first_name?: string;
  sex?: string | null;
  birth_date?: string;
  status?: string;
  dissolution_date?: string | null;
  death_date?: string | null;
  birth_act?: { number?: string; date?: string; commune?: string };
  marriage_act?: { number?: string; date?: string; commune?: string };
}
interface FamilyRecord {
  holder?: Member;
  spouses?: Member[];
  children?: Member[];
  updated_at?: string;
}
export interface Conflict {
  field: string;
  values: { path: string; partner: string; value: string }[];
}
export interface PrefillAnswer {
  record: { person?: PersonRecord; family?: FamilyRecord; taxpayer?: Record<string, unknown> };
  provenance: ProvenanceMap;
  conflicts: Conflict[];
  partners: PartnerMap;
  correlation_id: string;
}
interface Insured {
  immatriculation: string;
  cnie: string;
  category: string;
  status: string;
  registered_on: string;
  provenance: ProvenanceMap;
}

const IDENTITY_FIELDS = [
  'last_name',
  'first_name',
  'last_name_ar',
  'first_name_ar',
  'birth_date',
  'birth_place',
  'sex',
  'father_name',
  'mother_name',
] as const;

/** The identity fields an override may set (NewInsured.person in registration.yaml). */
const OVERRIDABLE = [...IDENTITY_FIELDS];

function identityValue(field: string, p: PersonRecord) {
  const v = (p as Record<string, unknown>)[field];
  if (v === undefined || v === null || v === '') return <span class="missing">non communiqué</span>;
  if (field.endsWith('_ar')) return <Ar text={String(v)} />;
  if (field === 'birth_date') return <>{frenchDate(String(v))}</>;
  if (field === 'sex') return <>{label(SEX, String(v))}</>;
  return <>{String(v)}</>;
}

function ConflictList({ conflicts, onKeep }: { conflicts: Conflict[]; onKeep: (field: string, value: string) => void }) {
  if (conflicts.length === 0) return null;
  return (
    <section class="conflicts" aria-labelledby="conflicts-title">
      <h3 id="conflicts-title">Les administrations ne concordent pas</h3>
      <p>Aucune valeur n’est retenue en silence : vérifier la pièce présentée par l’assuré.</p>
      <ul>
        {conflicts.map((c) => (
          <li key={c.field} data-conflict={c.field}>
            <strong>{label(FIELDS, c.field)}</strong> :{' '}
            {c.values.map((v, i) => (
              <span key={v.path}>
                {i > 0 && ' ≠ '}
                <span class="conflict-value" data-partner={v.partner}>
                  {label(PARTNERS, v.partner)} « {c.field.endsWith('date') ? frenchDate(v.value) : v.value} »
                </span>
              </span>
            ))}
            {c.values
              .filter((v) => v.path.startsWith('/family/'))
              .map((v) => (
                <button type="button" class="link-button" key={v.path} onClick={() => onKeep(c.field, v.value)}>
                  Retenir la valeur {label(PARTNERS, v.partner)} (dérogation)
                </button>
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Identity({ answer, conflicts }: { answer: PrefillAnswer; conflicts: Conflict[] }) {
  const p = answer.record.person;
  if (!p) {
    return (
      <section aria-labelledby="identity-title">
        <h3 id="identity-title">Identité</h3>
        <p class="missing">La DGSN n’a pas donné d’identité : l’immatriculation attendra sa réponse.</p>
      </section>
    );
  }
  const conflictOf = (f: string) => conflicts.find((c) => c.field === f);
  return (
    <section aria-labelledby="identity-title">
      <h3 id="identity-title">Identité</h3>
      <dl class="fields">
        {IDENTITY_FIELDS.map((f) => {
          const c = conflictOf(f);
          return (
            <div class={c ? 'field conflict' : 'field'} key={f} data-field={f}>
              <dt>{label(FIELDS, f)}</dt>
              <dd>
                <span class="field-value">{identityValue(f, p)}</span>{' '}
                <SourceBadge prov={provenanceOf(answer.provenance, `/person/${f}`)} partners={answer.partners} />
                {c && (
                  <span class="conflict-note">
                    {' '}
                    (désaccord :{' '}
                    {c.values
                      .map((v) => `${label(PARTNERS, v.partner)} « ${f.endsWith('date') ? frenchDate(v.value) : v.value} »`)
                      .join(' ≠ ')}
                    )
                  </span>
                )}
              </dd>
            </div>
          );
        })}
        <Field
          name="Adresse"
          source={<SourceBadge prov={provenanceOf(answer.provenance, '/person/address/line')} partners={answer.partners} />}
        >
          {[p.address?.line, p.address?.commune, p.address?.province].filter(Boolean).join(', ')}
        </Field>
        <Field
          name="Carte (CNIE)"
          source={<SourceBadge prov={provenanceOf(answer.provenance, '/person/card/status')} partners={answer.partners} />}
        >
          délivrée le {frenchDate(p.card?.issued_on)}, expire le {frenchDate(p.card?.expires_on)} ({label(CARD_STATUS, p.card?.status)})
        </Field>
      </dl>
    </section>
  );
}

function Booklet({ answer }: { answer: PrefillAnswer }) {
  const f = answer.record.family;
  const dgct = answer.partners.dgct;
  if (!f) {
    return (
      <section aria-labelledby="booklet-title">
        <h3 id="booklet-title">Livret de famille</h3>
        <p class="missing" data-testid="booklet-missing">
          {dgct && dgct.status === 'error'
            ? 'La DGCT n’a pas répondu : la famille sera préremplie plus tard (actualisation du dossier).'
            : 'Aucun livret de famille.'}
        </p>
      </section>
    );
  }
  const row = (m: Member, pointer: string, relation: string) => (
    <tr key={pointer}>
      <td>{relation}</td>
      <td>
        {m.last_name} {m.first_name}
      </td>
      <td>{m.cnie ?? '—'}</td>
      <td>{frenchDate(m.birth_date)}</td>
      <td>
        {m.status ? label(MARITAL, m.status) : ''}
        {m.dissolution_date ? ` le ${frenchDate(m.dissolution_date)}` : ''}
        {m.death_date ? `décédé(e) le ${frenchDate(m.death_date)}` : ''}
      </td>
      <td>
        <SourceBadge prov={provenanceOf(answer.provenance, `${pointer}/last_name`)} partners={answer.partners} />
      </td>
    </tr>
  );
  return (
    <section aria-labelledby="booklet-title">
      <h3 id="booklet-title">
        Livret de famille <SourceBadge prov={provenanceOf(answer.provenance, '/family/holder/cnie')} partners={answer.partners} />
      </h3>
      <table class="table">
        <caption class="visually-hidden">Conjoints et enfants selon le livret de famille</caption>
        <Columns names={['Lien', 'Nom et prénom', 'CNIE', 'Naissance', 'Situation', 'Source']} />
        <tbody>
          {(f.spouses ?? []).map((s, i) => row(s, `/family/spouses/${i}`, 'Conjoint(e)'))}
          {(f.children ?? []).map((c, i) => row(c, `/family/children/${i}`, 'Enfant'))}
          {(f.spouses ?? []).length + (f.children ?? []).length === 0 && (
            <tr>
              <td colSpan={6}>Ni conjoint ni enfant.</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function Taxpayer({ answer }: { answer: PrefillAnswer }) {
  const t = answer.record.taxpayer as { fiscal_id?: string; tax_regime?: string; status?: string; status_date?: string } | undefined;
  if (!t) return null;
  return (
    <section aria-labelledby="taxpayer-title">
      <h3 id="taxpayer-title">Situation fiscale (TNS)</h3>
      <dl class="fields">
        <Field name="Identifiant fiscal" source={<SourceBadge prov={provenanceOf(answer.provenance, '/taxpayer/fiscal_id')} partners={answer.partners} />}>
          {t.fiscal_id}
        </Field>
        <Field name="Statut" source={<SourceBadge prov={provenanceOf(answer.provenance, '/taxpayer/status')} partners={answer.partners} />}>
          {label(TAX_STATUS, t.status)} depuis le {frenchDate(t.status_date)} ({t.tax_regime})
        </Field>
      </dl>
    </section>
  );
}

interface Override {
  field: string;
  value: string;
  reason: string;
}

export function PersonScreen() {
  const [cnie, setCnie] = useState('');
  const [category, setCategory] = useState('SALARIE');
  const [prefill, setPrefill] = useState<Answer<PrefillAnswer> | null>(null);
  const [prefillError, setPrefillError] = useState<{ code: string; message: string } | null>(null);
  const [asking, setAsking] = useState(false);
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [address, setAddress] = useState('');
  const [rib, setRib] = useState('');
  const [ribTouched, setRibTouched] = useState(false);
  const [override, setOverride] = useState<Override>({ field: 'last_name', value: '', reason: '' });
  const [overrideOpen, setOverrideOpen] = useState(false);
  const [registering, setRegistering] = useState(false);
  const [registered, setRegistered] = useState<Answer<Insured> | null>(null);
  const [registerError, setRegisterError] = useState<{ code: string; message: string } | null>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  const doneHeading = useRef<HTMLHeadingElement>(null);
  const ribInput = useRef<HTMLInputElement>(null);
  const keys = useRef(new IdempotencyKeys());

  const cnieOk = isCnie(cnie);

  useAnswerShown(prefill, 'agency:prefill-person', resultHeading);
  useAnswerShown(registered, 'agency:register-person', doneHeading);

  async function ask(e?: Event, noCache = false) {
    e?.preventDefault();
    if (!cnieOk || asking) return;
    setAsking(true);
    setPrefillError(null);
    setRegistered(null);
    setRegisterError(null);
    try {
      const a = await call<PrefillAnswer>('POST', '/v1/prefill/person', {
        body: { cnie, purpose: 'IMMATRICULATION', category },
        noCache,
      });
      if (a.error) {
        setPrefill(null);
        setPrefillError(a.error);
      } else {
        setPrefill(a);
      }
    } catch (err) {
      setPrefill(null);
      setPrefillError({ code: 'network', message: err instanceof NetworkError ? err.message : String(err) });
    } finally {
      setAsking(false);
    }
  }

  function keep(field: string, value: string) {
    setOverride({ field, value, reason: override.reason });
    setOverrideOpen(true);
    requestAnimationFrame(() => document.getElementById('override-reason')?.focus());
  }

  const ribCheck = checkRib(rib);
  const ribBlocking = ribCheck.state !== 'empty' && ribCheck.state !== 'ok';

  function registrationBody() {
    const body: Record<string, unknown> = { cnie, category };
    if (ribCheck.state === 'ok') body.rib = ribDigits(rib);
    const contact: Record<string, string> = {};
    if (phone.trim()) contact.phone = phone.trim().replace(/[\s.-]/g, '');
    if (email.trim()) contact.email = email.trim();
    if (address.trim()) contact.address = address.trim();
    if (Object.keys(contact).length) body.contact = contact;
    if (overrideOpen && override.value.trim()) {
      body.person = { [override.field]: override.value.trim() };
      body.override = { reason: override.reason.trim() };
    }
    return body;
  }

  async function register(e: Event) {
    e.preventDefault();
    setRibTouched(true);
    if (ribBlocking) {
      ribInput.current?.focus();
      return;
    }
    if (registering) return;
    const body = registrationBody();
    setRegistering(true);
    setRegisterError(null);
    try {
      const a = await call<Insured>('POST', '/v1/insured', { body, idempotencyKey: keys.current.for(body) });
      if (a.error) setRegisterError(a.error);
      else setRegistered(a);
    } catch (err) {
      setRegisterError({
        code: 'network',
        message: `${err instanceof Error ? err.message : String(err)} — réessayer : la même demande ne créera pas de second dossier.`,
      });
    } finally {
      setRegistering(false);
    }
  }

  const answer = prefill?.body;
  const conflicts = answer?.conflicts ?? [];

  return (
    <section aria-labelledby="person-title">
      <h2 id="person-title">Immatriculer une personne</h2>
      <form class="card-form" onSubmit={(e) => ask(e)} aria-describedby="cnie-help">
        <div class="row">
          <label for="cnie">Numéro de CNIE</label>
          <input
            id="cnie"
            name="cnie"
            autocomplete="off"
            spellcheck={false}
            required
            pattern={CNIE_PATTERN}
            value={cnie}
            aria-invalid={cnie !== '' && !cnieOk}
            onInput={(e) => setCnie((e.target as HTMLInputElement).value.toUpperCase().trim())}
          />
          <span id="cnie-help" class="help">
            une ou deux lettres puis un à six chiffres (ex. BK123456)
          </span>
        </div>
        <Choice id="category" label="Catégorie" value={category} options={CATEGORIES} onChange={(v) => setCategory(v)} />
        <button type="submit" disabled={!cnieOk || asking}>
          {asking ? 'Interrogation en cours…' : 'Interroger les administrations'}
        </button>
      </form>

      <ErrorBox error={prefillError} title="Préremplissage impossible" />

      {prefill && answer && (
        <div class="prefill" data-testid="prefill">
          <h2 ref={resultHeading} tabIndex={-1} id="prefill-title">
            Ce que savent les administrations{answer.record.person ? ` : ${answer.record.person.last_name ?? ''} ${answer.record.person.first_name ?? ''}` : ''}
          </h2>
          {!prefill.ok && (
            <Status>
              Aucune administration n’a donné de données ({prefill.status}) : vérifier le numéro ou réessayer plus tard.
            </Status>
          )}
          <PartnerStatuses partners={answer.partners} />
          <button type="button" class="secondary" onClick={() => ask(undefined, true)} disabled={asking}>
            Interroger à nouveau (sans cache)
          </button>
          <ConflictList conflicts={conflicts} onKeep={keep} />
          <Identity answer={answer} conflicts={conflicts} />
          <Booklet answer={answer} />
          <Taxpayer answer={answer} />

          <form class="card-form" onSubmit={register} noValidate>
            <h3>À saisir : ce qu’aucune administration ne détient</h3>
            <fieldset>
              <legend>Coordonnées</legend>
              <div class="row">
                <label for="phone">Téléphone</label>
                <input id="phone" type="tel" autocomplete="tel" value={phone} pattern="^\+?[0-9 .-]{9,20}$" onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
              </div>
              <div class="row">
                <label for="email">Courriel</label>
                <input id="email" type="email" autocomplete="email" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
              </div>
              <div class="row">
                <label for="address">Adresse de correspondance (si différente)</label>
                <input id="address" value={address} maxLength={300} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
              </div>
            </fieldset>
            <RibField id="rib" value={rib} touched={ribTouched} inputRef={ribInput} onInput={setRib} onBlur={() => setRibTouched(true)} />

            <details open={overrideOpen} onToggle={(e) => setOverrideOpen((e.target as HTMLDetailsElement).open)}>
              <summary>Corriger une donnée d’une administration (dérogation : rôle « override » et motif)</summary>
              <Choice
                id="override-field"
                label="Donnée"
                value={override.field}
                options={OVERRIDABLE.map((f) => [f, label(FIELDS, f)] as const)}
                onChange={(field) => setOverride({ ...override, field })}
              />
              <div class="row">
                <label for="override-value">Valeur retenue</label>
                <input id="override-value" value={override.value} onInput={(e) => setOverride({ ...override, value: (e.target as HTMLInputElement).value })} />
              </div>
              <div class="row">
                <label for="override-reason">Motif (obligatoire)</label>
                <textarea id="override-reason" value={override.reason} required={overrideOpen} onInput={(e) => setOverride({ ...override, reason: (e.target as HTMLTextAreaElement).value })} />
              </div>
            </details>

            <button type="submit" class="primary" disabled={registering || !answer.record.person || !!registered} aria-describedby={ribBlocking ? 'rib-error' : undefined}>
              {registering ? 'Immatriculation en cours…' : registered ? 'Immatriculé(e)' : 'Immatriculer'}
            </button>
          </form>
        </div>
      )}

      <ErrorBox error={registerError} title="Immatriculation refusée" />

      {registered && (
        <section class="done" aria-labelledby="done-title" data-testid="registered">
          <h2 ref={doneHeading} tabIndex={-1} id="done-title">
            Immatriculé(e) sous le n° <span data-testid="immatriculation">{registered.body.immatriculation}</span>
          </h2>
          <p>
            Catégorie {label(CATEGORIES, registered.body.category)}, statut {label(STATUS, registered.body.status)}, le {frenchDate(registered.body.registered_on)}.
            {registered.replayed && ' (Réponse déjà donnée à cette même demande : aucun second dossier.)'}
          </p>
          <ul class="links">
            <li>
              <a href={`#/famille/${registered.body.immatriculation}`}>Famille et ayants droit</a>
            </li>
            <li>
              <a href={`#/historique/insured/${registered.body.immatriculation}`}>Historique du dossier</a>
            </li>
            <li>
              <a href={`#/carte/${registered.body.immatriculation}`}>Carte d’immatriculation</a>
            </li>
          </ul>
        </section>
      )}
    </section>
  );
}
