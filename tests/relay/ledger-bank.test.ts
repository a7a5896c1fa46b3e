// The bank test, in the style of Jepsen: 16 concurrent clients move coins among 10 accounts
// through a real relay process (SQLite file) while a nemesis kills it with SIGKILL and restarts
// it at random; an operator client mints more coins meanwhile. A client that gets no answer
// retries the very same transfer (same id) until it gets a definitive one (a receipt or a
// refusal); then it reads the payer's head again and makes a new transfer.
//
// At the end, with the relay up:
// - the sum of all balances equals the total minted, and no balance is negative;
// - every acknowledged receipt verifies and its transfer is in the log at its index, byte for byte;
// - no refused transfer is in the log;
// - each payer's seqs are contiguous (1, 2, 3, … with each prev the hash of the one before);
// - replaying the log reproduces the balances, seqs and heads the relay reports;
// - every checkpoint ever issued (in any receipt, before or after any kill) is consistent with
//   the final tree: recomputed locally, and proven by the relay's consistency proofs;
// - `ledger verify` passes on the data directory.
//
// Seeded: the seed (printed) fixes every choice of the clients and the nemesis; the interleaving
// still depends on timing. Reproduce a schedule with FLOE_BANK_SEED=<seed> npm test -- relay.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { verifyCheckpoint, verifyConsistency, verifyReceipt } from '../../src/core/ledger/audit.ts';
import type { Receipt, SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import { MemoryTree } from '../../src/core/ledger/merkle.ts';
import { LedgerReplay } from '../../src/core/ledger/replay.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { decodeTransfer, encodeTransfer, transferHash, verifyTransferSignature, ZERO_HASH, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { ledgerCommands } from '../../relay/ledger/commands.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { LedgerClient, operatorOf, v1Url } from './ledger-client.ts';
import { seededRandom } from '../../src/core/seeded.ts';

const CLIENTS = 16;
const ACCOUNTS = 10;
const INITIAL = 1_000;
const WORKLOAD_MS = 12_000;
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const rng = seededRandom;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const digest = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

interface History {
  acknowledged: { transfer: SignedTransfer; receipt: Receipt }[];
  refused: { transfer: SignedTransfer; code: string }[];
  unavailable: number;
  lostConnections: number;
}

/** The relay as the clients see it: its current URL, which changes only in process, not in port. */
class Cluster {
  url: string;
  running = true;
  constructor(public relay: RelayProcess) {
    this.url = v1Url(relay.signalUrl);
  }
}

/**
 * One client's connection, reconnecting as needed. `settle` resends the same transfer until
 * the relay gives a definitive answer, however many times the relay dies meanwhile.
 */
class BankClient {
  private c: LedgerClient | null = null;
  constructor(
    private readonly cluster: Cluster,
    private readonly history: History,
  ) {}

  private async client(): Promise<LedgerClient> {
    for (;;) {
      if (this.c && !this.c.v1.closed) return this.c;
      this.c = null;
      try {
        this.c = await LedgerClient.connect(this.cluster.url);
      } catch {
        await sleep(50); // the relay is down or restarting
      }
    }
  }

  async head(account: AccountId): Promise<{ seq: number; head: string }> {
    for (;;) {
      try {
        const b = await (await this.client()).balance(account);
        if (b.t === 'balance') return b;
      } catch {
        this.history.lostConnections++;
      }
    }
  }

  async settle(t: SignedTransfer): Promise<Receipt | null> {
    for (;;) {
      let answer;
      try {
        answer = await (await this.client()).transfer(t);
      } catch {
        this.history.lostConnections++;
        continue; // no answer: the same transfer again
      }
      if (answer.t === 'receipt') {
        this.history.acknowledged.push({ transfer: t, receipt: answer.receipt });
        return answer.receipt;
      }
      if (answer.code === 'unavailable') {
        this.history.unavailable++;
        await sleep(20);
        continue;
      }
      this.history.refused.push({ transfer: t, code: answer.code });
      return null;
    }
  }

  close(): void {
    this.c?.close();
  }
}

let relays: RelayProcess[] = [];
afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop().catch(() => undefined)));
});

async function bank(seed: number): Promise<void> {
  console.log(`bank seed ${seed} (FLOE_BANK_SEED=${seed} to reproduce the schedule)`);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const cluster = new Cluster(await startRelay());
  relays.push(cluster.relay);
  const dataDir = cluster.relay.dataDir;
  const op = operatorOf(dataDir);
  const accounts = await Promise.all(Array.from({ length: ACCOUNTS }, () => TestAccount.create()));
  const byId = new Map(accounts.map((a) => [a.id as string, a]));
  const history: History = { acknowledged: [], refused: [], unavailable: 0, lostConnections: 0 };

  const minter = new BankClient(cluster, history);
  const mint = async (to: AccountId, amount: number) => {
    const { seq, head } = await minter.head(op.id);
    Object.assign(op, { seq, head });
    return minter.settle(await op.sign(to, amount, { kind: 'mint', memo: 'bank' }));
  };
  for (const a of accounts) expect(await mint(a.id, INITIAL)).not.toBeNull();

  const deadline = Date.now() + WORKLOAD_MS;
  // Every random choice is drawn here, in one place, so a seed fixes the schedule.
  const choices = () => {
    const payer = pick(accounts);
    const payee = pick(accounts.filter((a) => a !== payer));
    return { payer, payee, amount: 1 + Math.floor(rand() * (rand() < 0.1 ? 3 * INITIAL : 300)), kind: rand() < 0.2 ? 'tip' : 'transfer' };
  };
  const worker = async () => {
    const me = new BankClient(cluster, history);
    while (Date.now() < deadline) {
      const { payer, payee, amount, kind } = choices();
      const { seq, head } = await me.head(payer.id);
      Object.assign(payer, { seq, head });
      const t = await payer.sign(payee.id, amount, kind === 'tip' ? { kind, ref: 'EBESExQVFhcYGRobHB0eHw' } : {});
      await me.settle(t);
    }
    me.close();
  };
  const minting = async () => {
    while (Date.now() < deadline) {
      await mint(pick(accounts).id, 1 + Math.floor(rand() * 100));
      await sleep(200 + Math.floor(rand() * 400));
    }
  };
  let kills = 0;
  const nemesis = async () => {
    while (Date.now() < deadline - 1_000) {
      await sleep(1_200 + Math.floor(rand() * 2_000));
      await cluster.relay.kill('SIGKILL');
      kills++;
      await sleep(Math.floor(rand() * 300));
      cluster.relay = await cluster.relay.restart();
      relays.push(cluster.relay);
    }
  };
  await Promise.all([nemesis(), minting(), ...Array.from({ length: CLIENTS }, worker)]);
  minter.close();
  console.log(
    `bank seed ${seed}: ${history.acknowledged.length} receipts, ${history.refused.length} refusals ` +
      `(${[...new Set(history.refused.map((r) => r.code))].join(', ')}), ${kills} relay kills, ` +
      `${history.lostConnections} lost answers retried, ${history.unavailable} unavailable`,
  );
  expect(kills).toBeGreaterThanOrEqual(2);

  // ---- Checks, against the relay that is up now. ----
  const c = await LedgerClient.connect(cluster.url);
  const info = await c.info();
  if (info.t !== 'ledger-info') throw new Error('no ledger info');
  const log = info.log;
  const leaves = await c.allEntries();
  const transfers = leaves.map((bytes, i) => {
    const d = decodeTransfer(bytes);
    if (!d.ok) throw new Error(`leaf ${i} does not decode: ${d.refusal.message}`);
    return d.value;
  });

  // Replaying the log: every leaf signed and valid in order; so each payer's seqs are contiguous.
  const replay = new LedgerReplay(op.id);
  const seqs = new Map<string, { seq: number; head: string }>();
  for (const [i, t] of transfers.entries()) {
    expect(await verifyTransferSignature(t), `leaf ${i} signature`).toBe(true);
    const last = seqs.get(t.from) ?? { seq: 0, head: ZERO_HASH };
    expect([t.seq, t.prev], `leaf ${i}: the payer's next seq and prev`).toEqual([last.seq + 1, last.head]);
    const hash = await transferHash(t);
    seqs.set(t.from, { seq: t.seq, head: hash });
    expect(replay.apply(t, hash), `leaf ${i} obeys the rules`).toBeNull();
  }

  // The relay's balances are what the log implies; money is conserved and never negative.
  let sum = 0;
  for (const [id, state] of replay.entries()) {
    expect(state.balance, `${id} not negative`).toBeGreaterThanOrEqual(0);
    sum += state.balance;
    const reported = await c.balance(id);
    expect(reported, `stored state of ${byId.has(id) ? 'an account' : 'the operator'}`).toMatchObject({ t: 'balance', ...state });
  }
  const mintedByLog = transfers.filter((t) => t.kind === 'mint').reduce((n, t) => n + t.amount, 0);
  const mintedByReceipts = history.acknowledged.filter((a) => a.transfer.kind === 'mint').reduce((n, a) => n + a.transfer.amount, 0);
  expect(sum).toBe(mintedByLog);
  expect(replay.supply).toBe(mintedByLog);
  // Every transfer got a definitive answer, so every settled mint was receipted.
  expect(mintedByReceipts).toBe(mintedByLog);

  // Every receipt verifies and names its transfer's exact bytes in the log.
  const tree = new MemoryTree(digest);
  for (const leaf of leaves) tree.append(leaf);
  const checkpoints = new Map<number, SignedCheckpoint>();
  for (const { transfer, receipt } of history.acknowledged) {
    expect((await verifyReceipt(receipt, { log, transfer })).ok, `receipt of ${transfer.id}`).toBe(true);
    expect(Buffer.from(leaves[receipt.index] ?? []).equals(Buffer.from(encodeTransfer(transfer))), `leaf ${receipt.index} byte for byte`).toBe(true);
    checkpoints.set(receipt.checkpoint.size, receipt.checkpoint);
  }
  const settledIds = new Set(transfers.map((t) => t.id));
  expect(settledIds.size).toBe(transfers.length);
  for (const { transfer, code } of history.refused) {
    const at = transfers.findIndex((t) => t.id === transfer.id);
    const same = at >= 0 && Buffer.from(leaves[at]!).equals(Buffer.from(encodeTransfer(transfer)));
    expect(same, `refused (${code}) transfer ${transfer.id} is not in the log`).toBe(false);
  }
  expect(new Set(history.acknowledged.map((a) => a.transfer.id)).size, 'one receipt per settled transfer').toBe(transfers.length);

  // Every checkpoint ever issued is a prefix of the final tree.
  const final = await c.checkpoint();
  if (final.t !== 'checkpoint') throw new Error('no final checkpoint');
  expect(final.checkpoint.size).toBe(leaves.length);
  expect(final.checkpoint.root).toBe(toHex(tree.root()));
  checkpoints.set(final.checkpoint.size, final.checkpoint);
  for (const cp of checkpoints.values()) {
    expect((await verifyCheckpoint(cp, log)).ok).toBe(true);
    expect(cp.root, `checkpoint at ${cp.size} is the final tree's prefix`).toBe(toHex(tree.root(cp.size)));
    const { proof } = await c.consistency(cp.size, final.checkpoint.size);
    expect(await verifyConsistency(cp, final.checkpoint, proof ?? []), `consistency ${cp.size} → ${final.checkpoint.size}`).toEqual({ ok: true, value: true });
  }
  c.close();

  let out = '';
  let err = '';
  const verified = await ledgerCommands({ out: (l) => (out += l), err: (l) => (err += l), env: {}, cwd: REPO }).ledger(['verify', '--data', dataDir]);
  expect(verified, err).toBe(0);
  console.log(`bank seed ${seed}: ${out}; ${checkpoints.size} distinct checkpoints checked`);
  await cluster.relay.stop();
}

describe('bank: concurrent transfers while the relay is SIGKILLed and restarted', () => {
  const seed = Number(process.env.FLOE_BANK_SEED) || Math.floor(Math.random() * 2 ** 31);
  it(`seed ${seed}`, () => bank(seed), 120_000);
});
