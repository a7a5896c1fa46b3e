// Focus management for panels that open in place (Svelte attachments: `{@attach …}`). When a
// person opens a panel, the focus goes to what they will use first; Escape inside the panel closes
// it and puts the focus back on the control that opened it, so keyboard and screen-reader users
// never lose their place.

/** Focuses the element as soon as it is shown. */
export function focusOnMount(el: HTMLElement): void {
  el.focus();
}

/** Calls `handle` for an Escape pressed in the element that nothing handled yet (nor an IME), when `when()`. */
function onEscape(handle: () => void, when: () => boolean = () => true) {
  return (el: HTMLElement) => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.isComposing || event.defaultPrevented || !when()) return;
      event.preventDefault();
      handle();
    };
    el.addEventListener('keydown', onKey);
    return () => el.removeEventListener('keydown', onKey);
  };
}

/** Escape pressed inside the element calls `close`, then focuses what `back` returns. */
export function escapeCloses(close: () => void, back?: () => HTMLElement | null | undefined) {
  return onEscape(() => {
    const target = back?.();
    close();
    target?.focus();
  });
}

/**
 * For the button that opened a panel: Escape on it closes the panel while it is open (after a
 * person tabbed back to it), and the focus stays on the button.
 */
export const escapeClosesFrom = (isOpen: () => boolean, close: () => void) => onEscape(close, isOpen);

/**
 * Focuses the element (a view's heading, with tabindex="-1") when the focus was lost: nowhere,
 * or on something no longer shown — on a phone, the conversation list hides when a conversation
 * opens, taking the focused link with it. Focus that is still somewhere visible stays there.
 */
export function focusIfLost(el: HTMLElement): void {
  const current = document.activeElement as HTMLElement | null;
  if (!current || current === document.body || (current.offsetParent === null && getComputedStyle(current).position !== 'fixed')) el.focus();
}
