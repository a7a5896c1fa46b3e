// Benchmark: red-packet claims settled per second, against plain transfers through the same
// settlement pipeline in the same run (the baseline).
//
// In process, over one SQLite ledger file in a temporary directory (WAL, synchronous=FULL):
// 1. Baseline: 2000 pre-signed transfers from 200 payers through Settlement, 512 in flight; a
//    transfer counts when its signed receipt is back.
// 2. Claims: 10 packets of 200 lucky shares, 200 members each claiming every packet (2000 claims,
//    requests signed before timing), 512 in flight through the red-packet service; a claim counts
//    when its answer (with the claim's signed receipt) is back. Every claim is a decision in a
//    SQLite transaction, an escrow signature and a settled transfer. Target: at least a quarter of
//    the transfer rate, which only holds if group commit batches claims (one fsync per claim
//    would be far below it); payout rounds are not pipelined, so claims stay below transfers.
// 3. p99 of one claim under that load, for context.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBase64Url } from '../src/core/bytes.ts';
import { preparePacket, signClaimRequest } from '../src/core/ledger/redpacket-kinds.ts';
import { deriveClaimSecret } from '../src/core/ledger/redpacket.ts';
import { TestAccount } from '../src/core/ledger/testing.ts';
import { newTransferId, signTransfer, type SignedTransfer } from '../src/core/ledger/transfer.ts';
import type { ServerHeader } from '../src/core/protocol.ts';
import { generateKeyPair } from '../relay/ledger/keys.ts';
import { adaptiveLedgerCrypto } from '../relay/ledger/ledger-crypto.ts';
import { Settlement } from '../relay/ledger/settlement.ts';
import { SqliteLedgerStore } from '../relay/ledger/sqlite-store.ts';
import { createLogger } from '../relay/log.ts';
import { createRedPacketService, type RedPacketService } from '../relay/redpacket/service.ts';
import type { BenchResult } from './lib/report.ts';

const PAYERS = 200;
const PACKETS = 10;
const SHARES = 200;
const WINDOW = 512;
const TARGET_RATIO = 0.25;

/** Runs `jobs` with at most `window` in flight; returns the elapsed ms and each job's latency. */
async function windowed(jobs: (() => Promise<void>)[], window: number): Promise<{ ms: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const s = performance.now();
      await job();
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { ms: performance.now() - t0, latencies };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ask = (service: RedPacketService, h: Parameters<RedPacketService['handle']>[0]) =>
  new Promise<ServerHeader>((resolve) => void service.handle(h, (header) => resolve(header)));

export async function benchRedPackets(log: (line: string) => void): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-redpacket-'));
  const file = join(dir, 'ledger.sqlite');
  const key = generateKeyPair();
  const op = await TestAccount.create();
  const store = new SqliteLedgerStore(file, { operator: op.id, log: key.id, escrow: key.id, sign: key.signSync });
  const settlement = new Settlement({ store, crypto: adaptiveLedgerCrypto(key.privateKey), operator: op.id, escrow: key.id });
  const service = createRedPacketService({ file, store, settlement, escrow: key, operator: op.id, expiryMs: 3_600_000, now: Date.now, log: createLogger({ level: 'silent' }) });
  try {
    log(`signing ${PAYERS} mints, ${PAYERS * PACKETS} transfers and ${PAYERS * PACKETS} claim requests`);
    const payers = await Promise.all(Array.from({ length: PAYERS }, () => TestAccount.create()));
    const mints: SignedTransfer[] = [];
    for (const p of payers) {
      const t = await op.sign(p.id, 1_000_000, { kind: 'mint' });
      await op.settled(t);
      mints.push(t);
    }
    await Promise.all(mints.map((t) => settlement.submit(t)));
    const transfers: SignedTransfer[] = [];
    for (let round = 0; round < PACKETS; round++) {
      for (const [i, p] of payers.entries()) {
        const t = await p.sign(payers[(i + 1) % PAYERS]!.id, 1);
        await p.settled(t);
        transfers.push(t);
      }
    }
    const baseline = await windowed(transfers.map((t) => async () => void (await settlement.submit(t))), WINDOW);
    const transfersPerSecond = transfers.length / (baseline.ms / 1000);
    log(`baseline: ${transfersPerSecond.toFixed(0)} transfers/s`);

    // The packets: the first payer sends them all (its chain continues after the baseline).
    const sender = payers[0]!;
    const secret = new Uint8Array(32).fill(1);
    const packets: { id: string; cap: string }[] = [];
    for (let i = 0; i < PACKETS; i++) {
      const id = newTransferId();
      const now = Date.now();
      const p = await preparePacket({ id, from: sender.id, escrow: key.id, terms: { amount: 100_000, shares: SHARES, split: 'lucky' }, greeting: '', created: now, expires: now + 3_000_000, chain: { seq: sender.seq + 1, prev: sender.head }, conversationSecret: secret });
      const t = await signTransfer(sender.privateKey, p.body);
      const answer = await ask(service, { t: 'redpacket-create', id, transfer: t, seed: toBase64Url(p.seed) });
      if (answer.t !== 'redpacket') throw new Error(`packet refused: ${JSON.stringify(answer)}`);
      await sender.settled(t);
      packets.push({ id, cap: toBase64Url(await deriveClaimSecret(secret, id)) });
    }
    const claims: Parameters<RedPacketService['handle']>[0][] = [];
    for (const p of packets) {
      for (const m of payers) claims.push({ t: 'redpacket-claim', id: `bench-${claims.length}`, packet: p.id, claimer: m.id, sig: await signClaimRequest(m.privateKey, p.id, m.id), cap: p.cap });
    }
    let refused = 0;
    const run = await windowed(
      claims.map((h) => async () => {
        if ((await ask(service, h)).t !== 'redpacket') refused++;
      }),
      WINDOW,
    );
    if (refused > 0) throw new Error(`${refused} claims were refused`);
    const claimsPerSecond = claims.length / (run.ms / 1000);
    const ratio = claimsPerSecond / transfersPerSecond;
    log(`claims: ${claimsPerSecond.toFixed(0)}/s (${ratio.toFixed(2)} × transfers)`);
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    return {
      title: 'Red packet claims',
      rows: [
        { figure: `claims settled per second (${claims.length}, ${WINDOW} in flight)`, value: `${claimsPerSecond.toFixed(0)}/s`, baseline: `${transfersPerSecond.toFixed(0)} transfers/s, same pipeline and file`, target: `≥ ${TARGET_RATIO} × baseline`, met: ratio >= TARGET_RATIO },
        { figure: 'claim latency p50 / p99 under that load', value: `${ms(percentile(run.latencies, 50))} / ${ms(percentile(run.latencies, 99))}`, baseline: `${ms(percentile(baseline.latencies, 50))} / ${ms(percentile(baseline.latencies, 99))} per transfer`, target: '—', met: null },
      ],
      notes: [
        'In process: the relay\'s Settlement, SqliteLedgerStore (WAL, synchronous=FULL) and red-packet service over one file; requests signed before timing.',
        'A claim is a decision in a SQLite transaction, an escrow signature, and a transfer through group commit; the target says group commit still batches claims. Rounds of payouts wait for the previous round to settle (not pipelined), which is why claims stay below transfers.',
      ],
    };
  } finally {
    await service.close();
    await settlement.shutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
