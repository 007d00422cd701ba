'use client';

import type { ReactNode } from 'react';
import { useEffect, useRef } from 'react';

export interface ConfirmDialogProps {
  /** Shown while true (a modal `<dialog>`); closing is the caller's, through `onCancel`. */
  readonly open: boolean;
  readonly title: string;
  /** What will happen, in a sentence or two. */
  readonly children: ReactNode;
  readonly confirmLabel: string;
  /** Styles the confirm button as destructive. */
  readonly danger?: boolean;
  /** The action runs: both buttons wait, Esc does not cancel. */
  readonly pending: boolean;
  /** The server's answer when the action failed; shown in the dialog, which stays open. */
  readonly error: string | null;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/**
 * A confirmation before an operator action: a native modal `<dialog>`, so focus moves into it
 * (to Cancel, the safe choice) and stays there, Esc cancels, and focus goes back to the button
 * that opened it when it closes.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, confirmLabel, danger, pending, error, onConfirm, onCancel } =
    props;
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const el = dialog.current;
    if (el === null) return;
    if (open && !el.open) {
      opener.current = document.activeElement;
      el.showModal();
      cancel.current?.focus();
    } else if (!open && el.open) {
      el.close();
      if (opener.current instanceof HTMLElement && opener.current.isConnected) {
        opener.current.focus();
      }
    }
  }, [open]);

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby="confirm-dialog-title"
      aria-busy={pending}
      data-testid="confirm-dialog"
      onCancel={(event) => {
        // Esc: the dialog stays under React's control (and open while the action runs).
        event.preventDefault();
        if (!pending) onCancel();
      }}
    >
      <h2 id="confirm-dialog-title">{title}</h2>
      <div className="confirm-body">{children}</div>
      {error === null ? null : (
        <p className="error" role="alert" data-testid="confirm-error">
          {error}
        </p>
      )}
      <div className="confirm-buttons">
        <button
          ref={cancel}
          type="button"
          className="secondary"
          onClick={onCancel}
          disabled={pending}
        >
          Cancel
        </button>
        <button
          type="button"
          className={danger === true ? 'danger' : undefined}
          onClick={onConfirm}
          disabled={pending}
          data-testid="confirm-action"
        >
          {pending ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
