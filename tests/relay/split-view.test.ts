// Split-view detection (src/app/ledger-audit.ts) against a real relay: checkpoints a contact
// passes on are related to our own, with the relay's consistency proofs. A checkpoint of the same
// size with another root, or one the relay cannot prove its log extends, is a split view; one not
// signed by the relay's ledger key proves nothing; an unreachable relay is not evidence.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toBase64Url, toHex } from '../../src/core/bytes.ts';
import { generateSigningKeyPair } from '../../src/core/crypto.ts';
import { signCheckpoint, type SignedCheckpoint } from '../../src/core/ledger/index.ts';
import { auditCheckpoint, consistencyProof } from '../../src/app/ledger-audit.ts';
import { MailboxClient, type SocketLike } from '../../src/net/mailbox.ts';
import { readLedgerKeys } from '../../relay/ledger/keys.ts';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';

let relay: RelayProcess;
let client: MailboxClient;
let log: string;

const mint = async (amount: number) => {
  const to = toBase64Url((await generateSigningKeyPair()).publicKey);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'mint', '--data', relay.dataDir, '--to', to, '--amount', String(amount)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
};
const checkpoint = async (): Promise<SignedCheckpoint> => {
  const f = await client.request({ t: 'checkpoint', id: MailboxClient.newPushId() });
  if (f.header.t !== 'checkpoint') throw new Error('no checkpoint');
  return f.header.checkpoint as SignedCheckpoint;
};
const prove = (a: SignedCheckpoint, b: SignedCheckpoint) => consistencyProof(client, a, b);
const waitForSize = async (size: number) => {
  for (let i = 0; i < 100; i++) {
    const cp = await checkpoint();
    if (cp.size >= size) return cp;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the log never reached ${size}`);
};

beforeAll(async () => {
  relay = await startRelay();
  client = new MailboxClient({ url: relay.signalUrl.replace('/signal', '/v1'), makeSocket: (u) => new WebSocket(u) as unknown as SocketLike });
  client.start();
  for (let i = 0; i < 100 && !client.connected; i++) await new Promise((r) => setTimeout(r, 50));
  const info = await client.request({ t: 'ledger-info', id: MailboxClient.newPushId() });
  if (info.header.t !== 'ledger-info') throw new Error('no ledger info');
  log = info.header.log;
});
afterAll(async () => {
  client?.stop();
  await relay?.stop();
});

describe('split-view audit', () => {
  it('accepts checkpoints the relay proves consistent, in either order', async () => {
    await mint(10);
    await mint(20);
    const older = await waitForSize(2);
    await mint(30);
    const newer = await waitForSize(3);
    expect(await auditCheckpoint(log, older, newer, prove)).toEqual({ kind: 'consistent', newest: newer });
    expect(await auditCheckpoint(log, newer, JSON.parse(JSON.stringify(older)), prove)).toEqual({ kind: 'consistent', newest: newer });
    expect(await auditCheckpoint(log, null, newer, prove)).toEqual({ kind: 'consistent', newest: newer });
  });

  it('catches a forked log: same size with another root, or a size the relay cannot prove', async () => {
    const mine = await checkpoint();
    const key = readLedgerKeys(relay.dataDir).ledger;
    // What a relay that forked its log would show someone else: validly signed by its key.
    const fork = await signCheckpoint(key.privateKey, { v: 1, log, size: mine.size, root: toHex(crypto.getRandomValues(new Uint8Array(32))), time: Date.now() });
    const same = await auditCheckpoint(log, mine, fork, prove);
    expect(same.kind).toBe('split-view');
    const ahead = await signCheckpoint(key.privateKey, { v: 1, log, size: mine.size + 5, root: toHex(crypto.getRandomValues(new Uint8Array(32))), time: Date.now() });
    const unprovable = await auditCheckpoint(log, mine, ahead, prove);
    expect(unprovable.kind).toBe('split-view');
    if (unprovable.kind === 'split-view') expect(unprovable.evidence).toEqual([mine, ahead]);
  });

  it('ignores checkpoints not signed by the relay, junk, and an unreachable relay', async () => {
    const mine = await checkpoint();
    const stranger = await generateSigningKeyPair();
    const forged = await signCheckpoint(stranger.privateKey, { v: 1, log, size: mine.size, root: '00'.repeat(32), time: Date.now() });
    expect((await auditCheckpoint(log, mine, forged, prove)).kind).toBe('ignored');
    for (const junk of [null, 'x', {}, { ...mine, size: -1 }]) expect((await auditCheckpoint(log, mine, junk, prove)).kind).toBe('ignored');
    await mint(1);
    const newer = await waitForSize(mine.size + 1);
    client.stop();
    expect((await auditCheckpoint(log, mine, newer, prove)).kind).toBe('ignored');
    client.start();
  });
});
