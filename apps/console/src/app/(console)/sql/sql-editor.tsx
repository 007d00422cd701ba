'use client';

import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  closeCompletion,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { MySQL, sql } from '@codemirror/lang-sql';
import type { SQLNamespace } from '@codemirror/lang-sql';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  keymap,
  lineNumbers,
  placeholder,
} from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';

/** Colours for the console's dark panels (CodeMirror's default style is made for light ones). */
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: '#ff7b72' },
  { tag: [tags.string, tags.special(tags.string)], color: '#a5d6ff' },
  { tag: [tags.number, tags.bool, tags.null], color: '#79c0ff' },
  { tag: [tags.lineComment, tags.blockComment], color: '#8b98a8', fontStyle: 'italic' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: '#d2a8ff' },
  { tag: [tags.operator, tags.punctuation], color: '#c9d1d9' },
  { tag: tags.special(tags.name), color: '#ffa657' },
]);

const theme = EditorView.theme(
  {
    '&': {
      backgroundColor: 'var(--bg)',
      color: 'var(--text)',
      border: '1px solid var(--border)',
      borderRadius: '6px',
      fontSize: '13px',
    },
    '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '1px' },
    '.cm-scroller': { fontFamily: 'var(--mono)', minHeight: '160px', maxHeight: '360px' },
    '.cm-content': { caretColor: 'var(--text)' },
    '.cm-gutters': {
      backgroundColor: 'var(--panel)',
      color: 'var(--muted)',
      borderRight: '1px solid var(--border)',
    },
    '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--panel-2) 60%, transparent)' },
    '.cm-activeLineGutter': { backgroundColor: 'var(--panel-2)' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': {
      backgroundColor: '#2b7fd955 !important',
    },
    '.cm-tooltip': { backgroundColor: 'var(--panel-2)', border: '1px solid var(--border)' },
  },
  { dark: true },
);

export interface SqlEditorProps {
  /** The text. A change from outside (a history entry loaded) replaces the editor's. */
  readonly value: string;
  readonly onChange: (text: string) => void;
  /** Ctrl+Enter / Cmd+Enter. */
  readonly onRun: () => void;
  /** Tables for completion, by database; `database` is the one unqualified names are in. */
  readonly schema: SQLNamespace;
  readonly database: string | null;
  readonly label: string;
}

/**
 * CodeMirror 6 with the MySQL dialect: highlighting, keyword and table completion, bracket
 * matching, search, undo. Tab is left to the page (focus moves on), so the editor is no
 * keyboard trap; Ctrl/Cmd+Enter runs.
 */
export function SqlEditor({ value, onChange, onRun, schema, database, label }: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  // The latest callbacks, read by the editor's handlers (made once, with the view).
  const onChangeRef = useRef(onChange);
  const onRunRef = useRef(onRun);
  useEffect(() => {
    onChangeRef.current = onChange;
    onRunRef.current = onRun;
  }, [onChange, onRun]);

  useEffect(() => {
    const parent = host.current;
    if (parent === null) return;
    const created = new EditorView({
      parent,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          bracketMatching(),
          closeBrackets(),
          // No icons: their glyphs come from a font the console does not load.
          autocompletion({ icons: false }),
          highlightSelectionMatches(),
          syntaxHighlighting(highlight),
          theme,
          placeholder('SELECT … — Ctrl+Enter runs'),
          language.current.of(sql({ dialect: MySQL, upperCaseKeywords: true })),
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: (target) => {
                  closeCompletion(target);
                  onRunRef.current();
                  return true;
                },
              },
            ]),
          ),
          keymap.of([
            ...closeBracketsKeymap,
            ...defaultKeymap,
            ...searchKeymap,
            ...historyKeymap,
            ...completionKeymap,
          ]),
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-testid': 'sql-editor' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // The view is made once; `value` changes are applied by the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const current = view.current;
    if (current === null) return;
    const doc = current.state.doc.toString();
    if (doc !== value) {
      current.dispatch({ changes: { from: 0, to: doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: language.current.reconfigure(
        sql({
          dialect: MySQL,
          upperCaseKeywords: true,
          schema,
          ...(database === null ? {} : { defaultSchema: database }),
        }),
      ),
    });
  }, [schema, database]);

  return <div ref={host} />;
}
