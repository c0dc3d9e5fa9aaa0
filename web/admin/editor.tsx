// The YAML editor: CodeMirror 6 with YAML highlighting, line numbers, undo, and the hub's
// diagnostics drawn at their line and column (underlined, with a marker in the gutter and the
// message on hover), beside a list of the same diagnostics that moves the cursor to each.
//
// The editor lives in a shadow root: CodeMirror styles itself with generated rules, which it puts
// in a <style> element in a document (refused by the hub's Content-Security-Policy, style-src
// 'self') but in a constructed, adopted style sheet in a shadow root (allowed). Its look is
// therefore given here (EditorView.theme), not in admin.css.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic as CmDiagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState, type Text } from '@codemirror/state';
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';
import type { Diagnostic } from './workbench';

/** The offset of a 1-based line and column in `doc`, clamped to the document (the text may have
 * changed since the hub computed the position). */
function offset(doc: Text, line: number, col: number): number {
  const l = doc.line(Math.min(Math.max(1, line), doc.lines));
  return Math.min(l.from + Math.max(0, col - 1), l.to);
}

/** A hub diagnostic as CodeMirror's: at least one character underlined when the line has one. */
export function toCodeMirror(doc: Text, d: Diagnostic): CmDiagnostic {
  const from = offset(doc, d.line, d.col);
  let to = d.end_line ? offset(doc, d.end_line, d.end_col ?? d.col) : from;
  if (to <= from) to = Math.min(from + 1, doc.lineAt(from).to);
  if (to < from) to = from;
  return {
    from,
    to,
    severity: 'error',
    source: d.code,
    message: d.path ? `${d.message} (${d.path})` : d.message,
  };
}

/** A diagnostic with a place in the edited text: not line 0, not in a golden case's file, and not
 * in another file of the set (a code table's draft is checked by compiling every mapping). */
function inText(d: Diagnostic, file?: string): boolean {
  if (d.line <= 0 || d.file?.startsWith('cases/')) return false;
  return !file || !d.file || d.file === file;
}

export interface EditorHandle {
  /** Puts the cursor at a 1-based line and column, scrolled into view, and focuses the editor. */
  jump(line: number, col: number): void;
}

const look = EditorView.theme({
  '&': { height: '32rem', fontSize: '0.9rem', border: '1px solid #767676', borderRadius: '4px' },
  '&.cm-focused': { outline: '3px solid #005fcc', outlineOffset: '2px' },
  '.cm-scroller': { fontFamily: "'DejaVu Sans Mono', monospace" },
  '.cm-gutters': { color: '#4a4a4a', backgroundColor: '#f5f6f7' },
});

export function YamlEditor(props: {
  initial: string;
  diagnostics: Diagnostic[];
  readOnly: boolean;
  /** The editor's accessible name (ids do not cross into its shadow root). */
  label: string;
  /** The edited file, as diagnostics name it (dgsn/identity.yaml, tables/dgsn_card_status.yaml). */
  file?: string;
  onChange: (text: string) => void;
  handle: { current: EditorHandle | null };
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    const root = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
    const v = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: props.initial,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          drawSelection(),
          history(),
          indentOnInput(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle),
          look,
          yaml(),
          lintGutter(),
          // Tab is left to the browser (moving the focus on): a keyboard user is never trapped.
          // Indenting is Ctrl-] / Ctrl-[ (defaultKeymap).
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorState.readOnly.of(props.readOnly),
          EditorView.editable.of(!props.readOnly),
          // tabindex: the text is reached with Tab even read-only (and so is its scrolled area).
          EditorView.contentAttributes.of({ 'aria-label': props.label, 'aria-multiline': 'true', tabindex: '0' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    props.handle.current = {
      jump(line, col) {
        const at = offset(v.state.doc, line, col);
        v.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
        v.focus();
      },
    };
    return () => {
      v.destroy();
      view.current = null;
      props.handle.current = null;
    };
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const here = props.diagnostics.filter((d) => inText(d, props.file));
    v.dispatch(setDiagnostics(v.state, here.map((d) => toCodeMirror(v.state.doc, d))));
  }, [props.diagnostics]);

  return <div class="yaml-editor" ref={host} data-testid="yaml-editor" />;
}

/** The diagnostics as a list: where (line, column), the stable code, the hub's message and the
 * field's path; a click puts the cursor there. */
export function DiagnosticList(props: { id: string; diagnostics: Diagnostic[]; onJump: (d: Diagnostic) => void }) {
  if (props.diagnostics.length === 0) {
    return (
      <p id={props.id} class="diagnostics-none" data-testid={props.id}>
        Aucune erreur : le mapping compile.
      </p>
    );
  }
  return (
    <div id={props.id} data-testid={props.id}>
      <p class="diagnostics-count" role="alert">
        {props.diagnostics.length === 1 ? '1 erreur' : `${props.diagnostics.length} erreurs`} dans le mapping
      </p>
      <ul class="diagnostics">
        {props.diagnostics.map((d, i) => (
          <li key={i} class="diagnostic" data-line={d.line} data-col={d.col} data-code={d.code}>
            <button type="button" class="link-button" onClick={() => props.onJump(d)}>
              Ligne {d.line}, colonne {d.col}
            </button>{' '}
            <span class="error-code">{d.code}</span> : <span lang="en">{d.message}</span>
            {d.path && (
              <>
                {' '}
                — <code>{d.path}</code>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
