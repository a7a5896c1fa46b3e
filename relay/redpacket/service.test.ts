// The red-packet service in process, over a real SQLite ledger file: a payout whose settlement
// fails (the store's transaction throws, as on a full disk) is kept and settled on a later round,
// never lost or doubled, and a service restarted on the same file picks up a payout that was
// stored but never settled (a crash between the two). The store wrapper is the one stand-in:
// it is how a failing disk can be made to fail on cue.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../src/core/bytes.ts';
import { preparePacket, signClaimRequest } from '../../src/core/ledger/redpacket-kinds.ts';
import { deriveClaimSecret } from '../../src/core/ledger/redpacket.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { newTransferId, signTransfer } from '../../src/core/ledger/transfer.ts';
import type { ServerHeader } from '../../src/core/protocol.ts';
import { generateKeyPair } from '../ledger/keys.ts';
import { webCryptoLedger } from '../ledger/ledger-crypto.ts';
import { Settlement } from '../ledger/settlement.ts';
import { SqliteLedgerStore } from '../ledger/sqlite-store.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { verifyLedger } from '../ledger/verify-log.ts';
import { createLogger } from '../log.ts';
import { createRedPacketService, type RedPacketService } from './service.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function world() {
  const dir = mkdtempSync(join(tmpdir(), 'floe-rp-unit-'));
  const file = join(dir, 'ledger.sqlite');
  const key = generateKeyPair();
  const [op, sender, member] = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
  const opts = { operator: op.id, log: key.id, escrow: key.id, sign: key.signSync };
  let failures = 0;
  const start = (failNext = 0): { service: RedPacketService; settlement: Settlement; store: SqliteLedgerStore; close: () => Promise<void> } => {
    failures = failNext;
    const store = new SqliteLedgerStore(file, opts);
    // Fails the next `failures` transactions, then behaves.
    const flaky: LedgerStore = Object.assign(Object.create(store) as LedgerStore, {
      settleBatch: (...args: Parameters<LedgerStore['settleBatch']>) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : store.settleBatch(...args)),
    });
    const settlement = new Settlement({ store: flaky, crypto: webCryptoLedger(key.privateKey), operator: op.id, escrow: key.id });
    const service = createRedPacketService({ file, store, settlement, escrow: key, operator: op.id, expiryMs: 60_000, now: Date.now, log: createLogger({ level: 'silent' }) });
    let closing: Promise<void> | null = null;
    const close = () => (closing ??= (async () => (await service.close(), await settlement.shutdown(), await store.close()))());
    open.push({ close });
    return { service, settlement, store, close };
  };
  return { file, key, op, sender, member, start };
}

/** Sends a frame to the service and returns its one answer. */
function ask(service: RedPacketService, h: Parameters<RedPacketService['handle']>[0]): Promise<ServerHeader> {
  return new Promise((resolve) => void service.handle(h, (header) => resolve(header)));
}

describe('red packet payouts', () => {
  it('are kept when settlement fails and paid once it works again, exactly once', async () => {
    const w = await world();
    const { service, settlement, close } = w.start();
    expect((await settlement.submit(await w.op.sign(w.sender.id, 100, { kind: 'mint' }))).ok).toBe(true);
    const secret = new Uint8Array(32).fill(3);
    const id = newTransferId();
    const created = Date.now();
    const p = await preparePacket({ id, from: w.sender.id, escrow: w.key.id, terms: { amount: 50, shares: 2, split: 'lucky' }, greeting: '', created, expires: created + 30_000, chain: { seq: 1, prev: w.sender.head }, conversationSecret: secret });
    const t = await signTransfer(w.sender.privateKey, p.body);
    expect(await ask(service, { t: 'redpacket-create', id, transfer: t, seed: toBase64Url(p.seed) })).toMatchObject({ t: 'redpacket', state: 'open' });

    // The next two transactions fail; the claim waits and is paid on a later round.
    await close();
    const again = w.start(2);
    const cap = toBase64Url(await deriveClaimSecret(secret, id));
    const sig = await signClaimRequest(w.member.privateKey, id, w.member.id);
    const answer = await ask(again.service, { t: 'redpacket-claim', id: 'claim-req-1', packet: id, claimer: w.member.id, sig, cap });
    expect(answer).toMatchObject({ t: 'redpacket', claims: 1 });
    const paid = (await again.store.account(w.member.id)).balance;
    expect(paid).toBeGreaterThanOrEqual(1);
    expect(await ask(again.service, { t: 'redpacket-claim', id: 'claim-req-2', packet: id, claimer: w.member.id, sig, cap })).toMatchObject({ t: 'error', code: 'already-claimed' });
    expect((await again.store.account(w.member.id)).balance).toBe(paid);
  });

  it('a claim that cannot be stored (the database stays locked) is answered unavailable, not left hanging', async () => {
    const w = await world();
    const { service, settlement } = w.start();
    expect((await settlement.submit(await w.op.sign(w.sender.id, 100, { kind: 'mint' }))).ok).toBe(true);
    const secret = new Uint8Array(32).fill(6);
    const id = newTransferId();
    const created = Date.now();
    const p = await preparePacket({ id, from: w.sender.id, escrow: w.key.id, terms: { amount: 20, shares: 2, split: 'equal' }, greeting: '', created, expires: created + 30_000, chain: { seq: 1, prev: w.sender.head }, conversationSecret: secret });
    await ask(service, { t: 'redpacket-create', id, transfer: await signTransfer(w.sender.privateKey, p.body), seed: toBase64Url(p.seed) });
    // Another process holds the write lock past the 5 s busy timeout.
    const other = new Database(w.file);
    other.exec('BEGIN IMMEDIATE');
    const cap = toBase64Url(await deriveClaimSecret(secret, id));
    const sig = await signClaimRequest(w.member.privateKey, id, w.member.id);
    const answer = await ask(service, { t: 'redpacket-claim', id: 'claim-req-4', packet: id, claimer: w.member.id, sig, cap });
    other.exec('ROLLBACK');
    other.close();
    expect(answer).toMatchObject({ t: 'error', code: 'unavailable' });
    // Asked again once the lock is gone, the claim is paid.
    expect(await ask(service, { t: 'redpacket-claim', id: 'claim-req-5', packet: id, claimer: w.member.id, sig, cap })).toMatchObject({ t: 'redpacket', claims: 1 });
  }, 20_000);

  it('a payout stored but never settled (a crash in between) is settled by the next start', async () => {
    const w = await world();
    const first = w.start();
    expect((await first.settlement.submit(await w.op.sign(w.sender.id, 100, { kind: 'mint' }))).ok).toBe(true);
    const secret = new Uint8Array(32).fill(4);
    const id = newTransferId();
    const created = Date.now();
    const p = await preparePacket({ id, from: w.sender.id, escrow: w.key.id, terms: { amount: 20, shares: 2, split: 'equal' }, greeting: '', created, expires: created + 30_000, chain: { seq: 1, prev: w.sender.head }, conversationSecret: secret });
    await ask(first.service, { t: 'redpacket-create', id, transfer: await signTransfer(w.sender.privateKey, p.body), seed: toBase64Url(p.seed) });
    // Every transaction fails from now on: the claim's payout is stored, never settled. Then "crash".
    const cap = toBase64Url(await deriveClaimSecret(secret, id));
    const sig = await signClaimRequest(w.member.privateKey, id, w.member.id);
    await first.close();
    const failing = w.start(1_000_000);
    void ask(failing.service, { t: 'redpacket-claim', id: 'claim-req-3', packet: id, claimer: w.member.id, sig, cap });
    await new Promise((r) => setTimeout(r, 300));
    const db = new Database(w.file, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM redpacket_payouts WHERE settled = 0').get()).toEqual({ n: 1 });
    db.close();
    await failing.close();

    const restarted = w.start();
    // The sweeper (≤ 1 s) resubmits what was stored.
    for (let i = 0; i < 50 && (await restarted.store.account(w.member.id)).balance === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await restarted.store.account(w.member.id)).balance).toBe(10);
    const verifyDb = new Database(w.file, { readonly: true });
    const report = await verifyLedger(verifyDb, { log: w.key.id, operator: w.op.id });
    verifyDb.close();
    expect(report.violations).toEqual([]);
  });
});
