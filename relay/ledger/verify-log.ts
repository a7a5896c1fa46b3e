// `ledger verify`: replays a ledger database from its first leaf and checks every invariant the
// relay promises, without trusting anything derived (balances, nodes, checkpoints, hashes):
// - each stored transfer is the canonical encoding of a valid v1 transfer, its columns and hash
//   match its bytes, its signature is the payer's, and it obeys the rules when replayed in order
//   (seq, prev, balance, operator-only mint); leaf indices have no gaps;
// - every stored Merkle node equals the recomputed one, and each leaf stores exactly the nodes
//   it completed;
// - every checkpoint is signed by the ledger key, names this log, has the recomputed root at its
//   size, lies within the log, and checkpoint times never decrease;
// - the accounts table equals the replayed balances, seqs and heads, no balance is negative, and
//   the stored supply equals the sum of mints and the sum of balances;
// - each transfer's history links (history-links.ts) and each account's latest leaf are as
//   recomputed;
// - every piece of conflict evidence is a validly signed transfer that really conflicts;
// - red packets (the escrow is the ledger key): the rules of src/core/ledger/redpacket-audit.ts
//   hold for every packet, claim and refund, and the escrow's balance is what open packets hold.
//
// Streaming: memory stays O(accounts + log₂ size), not O(size), so it runs on big logs. It all
// happens in one read transaction, so a relay settling meanwhile cannot make a consistent log
// look inconsistent (the verifier sees one snapshot).
import type Database from 'better-sqlite3';
import { toHex } from '../../src/core/bytes.ts';
import { checkpointSignatureValid, type SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import { completedNodes, leafPreimage, rootAt, type NodeReader } from '../../src/core/ledger/merkle.ts';
import { RedPacketAudit } from '../../src/core/ledger/redpacket-audit.ts';
import { LedgerReplay } from '../../src/core/ledger/replay.ts';
import { decodeTransfer, verifyTransferSignature, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { sha256 } from './settle-tx.ts';
import { HASH, treeHashes } from './sqlite-schema.ts';
import { HistoryLinks, nextLink, type Link, type LinkRow } from './history-links.ts';

export interface VerifyReport {
  violations: string[];
  transfers: number;
  accounts: number;
  supply: number;
  checkpoints: number;
  root: string;
}

interface Row extends LinkRow {
  id: string;
  payee: string;
  seq: number;
  kind: string;
  amount: number;
  hash: string;
  body: Buffer;
  tree: Buffer;
}

const SIGNATURE_BATCH = 512;
const PAGE = 1000;

export async function verifyLedger(db: Database.Database, expected: { log: string; operator: AccountId }): Promise<VerifyReport> {
  db.exec('BEGIN');
  try {
    return await verifyInSnapshot(db, expected);
  } finally {
    db.exec('COMMIT');
  }
}

async function verifyInSnapshot(db: Database.Database, expected: { log: string; operator: AccountId }): Promise<VerifyReport> {
  const violations: string[] = [];
  const violate = (message: string) => violations.push(message);
  const meta = (key: string) => db.prepare<[string], { value: string | number }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  if (meta('log') !== expected.log) violate(`the database names ledger key ${String(meta('log'))}, but the key file holds ${expected.log}`);
  if (meta('operator') !== expected.operator) violate(`the database names operator ${String(meta('operator'))}, but the key file holds ${expected.operator}`);

  const escrow = expected.log as AccountId;
  const replay = new LedgerReplay(expected.operator, escrow);
  const packets = new RedPacketAudit(escrow);
  // The right edge of the tree: the newest complete node at each level is all that appending
  // and the roots of prefixes ever read.
  const frontier = new Map<number, { index: number; hash: Uint8Array }>();
  const read: NodeReader = (level, index) => {
    const f = frontier.get(level);
    if (!f || f.index !== index) throw new Error(`verifier bug: node (${level}, ${index}) is not on the frontier`);
    return f.hash;
  };
  const checkpoints = db.prepare<[], { size: number; root: string; time: number; sig: string }>('SELECT size, root, time, sig FROM checkpoints ORDER BY size').all();
  let nextCheckpoint = 0;
  let lastTime = 0;
  let size = 0;

  const checkCheckpointsAt = async (n: number) => {
    for (; nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint]!.size === n; nextCheckpoint++) {
      const c = checkpoints[nextCheckpoint]!;
      const cp: SignedCheckpoint = { v: 1, log: expected.log, size: c.size, root: c.root, time: c.time, sig: c.sig };
      if (n === 0) violate('a checkpoint of the empty log exists');
      else if (c.root !== toHex(rootAt(read, n, sha256))) violate(`checkpoint at size ${n} has root ${c.root}, but the log's root there is different`);
      if (!(await checkpointSignatureValid(cp))) violate(`checkpoint at size ${n} is not signed by the ledger key`);
      if (c.time < lastTime) violate(`checkpoint at size ${n} goes back in time`);
      lastTime = Math.max(lastTime, c.time);
    }
  };

  let batch: { idx: number; transfer: SignedTransfer }[] = [];
  const verifyBatch = async () => {
    const valid = await Promise.all(batch.map((b) => verifyTransferSignature(b.transfer)));
    valid.forEach((ok, i) => ok || violate(`leaf ${batch[i]!.idx}: the signature is not the payer's`));
    batch = [];
  };

  await checkCheckpointsAt(0);
  // Pages, not an iterator: better-sqlite3 allows no other statement while one iterates.
  const page = db.prepare<[number, number], Row>(
    'SELECT idx, id, payer, payee, seq, kind, amount, hash, body, tree, payer_n, payer_prev, payer_jump, payee_n, payee_prev, payee_jump FROM transfers WHERE idx >= ? ORDER BY idx LIMIT ?',
  );
  // Each account's latest history link, recomputed; earlier links are read back from rows already checked.
  const latest = new Map<string, Link>();
  const chains = new HistoryLinks(db);
  const checkLink = (account: string, role: string, row: Row, got: Link) => {
    const want = nextLink(row.idx, latest.get(account) ?? null, (i) => chains.read(account, i));
    if (want.n !== got.n || want.prev !== got.prev || want.jump !== got.jump) violate(`leaf ${row.idx}: the ${role}'s history link is wrong`);
    latest.set(account, want);
  };
  let gap = false;
  for (let rows = page.all(0, PAGE); rows.length > 0 && !gap; rows = page.all(size, PAGE)) {
    for (const row of rows) {
      if (row.idx !== size) {
        violate(`leaf ${size} is missing (the next stored leaf is ${row.idx})`);
        gap = true; // every later index, root and balance would be off: one clear message is enough
        break;
      }
      const body = new Uint8Array(row.body);
      const decoded = decodeTransfer(body);
      const hash = toHex(sha256(body));
      if (!decoded.ok) violate(`leaf ${row.idx}: ${decoded.refusal.message}`);
      else {
        const t = decoded.value;
        if (row.id !== t.id || row.payer !== t.from || row.payee !== t.to || row.seq !== t.seq || row.kind !== t.kind || row.amount !== t.amount) {
          violate(`leaf ${row.idx}: the indexed columns do not match the signed transfer`);
        }
        if (row.hash !== hash) violate(`leaf ${row.idx}: the stored hash does not match its bytes`);
        batch.push({ idx: row.idx, transfer: t });
        checkLink(row.payer, 'payer', row, { idx: row.idx, n: row.payer_n, prev: row.payer_prev, jump: row.payer_jump });
        checkLink(row.payee, 'payee', row, { idx: row.idx, n: row.payee_n, prev: row.payee_prev, jump: row.payee_jump });
        const refusal = replay.apply(t, hash);
        if (refusal) violate(`leaf ${row.idx} breaks the rules when replayed: ${refusal.code} (${refusal.message})`);
        else {
          const packet = await packets.apply(t);
          if (packet) violate(`leaf ${row.idx} breaks the red packet rules: ${packet}`);
        }
      }
      const leaf = sha256(leafPreimage(body));
      const completed = completedNodes(read, size, leaf, sha256);
      // The leaf's stored tree: its hash and the nodes it completed, each as recomputed.
      const nodes = [{ level: 0, index: size, hash: leaf }, ...completed];
      // An edit may have left something other than bytes there: then every node is missing.
      const tree = Buffer.isBuffer(row.tree) ? row.tree : Buffer.alloc(0);
      for (const n of nodes) {
        frontier.set(n.level, { index: n.index, hash: n.hash });
        const stored = tree.subarray(n.level * HASH, (n.level + 1) * HASH);
        if (stored.length < HASH || !Buffer.from(n.hash).equals(stored)) violate(`Merkle node (${n.level}, ${n.index}) is ${stored.length < HASH ? 'missing' : 'wrong'}`);
      }
      if (tree.length !== treeHashes(size) * HASH) violate(`leaf ${size} stores ${tree.length} bytes of Merkle nodes; it completes ${treeHashes(size) - 1} nodes`);
      size++;
      await checkCheckpointsAt(size);
      if (batch.length >= SIGNATURE_BATCH) await verifyBatch();
    }
  }
  await verifyBatch();
  if (nextCheckpoint < checkpoints.length) violate(`checkpoint at size ${checkpoints[nextCheckpoint]!.size} lies beyond the log (${size} leaves)`);

  const stored = new Map(db.prepare<[], { account: string; balance: number; seq: number; head: string; last: number | null }>('SELECT account, balance, seq, head, last FROM accounts').all().map((a) => [a.account, a]));
  let sum = 0;
  for (const [id, s] of replay.entries()) {
    const row = stored.get(id);
    stored.delete(id);
    sum += s.balance;
    if (s.balance < 0) violate(`account ${id} replays to a negative balance`);
    if (!row) violate(`account ${id} is missing from the accounts table`);
    else if (row.balance !== s.balance || row.seq !== s.seq || row.head !== s.head) {
      violate(`account ${id}: stored balance ${row.balance} / seq ${row.seq}, but the log replays to balance ${s.balance} / seq ${s.seq}${row.head !== s.head ? ' / another head' : ''}`);
    }
    if (row && row.last !== (latest.get(id)?.idx ?? null)) violate(`account ${id}: its latest transfer is leaf ${latest.get(id)?.idx ?? 'none'}, not ${row.last ?? 'none'}`);
  }
  for (const id of stored.keys()) violate(`account ${id} is in the accounts table but never in the log`);
  if (Number(meta('supply') ?? 0) !== replay.supply) violate(`stored supply ${String(meta('supply') ?? 0)}, but the log mints ${replay.supply}`);
  if (sum !== replay.supply) violate(`balances sum to ${sum}, but ${replay.supply} were minted`);
  const escrowBalance = replay.account(escrow).balance;
  if (escrowBalance !== packets.held) violate(`the escrow holds ${escrowBalance}, but open red packets hold ${packets.held}`);

  await checkEvidence(db, violate);

  return {
    violations,
    transfers: size,
    accounts: replay.entries().length,
    supply: replay.supply,
    checkpoints: checkpoints.length,
    root: toHex(rootAt(read, size, sha256)),
  };
}

/** Every piece of evidence is an intact, signed transfer that conflicts with a settled one. */
async function checkEvidence(db: Database.Database, violate: (message: string) => void): Promise<void> {
  const byId = db.prepare<[string], { hash: string }>('SELECT hash FROM transfers WHERE id = ?');
  // The log has no (payer, seq) index: collect the seqs evidence names, then look them up in one pass.
  const bySeq = new Map<string, string | null>();
  const key = (payer: string, seq: number) => `${payer} ${seq}`;
  const all = db.prepare<[], { hash: string; payer: string; reason: string; body: Buffer }>('SELECT hash, payer, reason, body FROM evidence').all();
  const intact = all.flatMap((e) => {
    const d = decodeTransfer(new Uint8Array(e.body));
    if (!d.ok || toHex(sha256(new Uint8Array(e.body))) !== e.hash || d.value.from !== e.payer) {
      violate(`evidence ${e.hash.slice(0, 16)}… is not an intact transfer`);
      return [];
    }
    if (e.reason !== 'id') bySeq.set(key(d.value.from, d.value.seq), null);
    return [{ ...e, transfer: d.value }];
  });
  const page = db.prepare<[number, number], { idx: number; payer: string; seq: number; hash: string }>('SELECT idx, payer, seq, hash FROM transfers WHERE idx >= ? ORDER BY idx LIMIT ?');
  for (let rows = bySeq.size > 0 ? page.all(0, PAGE) : []; rows.length > 0; rows = page.all(rows.at(-1)!.idx + 1, PAGE)) {
    for (const r of rows) if (bySeq.has(key(r.payer, r.seq))) bySeq.set(key(r.payer, r.seq), r.hash);
  }
  for (const e of intact) {
    const other = e.reason === 'id' ? byId.get(e.transfer.id)?.hash : bySeq.get(key(e.transfer.from, e.transfer.seq));
    if (!other || other === e.hash) violate(`evidence ${e.hash.slice(0, 16)}… conflicts with nothing in the log`);
    if (!(await verifyTransferSignature(e.transfer))) violate(`evidence ${e.hash.slice(0, 16)}… is not signed by its payer`);
  }
}
