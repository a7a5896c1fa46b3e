// Opens this device's copy of the account doc: persisted in IndexedDB, replicated through the
// relay mailbox and WebRTC to the account's other devices (and to nobody else: its room, keys
// and capability derive from the account doc secret, which only the account's devices hold).
import * as Y from 'yjs';
import { t } from './i18n.svelte.ts';
import { AccountDoc } from '../core/account-doc.ts';
import { deriveDocKeys, type DocKeys } from '../core/derive.ts';
import type { Cursors, Outbox } from '../core/replication.ts';
import type { MailboxClient } from '../net/mailbox.ts';
import { LOCAL_ORIGIN, Replicator } from '../net/replicator.ts';
import { joinWebrtc, type PeerLink } from '../net/webrtc.ts';
import type { FloeDb, IdentityRecord } from '../store/db.ts';
import { DocPersistence } from '../store/doc-persistence.ts';

export interface OpenedAccount {
  account: AccountDoc;
  doc: Y.Doc;
  /** Moves the account doc to a new secret: new room, seeded with the whole doc. */
  rekey(secret: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface AccountDeps {
  db: FloeDb;
  identity: IdentityRecord;
  mailbox: MailboxClient;
  outbox: Outbox;
  cursors: Cursors;
  signalingUrl: string;
  now: () => number;
  report: (problem: string) => void;
}

/** Local id of the account doc in IndexedDB; its relay room changes when its secret rotates. */
export const ACCOUNT_DOC_ID = 'account';

export async function openAccount(d: AccountDeps): Promise<OpenedAccount> {
  const doc = new Y.Doc();
  const persistence = await DocPersistence.open(d.db, ACCOUNT_DOC_ID, doc, LOCAL_ORIGIN);
  const replicate = (keys: DocKeys) =>
    Replicator.start({ doc, keys, mailbox: d.mailbox, outbox: d.outbox, cursors: d.cursors, persisted: () => persistence.flush(), now: d.now, report: d.report });
  let keys = await deriveDocKeys(d.identity.accountDocSecret);
  let replicator = await replicate(keys);
  const account = new AccountDoc(doc, (change) => replicator.local(change), d.identity.device);
  let link: PeerLink | null = null;
  let closed = false;
  const connect = (k: DocKeys) => {
    link?.destroy();
    link = null;
    void joinWebrtc(doc, k, d.signalingUrl).then(
      (l) => (closed || k !== keys ? l.destroy() : (link = l)),
      (error: unknown) => d.report(t('problem.deviceSync', { error: String(error) })),
    );
  };
  connect(keys);
  return {
    account,
    doc,
    async rekey(secret) {
      keys = await deriveDocKeys(secret);
      const old = replicator;
      replicator = await replicate(keys);
      old.retire();
      replicator.pushState();
      connect(keys);
    },
    async close() {
      closed = true;
      link?.destroy();
      await replicator.destroy();
      await persistence.destroy();
      doc.destroy();
    },
  };
}
