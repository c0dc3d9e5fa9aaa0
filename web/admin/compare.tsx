// Two texts side by side or as one unified diff: a golden case's expected against actual output,
// two published versions, a draft against the version it started from. Lines come from the
// `diff` package (jsdiff); each keeps its "+"/"-" so that the difference is read, not only seen.
import { createTwoFilesPatch, diffLines } from 'diff';
import type { ComponentChildren } from 'preact';

/** Canonical JSON, indented, for reading (keys in the hub's order); a text (an XML view) as it is. */
export function pretty(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  return '';
}

/** A unified diff text (the hub's, or made here), one line a row. */
export function UnifiedDiff({ text, label }: { text: string; label: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  if (!text.trim()) return <p class="muted">Aucune différence.</p>;
  return (
    <pre class="diff" aria-label={label} tabIndex={0} data-testid="diff">
      {lines.map((l, i) => (
        <span key={i} class={lineClass(l)}>
          {l}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** The unified diff from `before` to `after`, named as the two versions. */
export function TextDiff(props: { before: string; after: string; beforeName: string; afterName: string; label: string }) {
  const text = createTwoFilesPatch(props.beforeName, props.afterName, props.before, props.after, '', '', { context: 3 });
  // The first line is jsdiff's "Index:"/"====" header when present: only the hunks are of use.
  const body = text
    .split('\n')
    .filter((l) => !l.startsWith('Index:') && !/^=+$/.test(l))
    .join('\n');
  return <UnifiedDiff text={body.includes('@@') ? body : ''} label={props.label} />;
}

/** Expected beside actual; the lines that differ are marked on each side. */
export function ExpectedActual({ expected, actual, name }: { expected: unknown; actual: unknown; name: string }) {
  const parts = diffLines(pretty(expected), pretty(actual));
  const side = (keep: 'removed' | 'added') =>
    parts
      .filter((p) => !p[keep === 'removed' ? 'added' : 'removed'])
      .map((p, i) => (
        <span key={i} class={p[keep] ? (keep === 'removed' ? 'diff-del' : 'diff-add') : ''}>
          {p.value}
        </span>
      ));
  return (
    <div class="expected-actual">
      <Side caption="Attendu" label={`Résultat attendu du cas ${name}`} testId="expected">
        {side('removed')}
      </Side>
      <Side caption="Obtenu" label={`Résultat obtenu du cas ${name}`} testId="actual">
        {side('added')}
      </Side>
    </div>
  );
}

function Side(props: { caption: string; label: string; testId: string; children: ComponentChildren }) {
  return (
    <figure>
      <figcaption>{props.caption}</figcaption>
      <pre aria-label={props.label} tabIndex={0} data-testid={props.testId}>
        {props.children}
      </pre>
    </figure>
  );
}
