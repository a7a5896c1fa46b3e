// A device in a Node test: a real Y.Doc persisted with Dexie on fake-indexeddb (IndexedDB does
// not exist in Node; fake-indexeddb is the stand-in), joined to a real relay through the real
// MailboxClient and Replicator over `ws`. It can be stopped and reopened from its database, like
// a browser tab that is closed and opened again.
import 'fake-indexeddb/auto';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { DocKeys } from '../../src/core/derive.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { LOCAL_ORIGIN, Replicator } from '../../src/net/replicator.ts';
import { FloeDb } from '../../src/store/db.ts';
import { DocPersistence } from '../../src/store/doc-persistence.ts';
import { DexieCursors, DexieOutbox } from '../../src/store/outbox.ts';

export interface Replica {
  name: string;
  doc: Y.Doc;
  mailbox: MailboxClient;
  replicator: Replicator;
  outbox: DexieOutbox;
  problems: string[];
  close(): Promise<void>;
}

export async function openReplica(name: string, dbName: string, keys: DocKeys, mailboxUrl: string, problems: string[] = [], hooks: { onGap?: () => void } = {}): Promise<Replica> {
  const db = new FloeDb(dbName);
  const doc = new Y.Doc();
  const persistence = await DocPersistence.open(db, keys.roomId, doc, LOCAL_ORIGIN);
  const mailbox = new MailboxClient({
    url: mailboxUrl,
    makeSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    minDelay: 30,
    maxDelay: 400,
  });
  const outbox = new DexieOutbox(db);
  const replicator = await Replicator.start({
    doc,
    keys,
    mailbox,
    outbox,
    cursors: new DexieCursors(db),
    persisted: () => persistence.flush(),
    now: Date.now,
    report: (p) => problems.push(`${name}: ${p}`),
    ...hooks,
  });
  mailbox.start();
  return {
    name,
    doc,
    mailbox,
    replicator,
    outbox,
    problems,
    async close() {
      await replicator.destroy();
      mailbox.stop();
      await persistence.destroy();
      doc.destroy();
      db.close();
    },
  };
}
