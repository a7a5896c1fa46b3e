// Focus management for panels that open in place (Svelte attachments: `{@attach …}`). When a
// person opens a panel, the focus goes to what they will use first; Escape inside the panel closes
// it and puts the focus back on the control that opened it, so keyboard and screen-reader users
// never lose their place.

/** Focuses the element as soon as it is shown. */
export function focusOnMount(el: HTMLElement): void {
  el.focus();
}

/** Escape pressed inside the element calls `close`, then focuses what `back` returns. */
export function escapeCloses(close: () => void, back?: () => HTMLElement | null | undefined) {
  return (el: HTMLElement) => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.isComposing || event.defaultPrevented) return;
      event.preventDefault();
      const target = back?.();
      close();
      target?.focus();
    };
    el.addEventListener('keydown', onKey);
    return () => el.removeEventListener('keydown', onKey);
  };
}

/**
 * Focuses the element (a view's heading, with tabindex="-1") when the focus was lost: nowhere,
 * or on something no longer shown — on a phone, the conversation list hides when a conversation
 * opens, taking the focused link with it. Focus that is still somewhere visible stays there.
 */
export function focusIfLost(el: HTMLElement): void {
  const current = document.activeElement as HTMLElement | null;
  if (!current || current === document.body || (current.offsetParent === null && getComputedStyle(current).position !== 'fixed')) el.focus();
}
