// Read receipts and unread counts.
//
// A read receipt is a mark in the conversation doc, like the delivered marks: key
// `${reader account}|${reader device}` → the highest HLC that device has shown to its person.
// Each device writes only its own key and readers take the maximum over an account's keys
// (docs/decisions.md #6: a shared key could go backwards when two devices write at once).
// Messages are ordered by HLC, so "read up to here" means every message at or before it.
//
// The unread count of a conversation comes from the account doc's read position (which follows
// the account across its devices), not from receipts: receipts are what others see and may be
// switched off; the read position is only for my own devices.
import type { ConversationDoc } from './conversation-doc.ts';
import type { AccountId, DeviceId } from './ids.ts';

const readsOf = (conv: ConversationDoc) => conv.doc.getMap<string>('reads');

/** Raises this device's read mark; never lowers it. Returns false when nothing changed. */
export function markReadBy(conv: ConversationDoc, reader: AccountId, device: DeviceId, hlc: string): boolean {
  const reads = readsOf(conv);
  const key = `${reader}|${device}`;
  const current = reads.get(key);
  if (current !== undefined && current >= hlc) return false;
  reads.set(key, hlc);
  return true;
}

/** The newest message `reader` has seen on any of their devices. */
export function readMark(conv: ConversationDoc, reader: AccountId): string | undefined {
  let best: string | undefined;
  for (const [key, value] of readsOf(conv).entries()) {
    if (typeof value !== 'string' || !key.startsWith(`${reader}|`)) continue; // peers' junk is skipped
    if (best === undefined || value > best) best = value;
  }
  return best;
}

/** Every reader's mark, for the accounts asked about. */
export function readMarks(conv: ConversationDoc, readers: readonly AccountId[]): Map<AccountId, string> {
  const marks = new Map<AccountId, string>();
  for (const r of readers) {
    const m = readMark(conv, r);
    if (m !== undefined) marks.set(r, m);
  }
  return marks;
}

/** The readers (of those given) who have seen a message at `hlc`, in the order given. */
export function readersOf(hlc: string, marks: ReadonlyMap<AccountId, string>, readers: readonly AccountId[]): AccountId[] {
  return readers.filter((r) => {
    const m = marks.get(r);
    return m !== undefined && m >= hlc;
  });
}

export interface Countable {
  mine: boolean;
  hlc: string;
  verified: boolean;
}

/** Messages from others after the read position; unverified ones count too (they are shown). */
export function unreadCount(messages: readonly Countable[], readPosition: string | undefined): number {
  let n = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (readPosition !== undefined && m.hlc <= readPosition) break; // sorted by HLC: all older are read
    if (!m.mine) n++;
  }
  return n;
}

/** "1 unread", "3 unread", "99+ unread": the badge's accessible text. */
export function unreadLabel(n: number): string {
  return n > 99 ? '99+ unread' : `${n} unread`;
}
