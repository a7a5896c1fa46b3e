// The operator's ledger commands (docs/operations.md, "Coins"):
//   mint --data DIR --to ACCOUNT_ID --amount N [--memo TEXT] [--json]
//   balance --data DIR --account ACCOUNT_ID [--json]
//   ledger verify --data DIR
//
// `mint` works whether or not the relay is running: it signs a mint with the operator key from
// the data directory and settles it through the same code as the relay (settlement.ts), writing
// into the same SQLite file. SQLite (WAL, IMMEDIATE transactions, busy_timeout) serializes the
// two writers, and the relay reads all ledger state inside each transaction, so it sees the
// mint in its next batch. If the operator key was used concurrently (another mint), the seq
// race is refused as wrong-seq or conflict and retried with a fresh transfer.
//
// Exit codes as for `serve`: 0 done, 1 the ledger refused or verification found violations,
// 2 bad command line or no ledger in DIR. Private keys are never printed.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import { newTransferId, signTransfer, type SignedTransfer } from '../../src/core/ledger/transfer.ts';
import { isKeyId, type AccountId } from '../../src/core/ids.ts';
import { keyFromId } from '../../src/core/crypto.ts';
import { loadLedgerKeys, readLedgerKeys } from './keys.ts';
import { webCryptoLedger } from './ledger-crypto.ts';
import { Settlement, type SettleResult } from './settlement.ts';
import { LEDGER_DB_FILE, openLedgerDatabase, SqliteLedgerStore } from './sqlite-store.ts';
import { verifyLedger } from './verify-log.ts';

export type Command = (argv: string[]) => Promise<number>;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

const MINT_ATTEMPTS = 5;

class UsageError extends Error {}

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  // Account ids are base64url and one in 64 starts with '-', which parseArgs would take for a
  // flag ("argument is ambiguous"): bind each string option's next argument as `--opt=value`.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.startsWith('--') ? argv[i]!.slice(2) : '';
    if (options[name]?.type === 'string' && i + 1 < argv.length) args.push(`--${name}=${argv[++i]!}`);
    else args.push(argv[i]!);
  }
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

function dataDir(values: Record<string, unknown>, io: Io): string {
  const given = typeof values.data === 'string' && values.data !== '' ? values.data : io.env.FLOE_DATA || './data';
  const dir = resolve(io.cwd, given);
  if (!existsSync(dir)) throw new UsageError(`data directory ${dir} does not exist`);
  return dir;
}

function accountArg(value: unknown, flag: string): AccountId {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} ACCOUNT_ID is required`);
  if (!isKeyId(value) || !keyFromId(value)) throw new UsageError(`${flag} must be an account id (43 base64url characters), got "${value.slice(0, 60)}"`);
  return value as AccountId;
}

function amountArg(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) throw new UsageError('--amount N is required: a whole number of smallest units');
  return Number(value);
}

const describeCheckpoint = (cp: SignedCheckpoint) => `checkpoint size ${cp.size}, root ${cp.root}`;

export function ledgerCommands(io: Io): Record<'mint' | 'balance' | 'ledger', Command> {
  const guard =
    (usage: string, run: Command): Command =>
    async (argv) => {
      try {
        return await run(argv);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        io.err(`floe-relay: ${err.message}\n${usage}`);
        return 2;
      }
    };

  const mintUsage = 'Usage: floe-relay mint --data DIR --to ACCOUNT_ID --amount N [--memo TEXT] [--json]';
  const mint = guard(mintUsage, async (argv) => {
    const { values, positionals } = parse(argv, { data: { type: 'string' }, to: { type: 'string' }, amount: { type: 'string' }, memo: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) return io.out(mintUsage), 0;
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const dir = dataDir(values, io);
    const to = accountArg(values.to, '--to');
    const amount = amountArg(values.amount);
    const keys = loadLedgerKeys(dir);
    const store = new SqliteLedgerStore(join(dir, LEDGER_DB_FILE), { operator: keys.operator.id, log: keys.ledger.id, escrow: keys.ledger.id, sign: keys.ledger.signSync });
    const settlement = new Settlement({ store, crypto: webCryptoLedger(keys.ledger.privateKey), operator: keys.operator.id, escrow: keys.ledger.id });
    try {
      let result: SettleResult | undefined;
      let transfer: SignedTransfer | undefined;
      for (let attempt = 0; attempt < MINT_ATTEMPTS; attempt++) {
        const op = await store.account(keys.operator.id);
        transfer = await signTransfer(keys.operator.privateKey, {
          v: 1,
          id: newTransferId(),
          from: keys.operator.id,
          to,
          amount,
          seq: op.seq + 1,
          prev: op.head,
          kind: 'mint',
          memo: typeof values.memo === 'string' ? values.memo : '',
          created: Date.now(),
        });
        result = await settlement.submit(transfer);
        // Another mint took this seq between our read and our write: sign the next one.
        if (result.ok || !['wrong-seq', 'wrong-prev', 'conflict', 'unavailable'].includes(result.code)) break;
      }
      if (!result || !transfer) throw new Error('unreachable');
      if (!result.ok) {
        io.err(`floe-relay: mint refused: ${result.code}: ${result.message}`);
        return 1;
      }
      const balance = (await store.account(to)).balance;
      if (values.json) io.out(JSON.stringify({ transfer, receipt: result.receipt, balance }));
      else io.out(`minted ${amount} to ${to}: leaf ${result.receipt.index}, ${describeCheckpoint(result.receipt.checkpoint)}; balance now ${balance}`);
      return 0;
    } finally {
      await store.close();
    }
  });

  const balanceUsage = 'Usage: floe-relay balance --data DIR --account ACCOUNT_ID [--json]';
  const balance = guard(balanceUsage, async (argv) => {
    const { values, positionals } = parse(argv, { data: { type: 'string' }, account: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) return io.out(balanceUsage), 0;
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const dir = dataDir(values, io);
    const account = accountArg(values.account, '--account');
    const file = join(dir, LEDGER_DB_FILE);
    if (!existsSync(file)) throw new UsageError(`no ledger in ${dir} (start the relay or mint first)`);
    const db = openLedgerDatabase(file, { mustExist: true });
    try {
      const row = db.prepare<[string], { balance: number; seq: number }>('SELECT balance, seq FROM accounts WHERE account = ?').get(account) ?? { balance: 0, seq: 0 };
      io.out(values.json ? JSON.stringify({ account, ...row }) : `${account}: balance ${row.balance}, ${row.seq} transfers paid`);
      return 0;
    } finally {
      db.close();
    }
  });

  const ledgerUsage = 'Usage: floe-relay ledger verify --data DIR';
  const ledger = guard(ledgerUsage, async (argv) => {
    const { values, positionals } = parse(argv, { data: { type: 'string' } });
    if (values.help) return io.out(ledgerUsage), 0;
    if (positionals.length !== 1 || positionals[0] !== 'verify') throw new UsageError(`unknown ledger command "${positionals.join(' ')}"`);
    const dir = dataDir(values, io);
    const file = join(dir, LEDGER_DB_FILE);
    if (!existsSync(file)) throw new UsageError(`no ledger in ${dir}`);
    let keys;
    try {
      keys = readLedgerKeys(dir);
    } catch (err) {
      throw new UsageError(`cannot read the ledger keys: ${(err as Error).message}`);
    }
    const db = openLedgerDatabase(file, { mustExist: true });
    try {
      const report = await verifyLedger(db, { log: keys.ledger.id, operator: keys.operator.id });
      for (const v of report.violations.slice(0, 50)) io.err(`violation: ${v}`);
      if (report.violations.length > 50) io.err(`… and ${report.violations.length - 50} more`);
      const summary = `${report.transfers} transfers, ${report.accounts} accounts, supply ${report.supply}, ${report.checkpoints} checkpoints, root ${report.root}`;
      if (report.violations.length > 0) {
        io.err(`ledger verify FAILED: ${report.violations.length} violation(s) in ${summary}`);
        return 1;
      }
      io.out(`ledger ok: ${summary}`);
      return 0;
    } finally {
      db.close();
    }
  });

  return { mint, balance, ledger };
}
