// The ledger database's tables (DATA/ledger.sqlite), and the upgrade from the first layout.
//
// The layout is chosen for what a settling batch writes, because every page a commit touches is
// written to the WAL, synced, and later copied into the database file at a random place
// (docs/decisions.md #22). Version 1 touched about 40 pages for a batch of 5 transfers: a random
// leaf page of each of three secondary indexes per transfer, and one page per level of the
// Merkle tree. Version 2 writes, per batch:
// - transfers: appended in leaf order (rowid = leaf index), each with its `tree`: the leaf's
//   hash and the hashes of the Merkle nodes that appending it completed, so the tree needs no
//   table (and no page) of its own (`nodeHome`). The only secondary index is the id's, needed for
//   idempotency inside the batch's transaction. Transfer ids begin with their creation time
//   (src/core/ledger/transfer.ts `newTransferId`), so that index is written near one place too.
// - accounts and one checkpoint.
// History needs no index either: each transfer row links its payer's and payee's previous
// transfers (history-links.ts), and the accounts row names the latest.
// A payer's seq needs no index: seqs are contiguous, so a seq at most the payer's last is used.
import type Database from 'better-sqlite3';
import { HistoryLinks } from './history-links.ts';
import { treeNodeIndex } from './settle-tx.ts';

export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
-- The log. idx is the leaf index; body the canonical signed transfer, byte for byte.
CREATE TABLE IF NOT EXISTS transfers (
  idx INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  payer TEXT NOT NULL,
  payee TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  hash TEXT NOT NULL,
  body BLOB NOT NULL,
  -- The leaf hash, then the hashes of the nodes this leaf completed (levels 1, 2, …): 32 bytes each.
  tree BLOB NOT NULL,
  -- The payer's and the payee's history chains (history-links.ts): count, previous leaf, jump.
  payer_n INTEGER NOT NULL, payer_prev INTEGER, payer_jump INTEGER,
  payee_n INTEGER NOT NULL, payee_prev INTEGER, payee_jump INTEGER
);
-- Derived from the log (ledger verify recomputes it): balance, last seq and head per account,
-- and the leaf of its latest transfer paid or received.
CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, balance INTEGER NOT NULL, seq INTEGER NOT NULL, head TEXT NOT NULL, last INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root TEXT NOT NULL, time INTEGER NOT NULL, sig TEXT NOT NULL);
-- Conflicting signed transfers (same id or same payer seq, other content), kept as evidence.
CREATE TABLE IF NOT EXISTS evidence (
  hash TEXT PRIMARY KEY,
  payer TEXT NOT NULL,
  reason TEXT NOT NULL,
  body BLOB NOT NULL,
  received INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS evidence_payer ON evidence (payer);
`;

export const HASH = 32;

/** How many times 2 divides n (n ≥ 1). */
function twos(n: number): number {
  let k = 0;
  for (let x = n; x % 2 === 0; x /= 2) k++;
  return k;
}

/**
 * Where node (level, index) is stored: the complete subtree of 2^level leaves ending at leaf
 * (index+1)·2^level − 1, which is the leaf whose appending completed it, at `level` hashes into
 * that leaf's tree.
 */
export const nodeHome = (level: number, index: number): { leaf: number; offset: number } => ({ leaf: (index + 1) * 2 ** level - 1, offset: level * HASH });

/** How many hashes leaf `leaf`'s tree holds: its own and one per node it completes. */
export const treeHashes = (leaf: number): number => 1 + twos(leaf + 1);

/**
 * Creates the tables, or upgrades a layout 1 file in one transaction: the transfers table is
 * rebuilt with each leaf's tree (from the old nodes table, then dropped) and history links, and
 * without the (payer, seq) and payee indexes; each account gets its latest leaf.
 */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
    const version = hasMeta ? (db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'schema'").get()?.value ?? null) : null;
    if (version !== null && version > SCHEMA_VERSION) {
      throw new Error(`this ledger database has layout ${version}, newer than this relay's ${SCHEMA_VERSION}: run a newer relay`);
    }
    if (version === 1) {
      db.exec(`
        ALTER TABLE transfers RENAME TO transfers_v1;
        DROP INDEX IF EXISTS transfers_payee;
      `);
      db.exec(SCHEMA);
      // Each leaf takes along the nodes it completed, read from the old table by (level, index),
      // and its place in its payer's and payee's history chains.
      db.exec('ALTER TABLE accounts ADD COLUMN last INTEGER');
      const links = new HistoryLinks(db);
      const node = db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM nodes WHERE level = ? AND idx = ?');
      const copy = db.prepare(
        'INSERT INTO transfers SELECT idx, id, payer, payee, seq, kind, amount, hash, body, ?, ?, ?, ?, ?, ?, ? FROM transfers_v1 WHERE idx = ?',
      );
      const page = db.prepare<[number], { idx: number; payer: string; payee: string }>('SELECT idx, payer, payee FROM transfers_v1 WHERE idx >= ? ORDER BY idx LIMIT 1000');
      for (let rows = page.all(0); rows.length > 0; rows = page.all(rows.at(-1)!.idx + 1)) {
        for (const { idx, payer, payee } of rows) {
          const tree = Array.from({ length: treeHashes(idx) }, (_, level) => node.get(level, treeNodeIndex(idx, level))?.hash);
          if (tree.some((h) => h === undefined)) throw new Error(`this ledger database lacks a Merkle node of leaf ${idx}; run "ledger verify" with the relay that wrote it`);
          const l = links.append(idx, payer, payee);
          copy.run(Buffer.concat(tree as Buffer[]), l.payer.n, l.payer.prev, l.payer.jump, l.payee.n, l.payee.prev, l.payee.jump, idx);
        }
      }
      const setLast = db.prepare('UPDATE accounts SET last = ? WHERE account = ?');
      for (const { account } of db.prepare<[], { account: string }>('SELECT account FROM accounts').all()) setLast.run(links.last(account)?.idx ?? null, account);
      db.exec('DROP TABLE nodes; DROP TABLE transfers_v1;');
    } else db.exec(SCHEMA);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(SCHEMA_VERSION);
  }).immediate();
}
