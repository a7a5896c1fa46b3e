// Reads a mailbox room once from the start and closes it: what a device needs to look at a room it
// is not (yet) part of — the offer waiting behind a group invite link, or the group doc itself,
// checked before anything is stored. Settles on the relay's `synced`, a refusal, or the timeout;
// never hangs.
import * as Y from 'yjs';
import { utf8 } from '../core/bytes.ts';
import { open } from '../core/crypto.ts';
import type { DocKeys } from '../core/derive.ts';
import type { MailboxClient } from './mailbox.ts';

export type FetchFailure = 'timeout' | 'refused';

export function fetchRoom(mailbox: MailboxClient, room: string, cap: string, timeoutMs = 15_000): Promise<Uint8Array[] | FetchFailure> {
  return new Promise((resolve) => {
    const bodies: Uint8Array[] = [];
    let done = false;
    const finish = (result: Uint8Array[] | FetchFailure) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      mailbox.close(room);
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    mailbox.open(room, cap, {
      cursor: () => 0,
      entry: async (_seq, _kind, body) => void bodies.push(body),
      synced: async () => finish(bodies),
      refused: () => finish('refused'),
    });
  });
}

/** A throwaway copy of a doc as the relay holds it (entries that do not open are skipped). */
export async function fetchDoc(mailbox: MailboxClient, keys: DocKeys, timeoutMs?: number): Promise<Y.Doc | FetchFailure> {
  const bodies = await fetchRoom(mailbox, keys.roomId, keys.capability, timeoutMs);
  if (!Array.isArray(bodies)) return bodies;
  const doc = new Y.Doc();
  const updates = await Promise.all(bodies.map((b) => open(keys.sealKey, b, utf8(keys.roomId))));
  Y.transact(doc, () => {
    for (const u of updates) {
      try {
        if (u) Y.applyUpdate(doc, u);
      } catch {
        // a damaged entry changes nothing; the rest of the doc still counts
      }
    }
  });
  return doc;
}
