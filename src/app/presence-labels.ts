// The words presence, typing and receipts show, for the UI (which imports app/, not core/).
import type { DeliveryState } from './conversation.svelte.ts';

export { STATUS_LABEL, CHOSEN_STATUSES, MAX_STATUS_MESSAGE, typingText, type ChosenStatus } from '../core/presence.ts';
export { unreadLabel } from '../core/receipts.ts';

/** Svelte context key under which ConversationView provides its conversation's ReadReceipts. */
export const RECEIPTS_CONTEXT = 'floe/receipts';

const STATE_LABEL: Record<DeliveryState, string> = { pending: 'Pending', relay: 'On the relay', delivered: 'Delivered', read: 'Read' };

/**
 * What a message of mine says about its delivery: in a 1:1 "Read" once they saw it; in a group
 * "Read by N" as soon as anyone did, with their names (for a tooltip and screen readers).
 */
export function receiptText(state: DeliveryState, readBy: readonly string[], others: number): { label: string; names: string } {
  if (others > 1 && readBy.length > 0) return { label: `Read by ${readBy.length}`, names: `Read by ${readBy.join(', ')}` };
  return { label: STATE_LABEL[state], names: '' };
}
