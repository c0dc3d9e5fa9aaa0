// What the agency tests set up through the API, and how they find simulated people that fit a
// case on today's date (the simulators' world is fixed; the hub's today is the clock's).
import type { APIRequestContext } from '@playwright/test';
import { expect } from '../support/fixtures';

export interface Booklet {
  children?: { cnie?: string | null; first_name?: string; birth_date?: string; death_date?: string | null }[];
  spouses?: unknown[];
}

export function isoDay(offsetDays = 0): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return d.toISOString().slice(0, 10);
}

export function ageOn(birth: string, on: string): number {
  const [by, bm, bd] = birth.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Registers `cnie` through the API (as the agency) and gives its immatriculation number. */
export async function registerViaApi(api: APIRequestContext, cnie: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api.post('/v1/insured', { data: { cnie, category: 'SALARIE', ...extra } });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { immatriculation: string }).immatriculation;
}

/**
 * The first CNIE of BK9<nn>xyz (nn from `from`) whose DGCT booklet satisfies `fits`: the tests
 * need, say, a child aged 21 to 25 today, which depends on the date they run. Last two digits are
 * kept at 10..95 so that no conflict (00..09) nor reserved answer (…996-999) gets in the way.
 */
export async function findPerson(
  api: APIRequestContext,
  prefix: string,
  fits: (booklet: Booklet) => boolean,
): Promise<{ cnie: string; booklet: Booklet }> {
  for (let n = 10; n < 96; ++n) {
    const cnie = `${prefix}${String(n).padStart(2, '0')}`;
    const res = await api.post('/v1/prefill/person', { data: { cnie, purpose: 'IMMATRICULATION' } });
    if (res.status() !== 200) continue;
    const booklet = ((await res.json()) as { record: { family?: Booklet } }).record.family;
    if (booklet && fits(booklet)) return { cnie, booklet };
  }
  throw new Error(`no simulated person ${prefix}10..95 fits`);
}
