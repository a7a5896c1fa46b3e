// The words presence, typing and receipts show, translated (the UI imports app/, not core/).
// core/presence.ts keeps the English originals for logs and tests of the pure logic.
import type { DeliveryState } from './conversation.svelte.ts';
import { list, t, type MessageKey } from './i18n.svelte.ts';
import type { ChosenStatus, SeenStatus } from '../core/presence.ts';

export { CHOSEN_STATUSES, MAX_STATUS_MESSAGE, type ChosenStatus } from '../core/presence.ts';

/** Svelte context key under which ConversationView provides its conversation's ReadReceipts. */
export const RECEIPTS_CONTEXT = 'floe/receipts';

const STATUS_KEY: Record<ChosenStatus | SeenStatus, MessageKey> = {
  online: 'presence.online',
  away: 'presence.away',
  busy: 'presence.busy',
  invisible: 'presence.invisible',
  offline: 'presence.offline',
};

/** "Online", "Busy"… in the current language. */
export const statusWord = (s: ChosenStatus | SeenStatus): string => t(STATUS_KEY[s]);

/** "Bob is typing…"; with more than one, "2 people are typing…". */
export function typingLine(names: readonly string[]): string {
  if (names.length === 0) return '';
  return names.length === 1 ? t('presence.typingOne', { name: names[0]! }) : t('presence.typingMany', { count: names.length });
}

/** The unread badge's accessible text: "3 unread" (99+ beyond that). */
export const unreadText = (n: number): string => t('presence.unread', { count: n > 99 ? '99+' : n });

const STATE_KEY: Record<DeliveryState, MessageKey> = { pending: 'receipt.pending', relay: 'receipt.relay', delivered: 'receipt.delivered', read: 'receipt.read' };

/**
 * What a message of mine says about its delivery: in a 1:1 "Read" once they saw it; in a group
 * "Read by N" as soon as anyone did, with their names (for a tooltip and screen readers).
 */
export function receiptText(state: DeliveryState, readBy: readonly string[], others: number): { label: string; names: string } {
  if (others > 1 && readBy.length > 0) return { label: t('receipt.readBy', { count: readBy.length }), names: t('receipt.readByNames', { names: list(readBy) }) };
  return { label: t(STATE_KEY[state]), names: '' };
}
