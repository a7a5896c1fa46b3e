import { beforeAll, describe, expect, it } from 'vitest';
import type { AccountId } from '../ids.ts';
import { LedgerReplay } from './replay.ts';
import { applyTransfer, checkTransfer, EMPTY_ACCOUNT } from './rules.ts';
import { TestAccount } from './testing.ts';
import { MAX_AMOUNT, MAX_SUPPLY, transferHash, ZERO_HASH } from './transfer.ts';

let operator: TestAccount;
let alice: TestAccount;
let bob: TestAccount;
const MESSAGE_ID = 'EBESExQVFhcYGRobHB0eHw';

beforeAll(async () => {
  [operator, alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
});

describe('stateless rules', () => {
  it('accepts the three kinds of this version, each with what it needs', async () => {
    expect(checkTransfer(await operator.sign(alice.id, 5, { kind: 'mint' }), operator.id)).toBeNull();
    expect(checkTransfer(await alice.sign(bob.id, 5), operator.id)).toBeNull();
    expect(checkTransfer(await alice.sign(bob.id, 5, { kind: 'tip', ref: MESSAGE_ID }), operator.id)).toBeNull();
  });

  it('refuses self-transfers, unknown kinds, mints by anyone but the operator, and refs or data that do not fit', async () => {
    const code = async (t: Promise<Parameters<typeof checkTransfer>[0]>) => checkTransfer(await t, operator.id)?.code;
    expect(await code(alice.sign(alice.id, 5))).toBe('self-transfer');
    expect(await code(operator.sign(operator.id, 5, { kind: 'mint' }))).toBe('self-transfer');
    expect(await code(alice.sign(bob.id, 5, { kind: 'red-packet' }))).toBe('unknown-kind');
    expect(await code(alice.sign(bob.id, 5, { kind: 'mint' }))).toBe('not-operator');
    expect(await code(alice.sign(bob.id, 5, { kind: 'tip' }))).toBe('bad-request');
    expect(await code(alice.sign(bob.id, 5, { kind: 'tip', ref: 'abc' }))).toBe('bad-request');
    expect(await code(alice.sign(bob.id, 5, { ref: MESSAGE_ID }))).toBe('bad-request');
    expect(await code(alice.sign(bob.id, 5, { data: { shares: 3 } }))).toBe('bad-request');
  });
});

describe('stateful rules', () => {
  const funded = { balance: 100, seq: 0, head: ZERO_HASH };

  it('moves the amount, advances the payer chain and leaves the supply alone', async () => {
    const t = await alice.sign(bob.id, 30);
    const hash = await transferHash(t);
    const r = applyTransfer(t, hash, funded, EMPTY_ACCOUNT, 100, operator.id);
    expect(r).toEqual({ ok: true, value: { payer: { balance: 70, seq: 1, head: hash }, payee: { balance: 30, seq: 0, head: ZERO_HASH }, supply: 100 } });
  });

  it('mints: credits the payee, debits nobody, grows the supply, and still chains the operator', async () => {
    const t = await operator.sign(alice.id, MAX_AMOUNT, { kind: 'mint' });
    const r = applyTransfer(t, 'a'.repeat(64), EMPTY_ACCOUNT, EMPTY_ACCOUNT, 0, operator.id);
    expect(r.ok && r.value).toEqual({ payer: { balance: 0, seq: 1, head: 'a'.repeat(64) }, payee: { balance: MAX_AMOUNT, seq: 0, head: ZERO_HASH }, supply: MAX_AMOUNT });
    const past = applyTransfer(t, 'a'.repeat(64), EMPTY_ACCOUNT, EMPTY_ACCOUNT, MAX_SUPPLY - 5, operator.id);
    expect(!past.ok && past.refusal.code).toBe('bad-amount');
  });

  it('refuses a wrong seq, a wrong prev, and an overdraft, naming what was expected', async () => {
    const state = { balance: 10, seq: 3, head: 'b'.repeat(64) };
    const refusal = async (over: Parameters<TestAccount['sign']>[2], amount = 5) => {
      const r = applyTransfer(await alice.sign(bob.id, amount, { seq: 4, prev: 'b'.repeat(64), ...over }), 'c'.repeat(64), state, EMPTY_ACCOUNT, 10, operator.id);
      return r.ok ? 'ok' : `${r.refusal.code}: ${r.refusal.message}`;
    };
    expect(await refusal({})).toBe('ok');
    expect(await refusal({}, 10)).toBe('ok');
    expect(await refusal({ seq: 5 })).toMatch(/^wrong-seq: .*next seq is 4/);
    expect(await refusal({ seq: 3 })).toMatch(/^wrong-seq/);
    expect(await refusal({ prev: ZERO_HASH })).toMatch(/^wrong-prev/);
    expect(await refusal({}, 11)).toMatch(/^overdraft: .*\(10\) is less than 11/);
    expect(await refusal({ kind: 'nope' })).toMatch(/^unknown-kind/);
  });
});

describe('LedgerReplay', () => {
  it('applies a chain of transfers and changes nothing on a refusal', async () => {
    const [op, a, b] = await Promise.all([TestAccount.create(), TestAccount.create(), TestAccount.create()]);
    const replay = new LedgerReplay(op.id);
    const settle = async (payer: TestAccount, to: AccountId, amount: number, over = {}) => {
      const t = await payer.sign(to, amount, over);
      const refusal = replay.apply(t, await transferHash(t));
      if (!refusal) await payer.settled(t);
      return refusal?.code ?? 'ok';
    };
    expect(await settle(op, a.id, 100, { kind: 'mint' })).toBe('ok');
    expect(await settle(a, b.id, 60)).toBe('ok');
    const before = JSON.stringify(replay.entries());
    expect(await settle(a, b.id, 41)).toBe('overdraft');
    expect(await settle(b, a.id, 1, { seq: 2 })).toBe('wrong-seq');
    expect(JSON.stringify(replay.entries())).toBe(before);
    expect(await settle(b, a.id, 60)).toBe('ok');
    expect(replay.account(a.id)).toMatchObject({ balance: 100, seq: 1 });
    expect(replay.account(b.id)).toMatchObject({ balance: 0, seq: 1 });
    expect(replay.supply).toBe(100);
    expect(replay.size).toBe(3);
  });
});
