// The SQLite LedgerStore (better-sqlite3), in its own file (DATA/ledger.sqlite): WAL with
// synchronous=FULL, so a batch is on disk when `settleBatch` returns, and one IMMEDIATE
// transaction per batch (one fsync however many transfers it holds: group commit).
//
// A second process (the `mint` command) may settle into the same file while the relay runs:
// IMMEDIATE transactions take the write lock up front, busy_timeout makes the other wait, and
// every batch reads what it needs inside its transaction (nothing is cached across them).
// The file records which ledger key and operator it belongs to and refuses to open with others.
// With `backgroundCheckpoint` (the relay), WAL checkpoints run on a worker thread instead of
// inside commits (wal-checkpointer.ts). With `asyncFsync` (the relay), the WAL is synced after
// COMMIT on the thread pool instead of inside it (wal-sync.ts): `settleBatch` still resolves only
// once the batch is durable, and until then `checkpoint` does not serve the batch's checkpoint.
import Database from 'better-sqlite3';
import { concatBytes } from '../../src/core/bytes.ts';
import { consistencyPath, inclusionPath, type NodeReader } from '../../src/core/ledger/merkle.ts';
import { EMPTY_ACCOUNT, type AccountState } from '../../src/core/ledger/rules.ts';
import type { SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import { settleInTx, sha256, treeNodeIndex, type LedgerTx, type Settled } from './settle-tx.ts';
import { startWalCheckpointer, WAL_RESTART_BYTES, type WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.ts';
import { walSync, type WalSync } from './wal-sync.ts';
import { HASH, migrate, nodeHome } from './sqlite-schema.ts';
import { HistoryLinks } from './history-links.ts';
import type { Evidence, LedgerStore, LedgerStoreOptions, SettleOutcome, SettleRequest } from './store.ts';

export const LEDGER_DB_FILE = 'ledger.sqlite';

interface CheckpointRow {
  size: number;
  root: string;
  time: number;
  sig: string;
}

const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** WAL, synchronous=FULL, and a wait (not an error) when another process holds the write lock. */
export function openLedgerDatabase(file: string, options: { mustExist?: boolean } = {}): Database.Database {
  const db = new Database(file, { fileMustExist: options.mustExist ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}

export class SqliteLedgerStore implements LedgerStore {
  private readonly db: Database.Database;
  private readonly q;
  private readonly settle: (requests: SettleRequest[], now: number) => SettleOutcome[];
  private readonly tx: LedgerTx;
  private readonly checkpointer: WalCheckpointer | null = null;
  private readonly walSync: WalSync | null = null;
  /** With `asyncFsync`: the log size known to be on disk (everything committed before a sync). */
  private durableSize = 0;
  private readonly links: HistoryLinks;
  /** The Merkle tree's right edge by level, valid while the log has `edgeSize` leaves. */
  private readonly edge = new Map<number, { index: number; hash: Uint8Array }>();
  private edgeSize = -1;

  constructor(
    file: string,
    private readonly opts: LedgerStoreOptions,
    options: { backgroundCheckpoint?: boolean | WalCheckpointerOptions; asyncFsync?: boolean } = {},
  ) {
    this.db = openLedgerDatabase(file);
    migrate(this.db);
    if (options.backgroundCheckpoint) {
      this.db.pragma('wal_autocheckpoint = 0');
      // After a restart, the WAL file is truncated back to this size however large a burst made it.
      // Twice the restart threshold, not the threshold itself: the WAL passes the threshold by
      // whatever arrives before the checkpointer's next turn, and truncating that off at every
      // restart made the file grow again each time, every fdatasync of a growing file committing
      // the file system's journal too (half-load p99 30–35 ms around each restart; 12–17 ms
      // with the file reused in place: bench/ledger.ts, docs/decisions.md #22).
      const restartAt = typeof options.backgroundCheckpoint === 'object' ? (options.backgroundCheckpoint.restartAboveBytes ?? WAL_RESTART_BYTES) : WAL_RESTART_BYTES;
      this.db.pragma(`journal_size_limit = ${2 * restartAt}`);
      this.checkpointer = startWalCheckpointer(file, () => {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      }, options.backgroundCheckpoint === true ? {} : options.backgroundCheckpoint);
    }
    const db = this.db;
    this.q = {
      meta: db.prepare<[string], { value: string | number }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      size: db.prepare<[], { n: number | null }>('SELECT MAX(idx) + 1 AS n FROM transfers'),
      byId: db.prepare<[string], { idx: number; hash: string }>('SELECT idx, hash FROM transfers WHERE id = ?'),
      account: db.prepare<[string], AccountState>('SELECT balance, seq, head FROM accounts WHERE account = ?'),
      putAccount: db.prepare(
        'INSERT INTO accounts (account, balance, seq, head, last) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET balance = excluded.balance, seq = excluded.seq, head = excluded.head, last = excluded.last',
      ),
      putTransfer: db.prepare(
        `INSERT INTO transfers (idx, id, payer, payee, seq, kind, amount, hash, body, tree, payer_n, payer_prev, payer_jump, payee_n, payee_prev, payee_jump)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      tree: db.prepare<[number], { tree: Buffer }>('SELECT tree FROM transfers WHERE idx = ?'),
      latest: db.prepare<[], CheckpointRow>('SELECT size, root, time, sig FROM checkpoints ORDER BY size DESC LIMIT 1'),
      atSize: db.prepare<[number], CheckpointRow>('SELECT size, root, time, sig FROM checkpoints WHERE size = ?'),
      latestUpTo: db.prepare<[number], CheckpointRow>('SELECT size, root, time, sig FROM checkpoints WHERE size <= ? ORDER BY size DESC LIMIT 1'),
      covering: db.prepare<[number], CheckpointRow>('SELECT size, root, time, sig FROM checkpoints WHERE size > ? ORDER BY size LIMIT 1'),
      putCheckpoint: db.prepare('INSERT INTO checkpoints (size, root, time, sig) VALUES (?, ?, ?, ?)'),
      evidenceCount: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM evidence WHERE payer = ?'),
      putEvidence: db.prepare('INSERT OR IGNORE INTO evidence (hash, payer, reason, body, received) VALUES (?, ?, ?, ?, ?)'),
      evidence: db.prepare<[number], { body: Buffer; reason: 'id' | 'seq'; received: number }>('SELECT body, reason, received FROM evidence ORDER BY received, hash LIMIT ?'),
      entries: db.prepare<[number, number], { body: Buffer }>('SELECT body FROM transfers WHERE idx >= ? ORDER BY idx LIMIT ?'),
      body: db.prepare<[number], { body: Buffer }>('SELECT body FROM transfers WHERE idx = ?'),
    };
    this.checkIdentity();
    const q = this.q;
    this.links = new HistoryLinks(db);
    const checkpoint = (r: CheckpointRow): SignedCheckpoint => ({ v: 1, log: opts.log, size: r.size, root: r.root, time: r.time, sig: r.sig });
    const tx: LedgerTx = {
      size: () => q.size.get()?.n ?? 0,
      supply: () => Number(q.meta.get('supply')?.value ?? 0),
      setSupply: (supply) => void q.setMeta.run('supply', supply),
      byId: (id): Settled | undefined => {
        const r = q.byId.get(id);
        return r && { index: r.idx, hash: r.hash };
      },
      account: (id) => q.account.get(id) ?? { ...EMPTY_ACCOUNT },
      // Only accounts that a transfer of this batch touched are put: their latest link is known.
      putAccount: (id, s) => void q.putAccount.run(id, s.balance, s.seq, s.head, this.links.last(id)?.idx ?? null),
      putTransfer: (index, { transfer: t, hash, bytes }, tree) => {
        const { payer: a, payee: b } = this.links.append(index, t.from, t.to);
        q.putTransfer.run(index, t.id, t.from, t.to, t.seq, t.kind, t.amount, hash, bytes, concatBytes(...tree), a.n, a.prev, a.jump, b.n, b.prev, b.jump);
        tree.forEach((h, level) => this.edge.set(level, { index: treeNodeIndex(index, level), hash: h }));
        this.edgeSize = index + 1;
      },
      node: (level, index) => {
        const home = nodeHome(level, index);
        const tree = q.tree.get(home.leaf)?.tree;
        if (!tree || tree.length < home.offset + HASH) throw new Error(`ledger database is missing Merkle node (${level}, ${index})`);
        return bytes(tree).slice(home.offset, home.offset + HASH);
      },
      latestCheckpoint: () => {
        const r = q.latest.get();
        return r && checkpoint(r);
      },
      checkpointCovering: (index) => {
        const r = q.covering.get(index);
        if (!r) throw new Error(`ledger database has no checkpoint covering leaf ${index}`);
        return checkpoint(r);
      },
      putCheckpoint: (cp) => void q.putCheckpoint.run(cp.size, cp.root, cp.time, cp.sig),
      evidenceCount: (payer) => q.evidenceCount.get(payer)?.n ?? 0,
      putEvidence: (req, reason, now) => void q.putEvidence.run(req.hash, req.transfer.from, reason, req.bytes, now),
    };
    this.tx = tx;
    // Settling reads only the tree's right edge (the siblings of a new leaf, the subtrees of the
    // root), which it wrote itself: kept here between batches, for as long as the log's size shows
    // that nobody else (the `mint` command) appended meanwhile. So are the history links.
    const edgeNode: NodeReader = (level, index) => {
      const e = this.edge.get(level);
      if (e?.index === index) return e.hash;
      const hash = tx.node(level, index);
      this.edge.set(level, { index, hash });
      return hash;
    };
    const settleTx: LedgerTx = { ...tx, node: edgeNode };
    const settle = db.transaction((requests: SettleRequest[], now: number) => {
      const size = tx.size();
      const changed = size !== this.edgeSize;
      if (changed) this.edge.clear();
      this.links.begin(changed);
      this.edgeSize = size;
      return settleInTx(settleTx, requests, now, opts);
    }).immediate;
    this.settle = (requests, now) => {
      try {
        return settle(requests, now);
      } catch (err) {
        // Rolled back: the edge and the links may hold leaves that are not in the log.
        this.edge.clear();
        this.edgeSize = -1;
        throw err;
      }
    };
    if (options.asyncFsync) {
      // Per connection: the mint command and other connections keep FULL.
      this.db.pragma('synchronous = NORMAL');
      this.walSync = walSync(file);
      this.durableSize = tx.size();
    }
  }

  /** The file belongs to one ledger key and one operator; opening it with others is a mistake. */
  private checkIdentity(): void {
    this.db
      .transaction(() => {
        for (const [key, value] of [['log', this.opts.log], ['operator', this.opts.operator]] as const) {
          const stored = this.q.meta.get(key)?.value;
          if (stored === undefined) this.q.setMeta.run(key, value);
          else if (stored !== value) throw new Error(`this ledger database belongs to ${key} ${String(stored)}, not ${value}; is the key file in the data directory the original?`);
        }
      })
      .immediate();
  }

  async settleBatch(requests: SettleRequest[], now: number): Promise<SettleOutcome[]> {
    const outcomes = this.settle(requests, now);
    if (this.walSync) {
      await this.walSync.flush();
      for (const o of outcomes) if (o.ok) this.durableSize = Math.max(this.durableSize, o.checkpoint.size);
    }
    return outcomes;
  }

  async account(id: string): Promise<AccountState> {
    return this.tx.account(id);
  }

  async size(): Promise<number> {
    return this.tx.size();
  }

  async supply(): Promise<number> {
    return this.tx.supply();
  }

  async checkpoint(size?: number): Promise<SignedCheckpoint | null> {
    // A checkpoint signed in a batch whose sync is still running is not served: if the machine
    // crashed now, it would name a log that never existed (and look like a fork).
    const cap = this.walSync?.pending ? this.durableSize : Number.MAX_SAFE_INTEGER;
    if (size !== undefined && size > cap) return null;
    const r = size === undefined ? this.q.latestUpTo.get(cap) : this.q.atSize.get(size);
    return r ? { v: 1, log: this.opts.log, size: r.size, root: r.root, time: r.time, sig: r.sig } : null;
  }

  async entries(from: number, limit: number): Promise<Uint8Array[]> {
    return this.q.entries.all(from, limit).map((r) => bytes(r.body));
  }

  async history(account: string, before: number, limit: number): Promise<{ index: number; bytes: Uint8Array }[]> {
    // One read transaction: the chain and the bodies come from the same snapshot.
    return this.db.transaction(() => this.links.history(account, before, limit).map((index) => ({ index, bytes: bytes(this.q.body.get(index)!.body) })))();
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[] | null> {
    // One read transaction: the size and the nodes come from the same snapshot.
    return this.db.transaction(() => (index < size && size <= this.tx.size() ? inclusionPath(this.tx.node, index, size, sha256) : null))();
  }

  async consistencyProof(from: number, to: number): Promise<Uint8Array[] | null> {
    return this.db.transaction(() => (from <= to && to <= this.tx.size() ? consistencyPath(this.tx.node, from, to, sha256) : null))();
  }

  async evidence(limit: number): Promise<Evidence[]> {
    return this.q.evidence.all(limit).map((r) => ({ bytes: bytes(r.body), reason: r.reason, received: r.received }));
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    await this.walSync?.close();
    this.db.close();
  }
}
