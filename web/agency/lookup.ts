// Finding a record from what the agent has at hand: an immatriculation number, or a CNIE.
import { type ApiError, call } from '../shared/api';
import { isCnie } from '../shared/identifiers';

export async function resolveInsured(query: string): Promise<{ number: string } | ApiError> {
  if (/^[0-9]{9}$/.test(query)) return { number: query };
  if (!isCnie(query)) {
    return { code: 'invalid_input', message: 'a 9-digit immatriculation number or a CNIE (BK123456)' };
  }
  const a = await call<{ immatriculation: string }>('GET', `/v1/insured?cnie=${encodeURIComponent(query)}`);
  return a.error ?? { number: a.body.immatriculation };
}
