// Employer: an ICE, or a commercial court and register number, in; the company (OMPIC), its
// managers and its tax status (DGI) out, with their sources; the agent proposes the
// representatives and registers the affiliation (POST /v1/employers with an Idempotency-Key).
import { useRef, useState } from 'preact/hooks';
import { type Answer, type ApiError, call, IdempotencyKeys } from '../shared/api';
import { CNIE_PATTERN, isCnie, isIce } from '../shared/identifiers';
import { Choice, Columns, ErrorBox, Field, type PartnerMap, PartnerStatuses, type ProvenanceMap, provenanceOf, SourceBadge, useAnswerShown } from './components';
import { COMPANY_STATUS, PARTNERS, ROLES, STATUS, TAX_STATUS, TRIBUNALS, frenchDate, label } from './labels';
import type { Conflict } from './person';

interface Manager {
  last_name?: string;
  first_name?: string;
  cnie?: string | null;
  passport?: string | null;
  role?: string;
  appointed_on?: string;
}
interface Company {
  ice?: string;
  rc_court?: string;
  rc_number?: string;
  registered_on?: string;
  name?: string;
  legal_form?: string;
  legal_form_label?: string;
  capital?: number | null;
  capital_currency?: string | null;
  head_office?: { line?: string; city?: string; postal_code?: string };
  main_activity?: { code?: string; label?: string };
  managers?: Manager[];
  status?: string;
}
interface Taxpayer {
  fiscal_id?: string;
  tax_regime?: string;
  status?: string;
  status_date?: string;
  professional_tax?: { number?: string; start_date?: string };
}
interface EmployerPrefill {
  record: { company?: Company; taxpayer?: Taxpayer };
  provenance: ProvenanceMap;
  conflicts: Conflict[];
  partners: PartnerMap;
}
interface Employer {
  affiliation_number: string;
  ice: string;
  status: string;
  agency?: string;
  representatives?: Record<string, { cnie: string; role: string; last_name?: string; first_name?: string }>;
}
interface Representative {
  cnie: string;
  role: string;
  last_name?: string;
  first_name?: string;
  chosen: boolean;
  from: 'ompic' | 'agent';
}

export function EmployerScreen() {
  const [by, setBy] = useState<'ice' | 'rc'>('ice');
  const [ice, setIce] = useState('');
  const [tribunal, setTribunal] = useState('CASABLANCA');
  const [rc, setRc] = useState('');
  const [prefill, setPrefill] = useState<Answer<EmployerPrefill> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [asking, setAsking] = useState(false);
  const [reps, setReps] = useState<Representative[]>([]);
  const [agency, setAgency] = useState('');
  const [newRep, setNewRep] = useState({ cnie: '', role: 'agent', last_name: '', first_name: '' });
  const [registering, setRegistering] = useState(false);
  const [registered, setRegistered] = useState<Answer<Employer> | null>(null);
  const keys = useRef(new IdempotencyKeys());
  const heading = useRef<HTMLHeadingElement>(null);
  const doneHeading = useRef<HTMLHeadingElement>(null);

  const iceOk = isIce(ice);
  const canAsk = by === 'ice' ? iceOk : /^[0-9]{1,10}$/.test(rc);

  useAnswerShown(prefill, 'agency:prefill-employer', heading);
  useAnswerShown(registered, 'agency:register-employer', doneHeading);

  async function ask(e: Event) {
    e.preventDefault();
    if (!canAsk || asking) return;
    setAsking(true);
    setError(null);
    setRegistered(null);
    try {
      const a = await call<EmployerPrefill>('POST', '/v1/prefill/employer', { body: by === 'ice' ? { ice } : { tribunal, rc } });
      if (a.error) {
        setError(a.error);
        setPrefill(null);
        return;
      }
      setPrefill(a);
      const managers = a.body.record.company?.managers ?? [];
      setReps(
        managers
          .filter((m) => m.cnie)
          .map((m) => ({
            cnie: m.cnie as string,
            role: m.role && m.role in ROLES ? m.role : 'manager',
            last_name: m.last_name,
            first_name: m.first_name,
            chosen: true,
            from: 'ompic' as const,
          })),
      );
    } catch (err) {
      setError({ code: 'network', message: err instanceof Error ? err.message : String(err) });
    } finally {
      setAsking(false);
    }
  }

  function addRep(e: Event) {
    e.preventDefault();
    if (!isCnie(newRep.cnie)) return;
    setReps([...reps, { ...newRep, chosen: true, from: 'agent' }]);
    setNewRep({ cnie: '', role: 'agent', last_name: '', first_name: '' });
  }

  async function register(e: Event) {
    e.preventDefault();
    const company = prefill?.body.record.company;
    if (!company?.ice || registering) return;
    const body: Record<string, unknown> = {
      ice: company.ice,
      representatives: reps
        .filter((r) => r.chosen)
        .map((r) => ({ cnie: r.cnie, role: r.role, ...(r.last_name ? { last_name: r.last_name } : {}), ...(r.first_name ? { first_name: r.first_name } : {}) })),
    };
    if (agency.trim()) body.agency = agency.trim();
    setRegistering(true);
    setError(null);
    try {
      const a = await call<Employer>('POST', '/v1/employers', { body, idempotencyKey: keys.current.for(body) });
      if (a.error) setError(a.error);
      else setRegistered(a);
    } catch (err) {
      setError({ code: 'network', message: `${err instanceof Error ? err.message : String(err)} — réessayer sans risque de doublon.` });
    } finally {
      setRegistering(false);
    }
  }

  const p = prefill?.body;
  const c = p?.record.company;
  const t = p?.record.taxpayer;
  const badge = (pointer: string) => <SourceBadge prov={provenanceOf(p?.provenance, pointer)} partners={p?.partners} />;

  return (
    <section aria-labelledby="employer-title">
      <h2 id="employer-title">Affilier un employeur</h2>
      <form class="card-form" onSubmit={ask}>
        <fieldset>
          <legend>Rechercher l’entreprise par</legend>
          <label class="choice">
            <input type="radio" name="by" value="ice" checked={by === 'ice'} onChange={() => setBy('ice')} /> ICE
          </label>
          <label class="choice">
            <input type="radio" name="by" value="rc" checked={by === 'rc'} onChange={() => setBy('rc')} /> Tribunal et n° de registre du commerce
          </label>
        </fieldset>
        {by === 'ice' ? (
          <div class="row">
            <label for="ice">ICE (15 chiffres)</label>
            <input
              id="ice"
              inputMode="numeric"
              autocomplete="off"
              value={ice}
              aria-invalid={ice.length === 15 && !iceOk}
              aria-describedby="ice-error"
              onInput={(e) => setIce((e.target as HTMLInputElement).value.replace(/\s+/g, ''))}
            />
            <span id="ice-error" class={ice.length === 15 && !iceOk ? 'field-error' : 'help'} aria-live="polite">
              {ice.length === 15 && !iceOk ? 'ICE invalide : le nombre doit être un multiple de 97.' : 'entreprise (9), établissement (4), contrôle (2)'}
            </span>
          </div>
        ) : (
          <>
            <Choice id="tribunal" label="Tribunal de commerce" value={tribunal} options={TRIBUNALS} onChange={(v) => setTribunal(v)} />
            <div class="row">
              <label for="rc">N° de registre du commerce</label>
              <input id="rc" inputMode="numeric" value={rc} onInput={(e) => setRc((e.target as HTMLInputElement).value.trim())} />
            </div>
          </>
        )}
        <button type="submit" disabled={!canAsk || asking}>
          {asking ? 'Interrogation en cours…' : 'Interroger l’OMPIC et la DGI'}
        </button>
      </form>
      <ErrorBox error={error} />
      {p && (
        <div data-testid="employer-prefill">
          <h2 ref={heading} tabIndex={-1}>
            {c?.name ?? 'Entreprise inconnue'}
          </h2>
          <PartnerStatuses partners={p.partners} />
          {p.conflicts.length > 0 && (
            <section class="conflicts" aria-labelledby="employer-conflicts">
              <h3 id="employer-conflicts">L’OMPIC et la DGI ne concordent pas</h3>
              <ul>
                {p.conflicts.map((k) => (
                  <li key={k.field}>
                    {k.values.map((v) => `${label(PARTNERS, v.partner)} « ${v.value} »`).join(' ≠ ')}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {c && (
            <section aria-labelledby="company-title">
              <h3 id="company-title">Entreprise (registre du commerce)</h3>
              <dl class="fields">
                <Field name="Raison sociale" source={badge('/company/name')}>{c.name}</Field>
                <Field name="ICE" source={badge('/company/ice')}>{c.ice}</Field>
                <Field name="Registre du commerce" source={badge('/company/rc_number')}>
                  {c.rc_court} n° {c.rc_number}, immatriculée le {frenchDate(c.registered_on)}
                </Field>
                <Field name="Forme juridique" source={badge('/company/legal_form')}>
                  {c.legal_form_label ?? c.legal_form}
                  {c.capital ? `, capital ${c.capital} ${c.capital_currency ?? ''}` : ''}
                </Field>
                <Field name="Statut" source={badge('/company/status')}>{label(COMPANY_STATUS, c.status)}</Field>
                <Field name="Siège" source={badge('/company/head_office/line')}>
                  {[c.head_office?.line, c.head_office?.city].filter(Boolean).join(', ')}
                </Field>
                <Field name="Activité principale" source={badge('/company/main_activity/label')}>
                  {c.main_activity?.label} ({c.main_activity?.code})
                </Field>
              </dl>
              <table class="table">
                <caption>Dirigeants selon l’OMPIC</caption>
                <Columns names={['Nom et prénom', 'CNIE ou passeport', 'Qualité', 'Depuis', 'Source']} />
                <tbody>
                  {(c.managers ?? []).map((m, i) => (
                    <tr key={i}>
                      <td>
                        {m.last_name} {m.first_name}
                      </td>
                      <td>{m.cnie ?? m.passport}</td>
                      <td>{label(ROLES, m.role)}</td>
                      <td>{frenchDate(m.appointed_on)}</td>
                      <td>{badge(`/company/managers/${i}/last_name`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {t && (
            <section aria-labelledby="tax-title">
              <h3 id="tax-title">Situation fiscale</h3>
              <dl class="fields">
                <Field name="Identifiant fiscal" source={badge('/taxpayer/fiscal_id')}>{t.fiscal_id}</Field>
                <Field name="Statut fiscal" source={badge('/taxpayer/status')}>
                  {label(TAX_STATUS, t.status)} depuis le {frenchDate(t.status_date)}
                </Field>
                <Field name="Régime" source={badge('/taxpayer/tax_regime')}>{t.tax_regime}</Field>
                {t.professional_tax?.number && (
                  <Field name="Taxe professionnelle" source={badge('/taxpayer/professional_tax/number')}>
                    n° {t.professional_tax.number} depuis le {frenchDate(t.professional_tax.start_date)}
                  </Field>
                )}
              </dl>
            </section>
          )}
          {c?.ice && (
            <>
              <form class="card-form" onSubmit={register}>
                <fieldset>
                  <legend>Représentants proposés</legend>
                  {reps.length === 0 && <p>Aucun dirigeant avec une CNIE : en ajouter un ci-dessous.</p>}
                  {reps.map((r, i) => (
                    <div class="row rep" key={`${r.cnie}-${i}`}>
                      <label class="choice">
                        <input
                          type="checkbox"
                          checked={r.chosen}
                          onChange={(e) => setReps(reps.map((x, j) => (j === i ? { ...x, chosen: (e.target as HTMLInputElement).checked } : x)))}
                        />{' '}
                        {r.last_name} {r.first_name} ({r.cnie}) — {r.from === 'ompic' ? 'dirigeant selon l’OMPIC' : 'ajouté par l’agence'}
                      </label>
                      <Choice
                        bare
                        hiddenLabel
                        id={`rep-role-${i}`}
                        label={`Qualité de ${r.last_name ?? ''} ${r.first_name ?? ''}`}
                        value={r.role}
                        options={ROLES}
                        onChange={(role) => setReps(reps.map((x, j) => (j === i ? { ...x, role } : x)))}
                      />
                    </div>
                  ))}
                </fieldset>
                <div class="row">
                  <label for="agency">Agence gestionnaire (vide : celle de la ville du siège)</label>
                  <input id="agency" value={agency} onInput={(e) => setAgency((e.target as HTMLInputElement).value)} />
                </div>
                <button type="submit" class="primary" disabled={registering || !!registered}>
                  {registering ? 'Affiliation en cours…' : registered ? 'Affilié' : 'Affilier l’employeur'}
                </button>
              </form>
              <form class="card-form inline" onSubmit={addRep} aria-labelledby="new-rep-title">
                <h3 id="new-rep-title">Ajouter un représentant</h3>
                <div class="row">
                  <label for="rep-cnie">CNIE</label>
                  <input id="rep-cnie" pattern={CNIE_PATTERN} value={newRep.cnie} onInput={(e) => setNewRep({ ...newRep, cnie: (e.target as HTMLInputElement).value.toUpperCase().trim() })} />
                </div>
                <Choice id="rep-role" label="Qualité" value={newRep.role} options={ROLES} onChange={(role) => setNewRep({ ...newRep, role })} />
                <div class="row">
                  <label for="rep-last">Nom</label>
                  <input id="rep-last" value={newRep.last_name} onInput={(e) => setNewRep({ ...newRep, last_name: (e.target as HTMLInputElement).value })} />
                </div>
                <div class="row">
                  <label for="rep-first">Prénom</label>
                  <input id="rep-first" value={newRep.first_name} onInput={(e) => setNewRep({ ...newRep, first_name: (e.target as HTMLInputElement).value })} />
                </div>
                <button type="submit" class="secondary" disabled={!isCnie(newRep.cnie)}>
                  Ajouter à la liste
                </button>
              </form>
            </>
          )}
        </div>
      )}
      {registered && (
        <section class="done" aria-labelledby="employer-done" data-testid="affiliated">
          <h2 ref={doneHeading} tabIndex={-1} id="employer-done">
            Affilié sous le n° <span data-testid="affiliation">{registered.body.affiliation_number}</span>
          </h2>
          <p>
            Statut {label(STATUS, registered.body.status)}, agence {registered.body.agency}, {Object.keys(registered.body.representatives ?? {}).length} représentant(s).
            {registered.replayed && ' (Réponse déjà donnée à cette même demande : aucune seconde affiliation.)'}
          </p>
          <p>
            <a href={`#/historique/employer/${registered.body.affiliation_number}`}>Historique de l’affiliation</a>
          </p>
        </section>
      )}
    </section>
  );
}
