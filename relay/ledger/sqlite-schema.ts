// The ledger database's tables (DATA/ledger.sqlite), and the upgrade from the first layout.
//
// The layout is chosen for what a settling batch writes, because every page a commit touches is
// written to the WAL, synced, and later copied into the database file at a random place
// (docs/decisions.md #22). Version 1 touched about 40 pages for a batch of 5 transfers: a random
// leaf page of each of three secondary indexes per transfer, and one page per level of the
// Merkle tree. Version 2 writes, per batch:
// - transfers: appended in leaf order (rowid = leaf index); the only secondary index is the id's,
//   needed for idempotency inside the batch's transaction. Transfer ids begin with their
//   creation time (src/core/ledger/transfer.ts `newTransferId`), so that index grows at its
//   right edge too.
// - nodes: keyed by the node's post-order position, which is the order nodes are completed, so a
//   leaf and the nodes it completes are appended together (`nodePosition`).
// - accounts and one checkpoint.
// The history index (`involvements`: account, leaf) is derived from the log and kept up to date
// *behind* settlement, many leaves per transaction (sqlite-store.ts `indexBehind`); `indexed` in
// meta says how far it goes, and history reads the few newer leaves from the log itself.
// A payer's seq needs no index: seqs are contiguous, so a seq at most the payer's last is used.
import type Database from 'better-sqlite3';

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
  body BLOB NOT NULL
);
-- Derived from the log (ledger verify recomputes it): balance, last seq and head per account.
CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, balance INTEGER NOT NULL, seq INTEGER NOT NULL, head TEXT NOT NULL) WITHOUT ROWID;
-- Complete subtrees of the Merkle tree by post-order position (nodePosition); leaves included.
CREATE TABLE IF NOT EXISTS nodes (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);
-- Derived from the log, for history: each leaf under its payer and its payee, up to meta 'indexed'.
CREATE TABLE IF NOT EXISTS involvements (account TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (account, idx)) WITHOUT ROWID;
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

const ones = (n: number) => {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
};

/**
 * Where the complete subtree of 2^level leaves starting at leaf index·2^level sits in post-order:
 * the order in which appending leaves completes nodes (a leaf, then every node it completes).
 * Before it come the nodes of all complete subtrees of the first L = (index+1)·2^level leaves,
 * 2L − popcount(L) of them, minus this node itself and the ancestors that the same leaf
 * completes after it (as many as index+1 has trailing zero bits).
 */
export function nodePosition(level: number, index: number): number {
  const leaves = (index + 1) * 2 ** level;
  let above = 0;
  for (let x = index + 1; x % 2 === 0; x /= 2) above++;
  return 2 * leaves - ones(leaves) - 1 - above;
}

/** How many nodes a tree of `size` leaves stores: every complete subtree. */
export const nodeCount = (size: number): number => 2 * size - ones(size);

/**
 * Creates the tables, or upgrades a version 1 file in one transaction: its nodes are re-keyed by
 * position, the (payer, seq) and payee indexes dropped (the transfers table is rebuilt without
 * its UNIQUE (payer, seq) constraint), and the history index is left to be built behind.
 */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
    const version = hasMeta ? (db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'schema'").get()?.value ?? null) : null;
    if (version !== null && version > SCHEMA_VERSION) {
      throw new Error(`this ledger database has layout ${version}, newer than this relay's ${SCHEMA_VERSION}: run a newer relay`);
    }
    if (version === 1) {
      db.function('node_position', { deterministic: true }, (level, index) => nodePosition(Number(level), Number(index)));
      db.exec(`
        ALTER TABLE nodes RENAME TO nodes_v1;
        ALTER TABLE transfers RENAME TO transfers_v1;
        DROP INDEX IF EXISTS transfers_payee;
      `);
      db.exec(SCHEMA);
      db.exec(`
        INSERT INTO nodes (pos, hash) SELECT node_position(level, idx), hash FROM nodes_v1;
        INSERT INTO transfers SELECT idx, id, payer, payee, seq, kind, amount, hash, body FROM transfers_v1 ORDER BY idx;
        DROP TABLE nodes_v1;
        DROP TABLE transfers_v1;
      `);
    } else db.exec(SCHEMA);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(SCHEMA_VERSION);
  }).immediate();
}
