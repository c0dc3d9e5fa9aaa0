// Small pieces every page uses: the hub's errors, announced statuses, table headings, text the hub
// gave in English, and what happens when an answer is shown (focus, render time).
import type { ComponentChildren, RefObject } from 'preact';
import { useEffect } from 'preact/hooks';
import { type ApiError, measureRender } from './api';
import { label } from './format';

/** A value the hub gave in English (a message this page has no translation for). */
export function Untranslated({ text }: { text: string }) {
  return <span lang="en">{text}</span>;
}

/** An error the hub answered (or the network's), with its stable code, the page's words for that
 * code (`labels`) and the hub's own message. */
export function ErrorBox(props: { error: ApiError | null | undefined; labels: Record<string, string>; title?: string }) {
  const { error, labels, title } = props;
  if (!error) return null;
  return (
    <div role="alert" class="error-box" data-code={error.code}>
      <strong>{title ?? label(labels, error.code)}</strong>
      {title && <> — {label(labels, error.code)}</>} (<span class="error-code">{error.code}</span>)
      <div class="error-message">
        <Untranslated text={error.message} />
      </div>
    </div>
  );
}

/** A message for assistive technology and sighted users alike, announced when it changes. */
export function Status({ children }: { children: ComponentChildren }) {
  return (
    <p role="status" class="status">
      {children}
    </p>
  );
}

/** A table's column headings. */
export function Columns({ names }: { names: ComponentChildren[] }) {
  return (
    <thead>
      <tr>
        {names.map((n, i) => (
          <th scope="col" key={i}>
            {n}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** When `answer` changes: the focus goes to `heading` (the result, for keyboard and screen-reader
 * users) and the time the page took after the hub's answer is recorded as `name`. */
export function useAnswerShown(answer: { answeredAt: number } | null, name: string, heading?: RefObject<HTMLElement>) {
  useEffect(() => {
    if (!answer) return;
    heading?.current?.focus();
    measureRender(name, answer.answeredAt);
  }, [answer]);
}

/** The page's header: the fund's name, the page's, and its screens (`[id, name]`, linked as
 * `#/<id>`), the current one marked for assistive technology and sighted users alike. */
export function TopBar(props: { page: string; screens: readonly (readonly [string, string])[]; current: string; class?: string }) {
  return (
    <header class={`top${props.class ? ` ${props.class}` : ''}`}>
      <p class="brand">
        CNSS <span class="brand-sub">· {props.page}</span>
      </p>
      <nav aria-label="Écrans">
        <ul>
          {props.screens.map(([id, name]) => (
            <li key={id}>
              <a href={`#/${id}`} aria-current={props.current === id ? 'page' : undefined}>
                {name}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}
