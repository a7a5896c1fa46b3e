import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url, toHex } from '../bytes.ts';
import { generateSigningKeyPair } from '../crypto.ts';
import { relateCheckpoints, verifyCheckpoint, verifyConsistency, verifyInclusion, verifyReceipt } from './audit.ts';
import { signCheckpoint, signReceipt, type SignedCheckpoint } from './checkpoint.ts';
import { consistencyPath, inclusionPath, MemoryTree } from './merkle.ts';
import { TestAccount } from './testing.ts';
import { encodeTransfer, transferHash, type SignedTransfer } from './transfer.ts';
import { decodeHashes, decodeTransferLines, encodeHashes, encodeTransferLines } from './wire.ts';

const digest = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

/** A tiny honest relay: a tree of transfers and the ledger key that signs it. */
let ledger: { publicKey: Uint8Array; privateKey: Uint8Array };
let log: string;
let transfers: SignedTransfer[];
const tree = new MemoryTree(digest);
const checkpointAt = (size: number, time = 1000 + size) => signCheckpoint(ledger.privateKey, { v: 1, log, size, root: toHex(tree.root(size)), time });

beforeAll(async () => {
  ledger = await generateSigningKeyPair();
  log = toBase64Url(ledger.publicKey);
  const [op, alice] = await Promise.all([TestAccount.create(), TestAccount.create()]);
  transfers = [];
  for (let i = 0; i < 6; i++) {
    const t = await op.sign(alice.id, 10 + i, { kind: 'mint' });
    await op.settled(t);
    transfers.push(t);
    tree.append(encodeTransfer(t));
  }
});

async function receiptFor(index: number, size: number) {
  const t = transfers[index]!;
  return signReceipt(ledger.privateKey, { v: 1, id: t.id, hash: await transferHash(t), index, checkpoint: await checkpointAt(size) });
}

describe('checkpoints and receipts', () => {
  it('verifies an honest receipt and its checkpoint, with and without the transfer', async () => {
    const r = await receiptFor(2, 4);
    expect(await verifyReceipt(r, { log })).toMatchObject({ ok: true });
    expect(await verifyReceipt(JSON.parse(JSON.stringify(r)), { log, transfer: transfers[2]! })).toMatchObject({ ok: true });
    expect(await verifyCheckpoint(r.checkpoint, log)).toMatchObject({ ok: true });
  });

  it('names what is wrong with a bad receipt', async () => {
    const r = await receiptFor(2, 4);
    const other = await generateSigningKeyPair();
    const foreign = await signReceipt(other.privateKey, { ...r, checkpoint: await signCheckpoint(other.privateKey, { ...r.checkpoint, log: toBase64Url(other.publicKey) }) });
    const problem = async (input: unknown, transfer?: SignedTransfer) => {
      const v = await verifyReceipt(input, { log, ...(transfer ? { transfer } : {}) });
      return v.ok ? 'ok' : v.problem;
    };
    expect(await problem({ ...r, extra: 1 })).toBe('malformed');
    expect(await problem('receipt')).toBe('malformed');
    expect(await problem({ ...r, index: 3 })).toBe('bad-signature');
    expect(await problem({ ...r, checkpoint: { ...r.checkpoint, size: 5 } })).toBe('bad-signature');
    expect(await problem(foreign)).toBe('wrong-log');
    expect(await problem(r, transfers[1])).toBe('mismatch');
    expect(await problem(await signReceipt(ledger.privateKey, { ...r, index: 4 }))).toBe('mismatch'); // index ≥ size
    expect(await problem(await signReceipt(ledger.privateKey, { ...r, id: transfers[2]!.id }), { ...transfers[2]!, memo: 'changed' })).toBe('mismatch');
  });

  it('verifies inclusion in the receipt checkpoint and in a later one, and refuses a wrong proof', async () => {
    const r = await receiptFor(2, 4);
    const proof = inclusionPath(tree.read, 2, 4, digest);
    expect(await verifyInclusion(r, transfers[2]!, proof)).toEqual({ ok: true, value: true });
    const later = await checkpointAt(6);
    expect(await verifyInclusion(r, transfers[2]!, inclusionPath(tree.read, 2, 6, digest), later)).toEqual({ ok: true, value: true });
    expect(await verifyInclusion(r, transfers[2]!, inclusionPath(tree.read, 3, 4, digest))).toMatchObject({ ok: false, problem: 'bad-proof' });
    expect(await verifyInclusion(r, transfers[3]!, proof)).toMatchObject({ ok: false, problem: 'mismatch' });
  });
});

describe('split views', () => {
  it('relates checkpoints: same, needs a proof (either order), or a fork with evidence', async () => {
    const [c3, c5] = [await checkpointAt(3), await checkpointAt(5)];
    expect(relateCheckpoints(c3, await checkpointAt(3, 99))).toEqual({ kind: 'same' });
    expect(relateCheckpoints(c5, c3)).toEqual({ kind: 'needs-proof', older: c3, newer: c5 });
    const forked = await signCheckpoint(ledger.privateKey, { ...c3, root: toHex(tree.root(4)) } as SignedCheckpoint);
    expect(relateCheckpoints(c3, forked)).toEqual({ kind: 'split-view', evidence: [c3, forked] });
  });

  it('verifies consistency of an honest log and catches a relay that rewrote history', async () => {
    const [c2, c6] = [await checkpointAt(2), await checkpointAt(6)];
    expect(await verifyConsistency(c2, c6, consistencyPath(tree.read, 2, 6, digest))).toEqual({ ok: true, value: true });
    // The relay shows someone else a log where leaf 1 is different, then cannot prove it extends c2.
    const evil = new MemoryTree(digest);
    transfers.forEach((t, i) => evil.append(encodeTransfer(i === 1 ? { ...t, memo: 'rewritten' } : t)));
    const e6 = await signCheckpoint(ledger.privateKey, { v: 1, log, size: 6, root: toHex(evil.root(6)), time: 2000 });
    for (const proof of [consistencyPath(evil.read, 2, 6, digest), consistencyPath(tree.read, 2, 6, digest)]) {
      expect(await verifyConsistency(c2, e6, proof)).toMatchObject({ ok: false, problem: 'split-view' });
    }
    expect(await verifyConsistency(c6, c2, [])).toMatchObject({ ok: false, problem: 'mismatch' });
  });
});

describe('wire bodies', () => {
  it('round-trips proofs and transfer lists byte for byte, refusing damaged bodies', () => {
    const proof = inclusionPath(tree.read, 1, 6, digest);
    expect(decodeHashes(encodeHashes(proof))).toEqual(proof);
    expect(decodeHashes(new Uint8Array(33))).toBeNull();
    expect(decodeHashes(new Uint8Array(0))).toEqual([]);
    const body = encodeTransferLines(transfers.map(encodeTransfer));
    expect(decodeTransferLines(body)).toEqual({ ok: true, value: transfers });
    expect(decodeTransferLines(new Uint8Array(0))).toEqual({ ok: true, value: [] });
    expect(decodeTransferLines(new Uint8Array([...body, 0x0a, 0x7b]))).toMatchObject({ ok: false });
  });
});
