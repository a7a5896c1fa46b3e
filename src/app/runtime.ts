// What the app's state classes share: the device's stores, identity and clock. Passed in
// explicitly (no module singletons) so that two sessions can live in one test process.
import type { AccountDoc } from '../core/account-doc.ts';
import type { AccountId, RoomId } from '../core/ids.ts';
import type { Cursors, Outbox } from '../core/replication.ts';
import type { MailboxClient } from '../net/mailbox.ts';
import type { FloeDb, IdentityRecord } from '../store/db.ts';
import type { IndexableMessage } from '../store/search-index.ts';
import type { DeviceClock } from './clock.ts';
import type { PresenceHub } from './presence.svelte.ts';

export interface Runtime {
  db: FloeDb;
  me: IdentityRecord;
  account: AccountDoc;
  clock: DeviceClock;
  /** ws(s)://…/signal of this device's relay. */
  signalingUrl: string;
  mailbox: MailboxClient;
  outbox: Outbox;
  cursors: Cursors;
  now: () => number;
  /** A contact showed us a ledger checkpoint (JSON) in a shared chat; the wallet audits it. */
  checkpointSeen?: (json: string, from: AccountId) => void;
  /** Shows a background failure to the user. */
  report: (problem: string) => void;
  /** Called once per conversation instance with each message as soon as it is verified (search). */
  verified?: (room: RoomId, messages: IndexableMessage[]) => void;
  /** Presence and typing (app/presence.svelte.ts); absent in tests that do not need it. */
  presence?: PresenceHub;
  /** False: never join WebRTC, everything goes through the relay (`?webrtc=off`, for tests). */
  webrtc?: boolean;
  /** Called once per conversation instance with each verified message its author recalled (search forgets it). */
  recalled?: (room: RoomId, messages: IndexableMessage[]) => void;
}

export function displayName(rt: Runtime, account: AccountId): string | undefined {
  if (account === rt.me.account) return rt.account.profile()?.name;
  const contact = rt.account.contactsMap.get(account);
  return contact?.remark ?? contact?.name;
}
