/**
 * Modal dialog on the native `<dialog>` element: the rest of the page is inert,
 * focus starts on the `[data-autofocus]` element (or the first control), Tab
 * and Shift+Tab wrap inside, Esc asks to close, and focus returns to where it
 * was when the dialog closes.
 */
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Props of {@link Dialog}. */
export interface DialogProps {
  /** id of the element that names the dialog. */
  labelledBy: string;
  describedBy?: string;
  /** Called for Esc; the owner decides whether the dialog really closes. */
  onRequestClose: () => void;
  className?: string;
  /** When this changes, focus moves again to the `[data-autofocus]` element (e.g. to "Close" after success). */
  focusKey?: string;
  children: ReactNode;
}

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !el.hasAttribute('inert') && el.getClientRects().length > 0,
  );
}

function focusInitial(dialog: HTMLDialogElement): void {
  const target =
    dialog.querySelector<HTMLElement>('[data-autofocus]:not(:disabled)') ?? focusables(dialog)[0] ?? dialog;
  target.focus();
}

/** A modal dialog (see the module docs); Esc calls `onRequestClose`. */
export function Dialog({
  labelledBy,
  describedBy,
  onRequestClose,
  className,
  focusKey,
  children,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (previous && previous.isConnected) previous.focus();
    };
  }, []);

  useEffect(() => {
    if (ref.current) focusInitial(ref.current);
  }, [focusKey]);

  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onRequestClose();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = focusables(ref.current);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ref.current.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !ref.current.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      aria-modal="true"
      onKeyDown={onKeyDown}
      onCancel={(e) => {
        e.preventDefault();
        onRequestClose();
      }}
    >
      {children}
    </dialog>
  );
}

/**
 * The footer of a confirm-then-send dialog: while not `done`, a secondary button (Cancel / Back)
 * and the primary `children`; once `done`, only "Close" (focused).
 */
export function DialogFooter({
  done,
  onClose,
  secondary,
  children,
}: {
  done: boolean;
  onClose: () => void;
  secondary: { label: string; onClick: () => void; disabled: boolean };
  children: ReactNode;
}) {
  return (
    <footer className="dialog-footer">
      {done ? (
        <button type="button" className="btn" onClick={onClose} data-autofocus>
          Close
        </button>
      ) : (
        <>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={secondary.onClick}
            disabled={secondary.disabled}
          >
            {secondary.label}
          </button>
          {children}
        </>
      )}
    </footer>
  );
}
