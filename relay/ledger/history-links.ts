// Each account's history as a chain through the log itself, so settling writes no index: every
// transfer row holds, for its payer and for its payee, that account's count of transfers so far
// (`n`), the leaf of its previous one (`prev`) and a jump pointer further back (`jump`), and the
// accounts row holds the account's latest leaf (`last`). These are columns of rows a batch
// writes anyway; a history index cost two random pages per transfer (docs/decisions.md #22).
//
// The jump pointers are Myers' (An applicative random-access stack, 1983): from node p, a new
// node jumps to jump(jump(p)) when p's jump and the one after it span equal distances, else to p.
// Following "the jump if it is still too new, else the previous" then reaches the newest
// transfer before any leaf index in O(log n) steps, so a history page costs O(log n + limit)
// row lookups by leaf index, however old the page and however long the account's history.
//
// Invariants (ledger verify recomputes them): for the k-th transfer of an account, n = k,
// prev = the leaf of its (k−1)-th (NULL for the first), jump as above (NULL for the root); the
// accounts row's `last` is the leaf of its latest transfer.
import type Database from 'better-sqlite3';

/** An account's place in one transfer: its count so far, the leaf, and its two pointers back. */
export interface Link {
  idx: number;
  n: number;
  prev: number | null;
  jump: number | null;
}

/** A transfer row's chain columns. */
export interface LinkRow {
  idx: number;
  payer: string;
  payer_n: number;
  payer_prev: number | null;
  payer_jump: number | null;
  payee_n: number;
  payee_prev: number | null;
  payee_jump: number | null;
}

/** The pointers of the next transfer of an account whose latest is `p` (null: none yet). */
export function nextLink(idx: number, p: Link | null, read: (idx: number) => Link): Link {
  if (!p) return { idx, n: 1, prev: null, jump: null };
  const j = p.jump === null ? null : read(p.jump);
  const jj = j?.jump == null ? null : read(j.jump);
  const depth = (l: Link | null) => l?.n ?? 0;
  const jump = depth(p) - depth(j) === depth(j) - depth(jj) ? (jj?.idx ?? null) : p.idx;
  return { idx, n: p.n + 1, prev: p.idx, jump };
}

/** Links read or written lately, at most this many (a link never changes once its row is in). */
const CACHE = 20_000;

/**
 * Reads and extends the chains inside the caller's transactions (one connection). What it keeps
 * between transactions is valid while the log holds what this connection last saw: the caller
 * `clear()`s it when another process appended or a transaction rolled back.
 */
export class HistoryLinks {
  private readonly row;
  private readonly lastOf;
  /** Each account's latest link (null: none yet), as of this connection's last transaction. */
  private readonly latest = new Map<string, Link | null>();
  private readonly cache = new Map<string, Link>();

  constructor(db: Database.Database) {
    this.row = db.prepare<[number], LinkRow>('SELECT idx, payer, payer_n, payer_prev, payer_jump, payee_n, payee_prev, payee_jump FROM transfers WHERE idx = ?');
    this.lastOf = db.prepare<[string], { last: number | null }>('SELECT last FROM accounts WHERE account = ?');
  }

  /**
   * Call before each transaction: forgets what is kept if `changed` (another process appended,
   * or a transaction rolled back) or there is much of it. Never during a transaction: `latest`
   * holds links the accounts table gets only when the batch ends.
   */
  begin(changed: boolean): void {
    if (changed || this.latest.size > CACHE) this.clear();
  }

  private clear(): void {
    this.latest.clear();
    this.cache.clear();
  }

  /** `account`'s link in the transfer at leaf `idx`. */
  read(account: string, idx: number): Link {
    const key = `${idx} ${account}`;
    let l = this.cache.get(key);
    if (!l) {
      const r = this.row.get(idx);
      if (!r) throw new Error(`ledger database is missing leaf ${idx} of ${account}'s history`);
      l = r.payer === account ? { idx, n: r.payer_n, prev: r.payer_prev, jump: r.payer_jump } : { idx, n: r.payee_n, prev: r.payee_prev, jump: r.payee_jump };
      this.remember(key, l);
    }
    return l;
  }

  private remember(key: string, l: Link): void {
    if (this.cache.size >= CACHE) this.cache.clear();
    this.cache.set(key, l);
  }

  /** The account's latest link, or null before its first transfer. */
  last(account: string): Link | null {
    let l = this.latest.get(account);
    if (l === undefined) {
      const idx = this.lastOf.get(account)?.last ?? null;
      l = idx === null ? null : this.read(account, idx);
      this.latest.set(account, l);
    }
    return l;
  }

  /** The links of a new transfer at leaf `idx` for its payer and payee; they become the latest. */
  append(idx: number, payer: string, payee: string): { payer: Link; payee: Link } {
    const links = { payer: nextLink(idx, this.last(payer), (i) => this.read(payer, i)), payee: nextLink(idx, this.last(payee), (i) => this.read(payee, i)) };
    this.latest.set(payer, links.payer);
    this.latest.set(payee, links.payee);
    this.remember(`${idx} ${payer}`, links.payer);
    this.remember(`${idx} ${payee}`, links.payee);
    return links;
  }

  /** Leaves of the account's transfers below `before`, newest first, at most `limit`. */
  history(account: string, before: number, limit: number): number[] {
    // Read afresh (not `latest`): another process may have settled since this connection did.
    const last = this.lastOf.get(account)?.last ?? null;
    let x = last === null ? null : this.read(account, last);
    while (x && x.idx >= before) {
      const j = x.jump === null ? null : this.read(account, x.jump);
      // Everything between j and x is newer than j, so still too new: nothing is skipped.
      x = j && j.idx >= before ? j : x.prev === null ? null : this.read(account, x.prev);
    }
    const out: number[] = [];
    for (; x && out.length < limit; x = x.prev === null ? null : this.read(account, x.prev)) out.push(x.idx);
    return out;
  }
}
