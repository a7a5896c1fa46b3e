// The ledger database's layout: node positions, the upgrade from layout 1, and history across
// the part of the log the history index does not cover yet. Real SQLite files throughout.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completedNodes } from '../../src/core/ledger/merkle.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { decodeTransfer } from '../../src/core/ledger/transfer.ts';
import { request } from './conformance.ts';
import { generateKeyPair } from './keys.ts';
import { HASH, nodeHome, treeHashes } from './sqlite-schema.ts';
import { LEDGER_DB_FILE, SqliteLedgerStore } from './sqlite-store.ts';
import type { LedgerStore, LedgerStoreOptions } from './store.ts';
import { verifyLedger } from './verify-log.ts';
import { HistoryLinks } from './history-links.ts';

const fileIn = () => join(mkdtempSync(join(tmpdir(), 'floe-ledger-')), LEDGER_DB_FILE);

/** Three accounts funded by mints, then `count` transfers round the ring, `per` to a batch. */
async function settleRing(store: LedgerStore, op: TestAccount, count: number, per = 100) {
  const people = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
  const pending = [];
  for (const p of people) {
    const m = await op.sign(p.id, 1_000_000, { kind: 'mint' });
    await op.settled(m);
    pending.push(request(m));
  }
  for (let i = 0; i < count; i++) {
    const from = people[i % 3]!;
    const t = await from.sign(people[(i + 1) % 3]!.id, 1 + (i % 7));
    await from.settled(t);
    pending.push(request(t));
  }
  for (let i = 0; i < pending.length; i += per) expect((await store.settleBatch(pending.slice(i, i + per), 1000 + i)).every((o) => o.ok)).toBe(true);
  return people;
}

/** History the slow way: every leaf, newest first. */
async function historyByScan(store: LedgerStore, account: string, before: number, limit: number) {
  const all = await store.entries(0, await store.size());
  const out = [];
  for (let i = Math.min(before, all.length) - 1; i >= 0 && out.length < limit; i--) {
    const t = decodeTransfer(all[i]!);
    if (t.ok && (t.value.from === account || t.value.to === account)) out.push(i);
  }
  return out;
}

async function world() {
  const op = await TestAccount.create();
  const key = generateKeyPair();
  const opts: LedgerStoreOptions = { operator: op.id, log: key.id, sign: key.signSync };
  return { op, opts, file: fileIn() };
}

/** A closed ledger file with `count` transfers round the ring. */
async function closedLedger(count: number) {
  const w = await world();
  const store = new SqliteLedgerStore(w.file, w.opts);
  await settleRing(store, w.op, count);
  await store.close();
  return w;
}

describe('nodeHome', () => {
  it('finds every node in the tree of the leaf whose appending completed it, in order of level', () => {
    const read = () => new Uint8Array(32);
    const digest = () => new Uint8Array(32);
    for (let leaf = 0; leaf < 600; leaf++) {
      const completed = [{ level: 0, index: leaf }, ...completedNodes(read, leaf, new Uint8Array(32), digest)];
      expect(treeHashes(leaf)).toBe(completed.length);
      completed.forEach((n, k) => expect(nodeHome(n.level, n.index), `node (${n.level}, ${n.index})`).toEqual({ leaf, offset: k * HASH }));
    }
    // Exact far beyond 32 bits: the root over 2^40 leaves is the 41st hash of the last leaf's tree.
    expect(nodeHome(40, 0)).toEqual({ leaf: 2 ** 40 - 1, offset: 40 * HASH });
    expect(treeHashes(2 ** 40 - 1)).toBe(41);
  });
});

describe('SqliteLedgerStore history', () => {
  it('walks each account\'s chain to exactly what a scan of the log finds, from any leaf, in few steps', async () => {
    const { op, opts, file } = await world();
    const store = new SqliteLedgerStore(file, opts);
    const people = await settleRing(store, op, 2500);
    const size = await store.size();
    for (const p of [...people, { id: op.id }]) {
      for (const before of [Number.MAX_SAFE_INTEGER, size, size - 1, 2001, 1500, 777, 3, 1, 0]) {
        for (const limit of [1, 7, 100]) {
          const got = (await store.history(p.id, before, limit)).map((h) => h.index);
          expect(got, `${p.id.slice(0, 6)} before ${before} limit ${limit}`).toEqual(await historyByScan(store, p.id, before, limit));
        }
      }
    }
    expect(await store.history('nobody', size, 10)).toEqual([]);
    const deep = await historyByScan(store, people[0]!.id, 10, 1);
    await store.close();
    // The jump pointers keep a deep page cheap: count the rows a walk reads.
    const db = new Database(file, { readonly: true });
    const links = new HistoryLinks(db);
    let reads = 0;
    const read = links.read.bind(links);
    links.read = (account, idx) => (reads++, read(account, idx));
    expect(links.history(people[0]!.id, 10, 1)).toEqual(deep);
    // 1,667 transfers in this account's chain: a walk one step at a time would read ~1,660 rows.
    expect(reads).toBeLessThan(60);
    db.close();
  });

  it('ledger verify recomputes every link and each account\'s latest leaf', async () => {
    const { opts, file } = await closedLedger(300);
    const db = new Database(file);
    expect((await verifyLedger(db, { log: opts.log, operator: opts.operator })).violations).toEqual([]);
    db.prepare('UPDATE transfers SET payer_jump = NULL WHERE idx = 40').run();
    expect((await verifyLedger(db, { log: opts.log, operator: opts.operator })).violations).toEqual(["leaf 40: the payer's history link is wrong"]);
    db.close();
  });
});

/** Rewrites a layout-2 file into layout 1 as the relay wrote it before (DDL as it was). */
function downgradeToLayout1(file: string): void {
  const db = new Database(file);
  const size = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM transfers').get()!.n;
  db.transaction(() => {
    db.exec(`
      CREATE TABLE nodes_v1 (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
      CREATE TABLE transfers_v1 (
        idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, payer TEXT NOT NULL, payee TEXT NOT NULL, seq INTEGER NOT NULL,
        kind TEXT NOT NULL, amount INTEGER NOT NULL, hash TEXT NOT NULL, body BLOB NOT NULL, UNIQUE (payer, seq)
      );
      INSERT INTO transfers_v1 SELECT idx, id, payer, payee, seq, kind, amount, hash, body FROM transfers;
    `);
    const tree = db.prepare<[number], { tree: Buffer }>('SELECT tree FROM transfers WHERE idx = ?');
    const put = db.prepare('INSERT INTO nodes_v1 (level, idx, hash) VALUES (?, ?, ?)');
    for (let level = 0; 2 ** level <= size; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= size; index++) {
        const home = nodeHome(level, index);
        put.run(level, index, tree.get(home.leaf)!.tree.subarray(home.offset, home.offset + HASH));
      }
    }
    db.exec(`
      ALTER TABLE nodes_v1 RENAME TO nodes;
      DROP TABLE transfers; ALTER TABLE transfers_v1 RENAME TO transfers;
      CREATE INDEX transfers_payee ON transfers (payee, idx);
      ALTER TABLE accounts DROP COLUMN last;
      UPDATE meta SET value = 1 WHERE key = 'schema';
    `);
  })();
  db.close();
}

describe('the upgrade from layout 1', () => {
  it('keeps every leaf, node, proof, balance and piece of evidence, and the ledger goes on settling and verifying', async () => {
    const { op, opts, file } = await world();
    let store = new SqliteLedgerStore(file, opts);
    const [alice, bob] = await settleRing(store, op, 250, 20);
    // A seq conflict, kept as evidence.
    const twin = await alice!.sign(bob!.id, 5, { seq: 3 });
    expect(await store.settleBatch([request(twin)], 5000)).toMatchObject([{ ok: false, refusal: { code: 'conflict' } }]);
    const size = await store.size();
    const before = {
      checkpoint: await store.checkpoint(),
      inclusion: await store.inclusionProof(17, size),
      consistency: await store.consistencyProof(40, size),
      history: await store.history(bob!.id, size, 30),
      alice: await store.account(alice!.id),
      evidence: await store.evidence(10),
    };
    await store.close();
    downgradeToLayout1(file);
    const old = new Database(file);
    expect(old.prepare("SELECT name FROM sqlite_schema WHERE name = 'transfers_payee'").get()).toBeTruthy();
    old.close();

    store = new SqliteLedgerStore(file, opts);
    expect(await store.checkpoint()).toEqual(before.checkpoint);
    expect(await store.inclusionProof(17, size)).toEqual(before.inclusion);
    expect(await store.consistencyProof(40, size)).toEqual(before.consistency);
    expect(await store.history(bob!.id, size, 30)).toEqual(before.history);
    expect(await store.account(alice!.id)).toEqual(before.alice);
    expect(await store.evidence(10)).toEqual(before.evidence);
    // Settling goes on, a used seq is still a conflict, and the whole file verifies.
    const next = await alice!.sign(bob!.id, 1);
    expect(await store.settleBatch([request(next)], 6000)).toMatchObject([{ ok: true, index: size }]);
    expect(await store.settleBatch([request(await alice!.sign(bob!.id, 2, { seq: 1 }))], 6001)).toMatchObject([{ ok: false, refusal: { code: 'conflict' } }]);
    const db = new Database(file);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema'").get()).toEqual({ value: 2 });
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('transfers_payee', 'nodes', 'transfers_v1')").all()).toEqual([]);
    const report = await verifyLedger(db, { log: opts.log, operator: opts.operator });
    expect(report.violations).toEqual([]);
    expect(report.transfers).toBe(size + 1);
    db.close();
    await store.close();
  });

  it('refuses a file of a newer layout, naming it, and leaves it untouched', async () => {
    const { opts, file } = await closedLedger(3);
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = 3 WHERE key = 'schema'").run();
    db.close();
    expect(() => new SqliteLedgerStore(file, opts)).toThrow(/layout 3, newer than this relay's 2/);
    const after = new Database(file, { readonly: true });
    expect(after.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM transfers').get()!.n).toBe(6);
    after.close();
  });
});
