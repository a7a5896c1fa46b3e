import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/core/bytes.ts';
import { verify } from '../../src/core/crypto.ts';
import { LEDGER_KEY_FILE, loadLedgerKeys, OPERATOR_KEY_FILE, readLedgerKeys } from './keys.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'floe-keys-'));

describe('ledger keys', () => {
  it('are created once, mode 0600, and the same on every later load', async () => {
    const d = dir();
    expect(() => readLedgerKeys(d)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const first = loadLedgerKeys(d);
    for (const f of [LEDGER_KEY_FILE, OPERATOR_KEY_FILE]) expect(statSync(join(d, f)).mode & 0o777, f).toBe(0o600);
    expect(readdirSync(d).sort()).toEqual([LEDGER_KEY_FILE, OPERATOR_KEY_FILE].sort()); // no temporary files left
    const again = loadLedgerKeys(d);
    expect([again.ledger.id, again.operator.id]).toEqual([first.ledger.id, first.operator.id]);
    expect(first.ledger.id).not.toBe(first.operator.id);
    // The synchronous (node:crypto) signature verifies with WebCrypto under the public id.
    const message = Uint8Array.of(1, 2, 3);
    expect(await verify(fromBase64Url(first.ledger.id)!, first.ledger.signSync(message), message)).toBe(true);
  });

  it('refuses a key file readable by others, a damaged one, and one whose halves do not match', () => {
    const d = dir();
    loadLedgerKeys(d);
    chmodSync(join(d, LEDGER_KEY_FILE), 0o644);
    expect(() => loadLedgerKeys(d)).toThrow(/readable by other users.*chmod 600/);
    chmodSync(join(d, LEDGER_KEY_FILE), 0o600);
    const file = JSON.parse(readFileSync(join(d, OPERATOR_KEY_FILE), 'utf8')) as { publicKey: string };
    writeFileSync(join(d, OPERATOR_KEY_FILE), JSON.stringify({ ...file, publicKey: 'A'.repeat(43) }), { mode: 0o600 });
    expect(() => loadLedgerKeys(d)).toThrow(/does not match/);
    writeFileSync(join(d, OPERATOR_KEY_FILE), 'not json', { mode: 0o600 });
    expect(() => loadLedgerKeys(d)).toThrow(/not a key file/);
  });
});
