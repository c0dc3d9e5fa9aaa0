// The identifier checks the hub applies (docs/registration.md § Data controls;
// shared/partners/README.md), repeated here so that an agent sees a mistake as they type, before
// anything is sent. The hub checks again: these only save a round trip.

export const CNIE_PATTERN = '^[A-Z]{1,2}[0-9]{1,6}$';

export function isCnie(value: string): boolean {
  return new RegExp(CNIE_PATTERN).test(value);
}

function mod97(digits: string): number {
  return Number(BigInt(digits) % 97n);
}

/** ICE: 15 digits whose whole number is ≡ 0 (mod 97). */
export function isIce(value: string): boolean {
  return /^[0-9]{15}$/.test(value) && mod97(value) === 0;
}

export type RibCheck =
  | { state: 'empty' }
  | { state: 'incomplete'; digits: number }
  | { state: 'not_digits' }
  | { state: 'bad_key'; expectedKey: string }
  | { state: 'ok' };

/**
 * A Moroccan RIB: 24 digits (3 bank, 3 city, 16 account, 2 key) whose whole number is ≡ 0
 * (mod 97). The key that would make the first 22 digits valid is 97 − (first 22 × 100 mod 97).
 * Spaces are ignored (agents copy RIBs in groups).
 */
export function checkRib(input: string): RibCheck {
  const value = input.replace(/\s+/g, '');
  if (value === '') return { state: 'empty' };
  if (!/^[0-9]+$/.test(value)) return { state: 'not_digits' };
  if (value.length < 24) return { state: 'incomplete', digits: value.length };
  if (value.length > 24) return { state: 'not_digits' };
  if (mod97(value) === 0) return { state: 'ok' };
  const key = 97 - mod97(value.slice(0, 22) + '00');
  return { state: 'bad_key', expectedKey: String(key).padStart(2, '0') };
}

export function ribDigits(input: string): string {
  return input.replace(/\s+/g, '');
}
