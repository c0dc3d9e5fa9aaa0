// The RIB, checked as it is typed: 24 digits whose whole number is ≡ 0 (mod 97). A wrong key is
// said at once, with the key the first 22 digits call for, and blocks the registration.
import type { Ref } from 'preact';
import { checkRib } from '../shared/identifiers';

export function RibField(props: {
  id: string;
  value: string;
  touched: boolean;
  inputRef?: Ref<HTMLInputElement>;
  onInput: (v: string) => void;
  onBlur?: () => void;
}) {
  const check = checkRib(props.value);
  let message = '';
  if (check.state === 'bad_key') message = `Clé RIB incorrecte : les 22 premiers chiffres appellent la clé ${check.expectedKey}.`;
  else if (check.state === 'not_digits') message = 'Le RIB compte exactement 24 chiffres (espaces permis).';
  else if (check.state === 'incomplete' && props.touched) message = `RIB incomplet : ${check.digits} chiffres sur 24.`;
  const invalid = message !== '';
  return (
    <div class="row">
      <label for={props.id}>RIB (24 chiffres, facultatif)</label>
      <input
        id={props.id}
        ref={props.inputRef}
        inputMode="numeric"
        autocomplete="off"
        spellcheck={false}
        value={props.value}
        aria-invalid={invalid}
        aria-describedby={`${props.id}-help${invalid ? ` ${props.id}-error` : ''}`}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
        onBlur={props.onBlur}
      />
      <span id={`${props.id}-help`} class="help">
        banque (3), ville (3), compte (16), clé (2)
      </span>
      <span id={`${props.id}-error`} class={invalid ? 'field-error' : 'field-ok'} aria-live="polite">
        {invalid ? message : check.state === 'ok' ? 'Clé RIB correcte.' : ''}
      </span>
    </div>
  );
}
