// The insured person's card: number, names in both scripts, category, issue date; printed from the
// page (agency.css's print stylesheet keeps the card alone on the page).
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Answer, type ApiError, call, newIdempotencyKey } from '../shared/api';
import { Ar, Choice, ErrorBox, useAnswerShown } from './components';
import { CATEGORIES, frenchDate, label } from './labels';
import { resolveInsured } from './lookup';

interface CardRequest {
  reason: string;
  requested_on: string;
  status: string;
  requested_by: string;
}
interface Insured {
  immatriculation: string;
  cnie: string;
  category: string;
  status: string;
  person?: { last_name?: string; first_name?: string; last_name_ar?: string; first_name_ar?: string; birth_date?: string };
  cards?: Record<string, CardRequest>;
}

const REASONS: Record<string, string> = {
  first: 'première carte',
  lost: 'perte',
  stolen: 'vol',
  damaged: 'carte abîmée',
  renewal: 'renouvellement',
};

function latestCard(cards: Record<string, CardRequest> | undefined): CardRequest | undefined {
  const names = Object.keys(cards ?? {}).sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
  return names.length ? cards![names[names.length - 1]] : undefined;
}

export function CardScreen({ number: initial }: { number?: string }) {
  const [query, setQuery] = useState(initial ?? '');
  const [insured, setInsured] = useState<Answer<Insured> | null>(null);
  const [reason, setReason] = useState('first');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const cardRef = useRef<HTMLElement>(null);

  async function load(q: string) {
    setError(null);
    const n = await resolveInsured(q);
    if ('code' in n) {
      setError(n);
      return;
    }
    const a = await call<Insured>('GET', `/v1/insured/${n.number}`);
    if (a.error) setError(a.error);
    else {
      setInsured(a);
      window.history.replaceState(null, '', `#/carte/${n.number}`);
    }
  }
  useEffect(() => {
    if (initial) void load(initial);
  }, [initial]);
  useAnswerShown(insured, 'agency:card');

  async function request(e: Event) {
    e.preventDefault();
    if (!insured || busy) return;
    setBusy(true);
    setError(null);
    try {
      const a = await call<Insured>('POST', `/v1/insured/${insured.body.immatriculation}/cards`, {
        body: { reason },
        idempotencyKey: newIdempotencyKey(),
      });
      if (a.error) setError(a.error);
      else {
        setInsured(a);
        requestAnimationFrame(() => cardRef.current?.focus());
      }
    } finally {
      setBusy(false);
    }
  }

  const i = insured?.body;
  const card = latestCard(i?.cards);
  return (
    <section aria-labelledby="card-title">
      <h2 id="card-title" class="no-print">
        Carte d’immatriculation
      </h2>
      <form
        class="card-form inline no-print"
        onSubmit={(e) => {
          e.preventDefault();
          void load(query.trim());
        }}
      >
        <div class="row">
          <label for="card-number">N° d’immatriculation ou CNIE</label>
          <input id="card-number" required value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value.toUpperCase().trim())} />
        </div>
        <button type="submit">Afficher</button>
      </form>
      <ErrorBox error={error} />
      {i && (
        <>
          <form class="card-form inline no-print" onSubmit={request}>
            <Choice id="card-reason" label="Motif de l’édition" value={reason} options={REASONS} onChange={(v) => setReason(v)} />
            <button type="submit" disabled={busy || i.status !== 'ACTIVE'}>
              Demander l’édition de la carte
            </button>
          </form>
          {card ? (
            <>
              <article class="insured-card" ref={cardRef} tabIndex={-1} aria-label="Carte d’immatriculation" data-testid="card">
                <header class="insured-card-head">
                  <span>Caisse Nationale de Sécurité Sociale</span>
                  <Ar text="الصندوق الوطني للضمان الاجتماعي" />
                </header>
                <p class="insured-card-number">
                  <span class="card-label">N° d’immatriculation</span>
                  <span data-testid="card-number">{i.immatriculation}</span>
                </p>
                <dl>
                  <div>
                    <dt>Nom</dt>
                    <dd>
                      {i.person?.last_name} <Ar text={i.person?.last_name_ar} />
                    </dd>
                  </div>
                  <div>
                    <dt>Prénom</dt>
                    <dd>
                      {i.person?.first_name} <Ar text={i.person?.first_name_ar} />
                    </dd>
                  </div>
                  <div>
                    <dt>CNIE</dt>
                    <dd>{i.cnie}</dd>
                  </div>
                  <div>
                    <dt>Catégorie</dt>
                    <dd>{label(CATEGORIES, i.category)}</dd>
                  </div>
                  <div>
                    <dt>Date d’émission</dt>
                    <dd data-testid="card-issued">{frenchDate(card.requested_on)}</dd>
                  </div>
                </dl>
              </article>
              <button type="button" class="primary no-print" onClick={() => window.print()}>
                Imprimer la carte
              </button>
            </>
          ) : (
            <p class="no-print">Aucune carte demandée pour ce dossier.</p>
          )}
        </>
      )}
    </section>
  );
}
