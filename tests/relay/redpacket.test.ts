// Red packets against a real relay process and its real SQLite file: 50 members racing for 10
// shares, each member at most once, the reveal recomputing every share (and a tampered reveal
// caught), the refund of what is left after a short expiry, every bad frame and capability
// refused by name, and `ledger verify` passing on the result and failing on a forged claim.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../src/core/bytes.ts';
import type { AccountId } from '../../src/core/ids.ts';
import { preparePacket, signClaimRequest } from '../../src/core/ledger/redpacket-kinds.ts';
import { deriveClaimSecret, verifySplit, type PacketTerms } from '../../src/core/ledger/redpacket.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { decodeTransfer, encodeTransfer, newTransferId, signTransfer, transferHash, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { splitTransferLines } from '../../src/core/ledger/wire.ts';
import type { ServerHeader } from '../../src/core/protocol.ts';
import { ledgerCommands } from '../../relay/ledger/commands.ts';
import { readLedgerKeys } from '../../relay/ledger/keys.ts';
import { SqliteLedgerStore } from '../../relay/ledger/sqlite-store.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { LedgerClient, operatorOf, requestId, v1Url } from './ledger-client.ts';

const EXPIRY_MS = 60_000;
let relay: RelayProcess;
let url: string;
let c: LedgerClient;
let escrow: AccountId;
let sender: TestAccount;
const conversation = new Uint8Array(32).fill(42);

type Answer = Extract<ServerHeader, { t: 'redpacket' | 'error' }>;
interface Status {
  header: Answer;
  transfers: SignedTransfer[];
}

beforeAll(async () => {
  relay = await startRelay({ args: ['--redpacket-expiry-ms', String(EXPIRY_MS)] });
  url = v1Url(relay.signalUrl);
  c = await LedgerClient.connect(url);
  const info = await c.info();
  if (info.t !== 'ledger-info') throw new Error('no ledger');
  expect(info.packetExpiryMs).toBe(EXPIRY_MS);
  escrow = info.log as AccountId;
  sender = await TestAccount.create();
  const op = operatorOf(relay.dataDir);
  const mint = await op.sign(sender.id, 100_000, { kind: 'mint' });
  expect((await c.transfer(mint)).t).toBe('receipt');
});
afterAll(async () => {
  c?.close();
  await relay?.stop();
});

const asStatus = (f: { header: ServerHeader; body: Uint8Array }): Status => ({
  header: f.header as Answer,
  transfers: splitTransferLines(f.body).map((l) => {
    const d = decodeTransfer(l);
    if (!d.ok) throw new Error(d.refusal.message);
    return d.value;
  }),
});

/** Signs a packet of the sender's and sends it; `over` tampers with the frame. */
async function create(terms: PacketTerms, opts: { expiresIn?: number; seed?: string; secret?: Uint8Array } = {}) {
  const id = newTransferId();
  const created = Date.now();
  const p = await preparePacket({ id, from: sender.id, escrow, terms, greeting: '恭喜发财', created, expires: created + (opts.expiresIn ?? EXPIRY_MS), chain: { seq: sender.seq + 1, prev: sender.head }, conversationSecret: opts.secret ?? conversation });
  const t = await signTransfer(sender.privateKey, p.body);
  const f = asStatus(await c.request({ t: 'redpacket-create', id, transfer: t, seed: opts.seed ?? toBase64Url(p.seed) }));
  if (f.header.t === 'redpacket') await sender.settled(t);
  return { t, seed: p.seed, answer: f.header, claimSecret: await deriveClaimSecret(opts.secret ?? conversation, id) };
}

async function claim(on: LedgerClient, packet: string, who: TestAccount, claimSecret: Uint8Array, sig?: string): Promise<Status> {
  const req = sig ?? (await signClaimRequest(who.privateKey, packet, who.id));
  return asStatus(await on.request({ t: 'redpacket-claim', id: requestId(), packet, claimer: who.id, sig: req, cap: toBase64Url(claimSecret) }));
}

const status = async (packet: string) => asStatus(await c.request({ t: 'redpacket-status', id: requestId(), packet }));
const balance = async (id: string) => {
  const b = await c.balance(id);
  if (b.t !== 'balance') throw new Error('balance refused');
  return b.balance;
};
const claimsOf = (s: Status) => s.transfers.filter((t) => t.kind === 'redpacket-claim').map((t) => ({ share: t.data!.share as number, amount: t.amount, to: t.to }));

describe('red packets on a real relay', () => {
  it('50 concurrent claims by 50 members of a 10-share packet: exactly 10 win, shares add up, the reveal checks', async () => {
    const terms: PacketTerms = { amount: 1000, shares: 10, split: 'lucky' };
    const p = await create(terms);
    expect(p.answer).toMatchObject({ t: 'redpacket', state: 'open', claims: 0 });
    expect(p.answer.t === 'redpacket' && p.answer.seed).toBeFalsy();
    const members = await Promise.all(Array.from({ length: 50 }, () => TestAccount.create()));
    const conns = await Promise.all(Array.from({ length: 5 }, () => LedgerClient.connect(url)));
    const answers = await Promise.all(members.map((m, i) => claim(conns[i % 5]!, p.t.id, m, p.claimSecret)));
    const won = answers.filter((a) => a.header.t === 'redpacket');
    expect(won).toHaveLength(10);
    expect(answers.filter((a) => a.header.t === 'error').map((a) => a.header.t === 'error' && a.header.code)).toEqual(new Array(40).fill('packet-empty'));

    const final = await status(p.t.id);
    expect(final.header).toMatchObject({ t: 'redpacket', state: 'claimed', claims: 10 });
    const claims = claimsOf(final);
    expect(claims.map((x) => x.share)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(claims.reduce((s, x) => s + x.amount, 0)).toBe(1000);
    expect(claims.every((x) => x.amount >= 1)).toBe(true);
    expect(new Set(claims.map((x) => x.to)).size).toBe(10);
    for (const x of claims) expect(await balance(x.to)).toBe(x.amount);

    // The reveal recomputes every share; a tampered reveal or a tampered share is detected.
    const seed = fromBase64Url(final.header.t === 'redpacket' ? final.header.seed! : '')!;
    expect(seed).toEqual(p.seed);
    const packet = { ...terms, commit: p.t.data!.commit as string };
    expect(await verifySplit(packet, seed, claims)).toMatchObject({ ok: true });
    const flipped = seed.slice();
    flipped[0]! ^= 1;
    expect(await verifySplit(packet, flipped, claims)).toMatchObject({ ok: false, problem: 'bad-seed' });
    expect(await verifySplit(packet, seed, claims.map((x, i) => (i === 3 ? { ...x, amount: x.amount + 1 } : x)))).toMatchObject({ ok: false, problem: 'bad-share' });

    // A winner asking again is refused as already-claimed (not packet-empty).
    const again = await claim(conns[0]!, p.t.id, members[answers.indexOf(won[0]!)]!, p.claimSecret);
    expect(again.header).toMatchObject({ t: 'error', code: 'already-claimed' });
    expect(await balance(escrow)).toBe(0);
    conns.forEach((x) => x.close());
  });

  it('a member claims at most once even with both claims in flight at the same time', async () => {
    const p = await create({ amount: 30, shares: 3, split: 'equal' });
    const m = await TestAccount.create();
    const [a, b] = await Promise.all([claim(c, p.t.id, m, p.claimSecret), claim(c, p.t.id, m, p.claimSecret)]);
    expect([a.header.t, b.header.t].sort()).toEqual(['error', 'redpacket']);
    expect([a, b].find((x) => x.header.t === 'error')!.header).toMatchObject({ code: 'already-claimed' });
    expect(await balance(m.id)).toBe(10);
  });

  it('refunds exactly the remainder to the sender after a short expiry, reveals the seed, and refuses later claims', async () => {
    const before = await balance(sender.id);
    const p = await create({ amount: 100, shares: 4, split: 'lucky' }, { expiresIn: 1500 });
    const m = await TestAccount.create();
    expect((await claim(c, p.t.id, m, p.claimSecret)).header).toMatchObject({ t: 'redpacket', claims: 1 });
    const share = claimsOf(await status(p.t.id))[0]!.amount;
    let s = await status(p.t.id);
    for (let i = 0; i < 100 && s.header.t === 'redpacket' && s.header.state !== 'refunded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status(p.t.id);
    }
    expect(s.header).toMatchObject({ t: 'redpacket', state: 'refunded', claims: 1 });
    const refund = s.transfers.find((t) => t.kind === 'redpacket-refund')!;
    expect(refund).toMatchObject({ to: sender.id, amount: 100 - share, ref: p.t.id });
    expect(await balance(sender.id)).toBe(before - share);
    const seed = fromBase64Url(s.header.t === 'redpacket' ? s.header.seed! : '')!;
    expect(await verifySplit({ amount: 100, shares: 4, split: 'lucky', commit: p.t.data!.commit as string }, seed, claimsOf(s))).toMatchObject({ ok: true });
    const late = await claim(c, p.t.id, await TestAccount.create(), p.claimSecret);
    expect(late.header).toMatchObject({ t: 'error', code: 'packet-expired' });
  });

  it('refuses bad packets, seeds, capabilities, signatures and unknown packets by name, changing nothing', async () => {
    const before = await balance(sender.id);
    const code = (h: Answer | ServerHeader) => (h.t === 'error' ? h.code : h.t);
    expect(code((await create({ amount: 5, shares: 6, split: 'lucky' })).answer)).toBe('bad-packet');
    expect(code((await create({ amount: 50, shares: 201, split: 'lucky' })).answer)).toBe('bad-packet');
    expect(code((await create({ amount: 0, shares: 1, split: 'lucky' })).answer)).toBe('bad-amount');
    expect(code((await create({ amount: 10, shares: 2, split: 'lucky' }, { expiresIn: EXPIRY_MS + 10 * 60_000 })).answer)).toBe('bad-packet');
    expect(code((await create({ amount: 10, shares: 2, split: 'lucky' }, { seed: toBase64Url(new Uint8Array(32)) })).answer)).toBe('bad-seed');
    expect(code((await create({ amount: 10 ** 9, shares: 2, split: 'lucky' })).answer)).toBe('overdraft');
    expect(await balance(sender.id)).toBe(before);

    const p = await create({ amount: 20, shares: 2, split: 'equal' });
    const m = await TestAccount.create();
    const outsider = await deriveClaimSecret(new Uint8Array(32).fill(7), p.t.id);
    expect((await claim(c, p.t.id, m, outsider)).header).toMatchObject({ code: 'bad-capability' });
    const forged = await signClaimRequest((await TestAccount.create()).privateKey, p.t.id, m.id);
    expect((await claim(c, p.t.id, m, p.claimSecret, forged)).header).toMatchObject({ code: 'bad-signature' });
    expect((await claim(c, newTransferId(), m, p.claimSecret)).header).toMatchObject({ code: 'unknown-packet' });
    expect((await status(newTransferId())).header).toMatchObject({ code: 'unknown-packet' });
    // A packet only goes through redpacket-create; the escrow takes no plain payments.
    const direct = await sender.sign(escrow, 5, { kind: 'redpacket', data: p.t.data! });
    expect(await c.transfer(direct)).toMatchObject({ t: 'error', code: 'bad-request' });
    expect(await c.transfer(await sender.sign(escrow, 5))).toMatchObject({ t: 'error', code: 'bad-request' });
    expect(await balance(m.id)).toBe(0);
    // Still served after every refusal: the member can claim with the right capability.
    expect((await claim(c, p.t.id, m, p.claimSecret)).header).toMatchObject({ t: 'redpacket', claims: 1 });

    // A frame that does not fit the schema closes that connection (1007), nobody else's.
    const raw = await LedgerClient.connect(url);
    raw.v1.send({ t: 'redpacket-claim', id: requestId(), packet: 'short', claimer: m.id, sig: 'x', cap: 'y' } as never);
    expect((await raw.v1.waitClosed()).code).toBe(1007);
    expect((await status(p.t.id)).header).toMatchObject({ t: 'redpacket' });
  });

  it('survives SIGKILL: claims and packets are still there after a restart, and the refund still comes', async () => {
    const p = await create({ amount: 40, shares: 4, split: 'equal' }, { expiresIn: 3000 });
    const m = await TestAccount.create();
    expect((await claim(c, p.t.id, m, p.claimSecret)).header).toMatchObject({ t: 'redpacket', claims: 1 });
    c.close();
    await relay.kill('SIGKILL');
    relay = await relay.restart();
    url = v1Url(relay.signalUrl);
    c = await LedgerClient.connect(url);
    expect((await status(p.t.id)).header).toMatchObject({ t: 'redpacket', claims: 1 });
    expect((await claim(c, p.t.id, m, p.claimSecret)).header).toMatchObject({ code: 'already-claimed' });
    let s = await status(p.t.id);
    for (let i = 0; i < 100 && s.header.t === 'redpacket' && s.header.state !== 'refunded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status(p.t.id);
    }
    expect(s.header).toMatchObject({ t: 'redpacket', state: 'refunded' });
    expect(s.transfers.at(-1)).toMatchObject({ kind: 'redpacket-refund', amount: 30 });
  });

  it('ledger verify passes after packets, and fails on a tampered or forged claim', async () => {
    // One packet left open, so the escrow holds coins a forged claim could take.
    const open = await create({ amount: 90, shares: 3, split: 'equal' });
    const m = await TestAccount.create();
    await claim(c, open.t.id, m, open.claimSecret);
    const verify = async (dir: string) => {
      let out = '';
      let err = '';
      const code = await ledgerCommands({ out: (l) => (out += l), err: (l) => (err += `${l}\n`), env: {}, cwd: process.cwd() }).ledger(['verify', '--data', dir]);
      return { code, out, err };
    };
    expect(await verify(relay.dataDir)).toMatchObject({ code: 0, err: '' });

    await relay.stop();
    const copy = (sql?: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'floe-redpacket-'));
      cpSync(relay.dataDir, dir, { recursive: true });
      if (sql) {
        const db = new Database(join(dir, 'ledger.sqlite'));
        expect(db.prepare(sql).run().changes).toBeGreaterThan(0);
        db.close();
      }
      return dir;
    };
    // Bytes of a settled claim edited: its signature no longer holds.
    const edited = copy(`UPDATE transfers SET body = CAST(replace(CAST(body AS TEXT), '"share":0', '"share":1') AS BLOB) WHERE kind = 'redpacket-claim' AND id = (SELECT id FROM transfers WHERE kind = 'redpacket-claim' LIMIT 1)`);
    expect((await verify(edited)).err).toMatch(/signature is not the payer's/);

    // A relay that pays the same member twice, properly signed and logged, is caught too.
    const dir = copy();
    const keys = readLedgerKeys(dir);
    const signer = TestAccount.fromKeys(keys.ledger.id, keys.ledger.privateKey);
    const store = new SqliteLedgerStore(join(dir, 'ledger.sqlite'), { operator: keys.operator.id, log: keys.ledger.id, escrow: keys.ledger.id, sign: keys.ledger.signSync });
    const state = await store.account(signer.id);
    signer.seq = state.seq;
    signer.head = state.head;
    const forged = await signer.sign(m.id, 30, { kind: 'redpacket-claim', ref: open.t.id, data: { share: 1, req: await signClaimRequest(m.privateKey, open.t.id, m.id) } });
    const settled = await store.settleBatch([{ transfer: forged, bytes: encodeTransfer(forged), hash: await transferHash(forged) }], Date.now());
    expect(settled[0]).toMatchObject({ ok: true });
    await store.close();
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/red packet rules: claim .* already claimed packet/);
  });
});
