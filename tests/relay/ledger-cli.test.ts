// The operator's ledger commands as an operator runs them (`node --import tsx relay/cli.ts …`,
// which is what `npm run relay --` runs), against a real relay process and its data directory:
// mint while the relay runs (and the relay settling on top of it), balance, and `ledger verify`
// passing on a live ledger and failing, by name, on each kind of tampering. The many variants
// (bad command lines, kinds of tampering) run the same command functions in this process
// (`inProcess`), because each real spawn costs about a second on a loaded two-core machine.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyConsistency, verifyReceipt } from '../../src/core/ledger/audit.ts';
import type { Receipt } from '../../src/core/ledger/checkpoint.ts';
import { TestAccount } from '../../src/core/ledger/testing.ts';
import { ledgerCommands } from '../../relay/ledger/commands.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { LedgerClient, operatorOf, v1Url } from './ledger-client.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dirs: string[] = [];

function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/cli.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', fail);
    // 'close', not 'exit': under load the last stdout chunks can arrive after the process exits.
    child.once('close', (code) => done({ code, out, err }));
  });
}

/** The same commands as the CLI, without a process: for the many variants. */
async function inProcess(command: 'mint' | 'balance' | 'ledger', ...args: string[]) {
  let out = '';
  let err = '';
  const commands = ledgerCommands({ out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: {}, cwd: REPO });
  const code = await commands[command](args);
  return { code, out, err };
}

let relay: RelayProcess;
let c: LedgerClient;
let log: string;
let alice: TestAccount;
let bob: TestAccount;

beforeAll(async () => {
  relay = await startRelay();
  c = await LedgerClient.connect(v1Url(relay.signalUrl));
  const info = await c.info();
  if (info.t !== 'ledger-info') throw new Error('no ledger');
  log = info.log;
  [alice, bob] = await Promise.all([TestAccount.create(), TestAccount.create()]);
  // Some history made by the relay itself first.
  const op = operatorOf(relay.dataDir);
  const t = await op.sign(bob.id, 40, { kind: 'mint' });
  expect(await c.transfer(t)).toMatchObject({ t: 'receipt' });
});
afterAll(async () => {
  c?.close();
  await relay?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('floe-relay mint', () => {
  it('mints while the relay is running, and the relay settles on top of it', async () => {
    const minted = await cli('mint', '--data', relay.dataDir, '--to', alice.id, '--amount', '250', '--json');
    expect(minted.err).toBe('');
    expect(minted.code).toBe(0);
    const { receipt, transfer, balance } = JSON.parse(minted.out) as { receipt: Receipt; transfer: never; balance: number };
    expect(balance).toBe(250);
    expect(await verifyReceipt(receipt, { log, transfer })).toMatchObject({ ok: true });

    // Two operators minting at once: both land, one after the other.
    const both = await Promise.all([cli('mint', '--data', relay.dataDir, '--to', alice.id, '--amount', '5'), cli('mint', '--data', relay.dataDir, '--to', alice.id, '--amount', '7')]);
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    expect(both[0]!.out).toMatch(/^minted 5 to .*: leaf \d+, checkpoint size \d+, root [0-9a-f]{64}; balance now \d+/);

    // The running relay sees the mints in its next transaction and appends after them.
    expect(await c.balance(alice.id)).toMatchObject({ t: 'balance', balance: 262 });
    const pay = await alice.sign(bob.id, 200);
    const answer = await c.transfer(pay);
    if (answer.t !== 'receipt') throw new Error(JSON.stringify(answer));
    expect(answer.receipt.index).toBe(receipt.index + 3);
    const { proof } = await c.consistency(receipt.checkpoint.size, answer.receipt.checkpoint.size);
    expect(await verifyConsistency(receipt.checkpoint, answer.receipt.checkpoint, proof!)).toEqual({ ok: true, value: true });
  });

  it('refuses bad amounts as the ledger does, and bad command lines with exit 2', async () => {
    const zero = await cli('mint', '--data', relay.dataDir, '--to', alice.id, '--amount', '0');
    expect(zero).toMatchObject({ code: 1, out: '' });
    expect(zero.err).toMatch(/bad-amount/);
    const huge = await inProcess('mint', '--data', relay.dataDir, '--to', alice.id, '--amount', '1000000000001');
    expect(huge).toMatchObject({ code: 1 });
    expect(huge.err).toMatch(/bad-amount/);
    expect(await cli('mint', '--data', relay.dataDir, '--to', 'nobody', '--amount', '5')).toMatchObject({ code: 2 });
    for (const args of [
      ['--data', relay.dataDir, '--to', 'nobody', '--amount', '5'],
      ['--data', relay.dataDir, '--amount', '5'],
      ['--data', relay.dataDir, '--to', alice.id, '--amount', '-5'],
      ['--data', relay.dataDir, '--to', alice.id, '--amount', '1.5'],
      ['--data', join(relay.dataDir, 'missing'), '--to', alice.id, '--amount', '5'],
      ['--data', relay.dataDir, '--to', alice.id, '--amount', '5', '--bogus'],
    ]) {
      const r = await inProcess('mint', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^floe-relay: /);
    }
    expect(await c.balance(alice.id)).toMatchObject({ balance: 62 });
  });
});

describe('floe-relay balance', () => {
  it("prints an account's balance, as text or JSON", async () => {
    const text = await cli('balance', '--data', relay.dataDir, '--account', bob.id);
    expect(text).toMatchObject({ code: 0, out: `${bob.id}: balance 240, 0 transfers paid\n` });
    const json = await cli('balance', '--data', relay.dataDir, '--account', alice.id, '--json');
    expect(JSON.parse(json.out)).toEqual({ account: alice.id, balance: 62, seq: 1 });
    const nobody = await inProcess('balance', '--data', relay.dataDir, '--account', (await TestAccount.create()).id);
    expect(nobody.out).toMatch(/balance 0/);
    expect((await inProcess('balance', '--data', relay.dataDir, '--account', 'x')).code).toBe(2);
  });

  it("takes account ids that start with '-' (one in 64 does) as values, not flags", async () => {
    let dashed = await TestAccount.create();
    while (!dashed.id.startsWith('-')) dashed = await TestAccount.create();
    const r = await inProcess('balance', '--data', relay.dataDir, '--account', dashed.id);
    expect(r).toMatchObject({ code: 0, out: `${dashed.id}: balance 0, 0 transfers paid\n` });
    const minted = await inProcess('mint', '--data', relay.dataDir, '--to', dashed.id, '--amount', '1', '--json');
    expect(minted.code, minted.err).toBe(0);
    expect(JSON.parse(minted.out)).toMatchObject({ balance: 1 });
  });
});

describe('floe-relay ledger verify', () => {
  it('passes on the live ledger while the relay runs', async () => {
    const r = await cli('ledger', 'verify', '--data', relay.dataDir);
    expect(r.err).toBe('');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/^ledger ok: 6 transfers, 4 accounts, supply 303, \d+ checkpoints, root [0-9a-f]{64}/);
  });

  it('fails, naming the violation, on each kind of tampering', async () => {
    await relay.stop();
    const tampering: [string, string, RegExp][] = [
      ['a balance edited', "UPDATE accounts SET balance = balance + 1 WHERE balance > 0 AND account = (SELECT account FROM accounts WHERE balance > 0 LIMIT 1)", /balance|sum to/],
      ['an amount edited', `UPDATE transfers SET body = CAST(replace(CAST(body AS TEXT), '"amount":250', '"amount":260') AS BLOB), amount = 260 WHERE amount = 250`, /leaf \d+: (the signature|the stored hash)/],
      ['a transfer deleted', 'DELETE FROM transfers WHERE idx = 1', /leaf 1 is missing/],
      ['a checkpoint root edited', "UPDATE checkpoints SET root = (SELECT root FROM checkpoints ORDER BY size DESC LIMIT 1) WHERE size = (SELECT MIN(size) FROM checkpoints)", /checkpoint at size \d+ has root/],
      ['a checkpoint signature swapped', 'UPDATE checkpoints SET sig = (SELECT sig FROM checkpoints ORDER BY size DESC LIMIT 1) WHERE size = (SELECT MIN(size) FROM checkpoints)', /not signed by the ledger key/],
      // Node (1, 0) is completed by leaf 1: the second hash of its tree.
      ['a Merkle node edited', 'UPDATE transfers SET tree = zeroblob(64) WHERE idx = 1', /Merkle node \(1, 0\) is wrong/],
      ['Merkle nodes replaced by text', "UPDATE transfers SET tree = 'x' WHERE idx = 5", /Merkle node \(0, 5\) is missing/],
      ['a Merkle node dropped', 'UPDATE transfers SET tree = substr(tree, 1, 32) WHERE idx = 3', /Merkle node \(2, 0\) is missing/],
      ['a history link edited', 'UPDATE transfers SET payee_prev = NULL WHERE idx = 4 AND payee_prev IS NOT NULL', /leaf 4: the payee's history link is wrong/],
      ["an account's latest transfer edited", 'UPDATE accounts SET last = 0 WHERE last > 0', /its latest transfer is leaf \d+, not 0/],
      ['the supply edited', "UPDATE meta SET value = value + 5 WHERE key = 'supply'", /stored supply/],
      ['coins created out of nothing', "INSERT INTO accounts (account, balance, seq, head) VALUES ('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 1000, 0, '" + '0'.repeat(64) + "')", /never in the log/],
    ];
    for (const [i, [name, sql, expected]] of tampering.entries()) {
      const dir = mkdtempSync(join(tmpdir(), 'floe-tamper-'));
      dirs.push(dir);
      cpSync(relay.dataDir, dir, { recursive: true });
      const db = new Database(join(dir, 'ledger.sqlite'));
      expect(db.prepare(sql).run().changes, name).toBeGreaterThan(0);
      db.close();
      // The first through the real CLI, the rest through the same command in this process.
      const r = i === 0 ? await cli('ledger', 'verify', '--data', dir) : await inProcess('ledger', 'verify', '--data', dir);
      expect(r.code, `${name}: ${r.out}${r.err}`).toBe(1);
      expect(r.err, name).toMatch(expected);
      expect(r.err).toMatch(/ledger verify FAILED: \d+ violation/);
    }
    const untouched = await inProcess('ledger', 'verify', '--data', relay.dataDir);
    expect(untouched.code).toBe(0);
    const empty = mkdtempSync(join(tmpdir(), 'floe-empty-'));
    dirs.push(empty);
    expect((await inProcess('ledger', 'verify', '--data', empty)).code).toBe(2);
    expect((await inProcess('ledger', 'check', '--data', relay.dataDir)).code).toBe(2);
  });
});
