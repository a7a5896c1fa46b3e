// Bodies of the ledger's /v1 frames. Headers are small JSON (protocol.ts); lists that may grow
// travel in the frame body, where the 4 KiB header bound does not apply and nothing is
// re-encoded:
// - proofs: the 32-byte hashes concatenated, in proof order;
// - transfers (`entries`, `history`): the canonical encodings of the signed transfers, one per
//   line ('\n' never occurs in canonical JSON), byte for byte as the log stores them.
//
// Invariant: decoders are total and strict; a body that does not decode is refused whole.
import { concatBytes } from '../bytes.ts';
import { HASH_BYTES } from './merkle.ts';
import { refuse, type Checked } from './refusal.ts';
import { decodeTransfer, type SignedTransfer } from './transfer.ts';

/** A proof of a tree of up to 2^64 leaves has at most 2 × 64 hashes. */
export const MAX_PROOF_HASHES = 128;
const NEWLINE = 0x0a;

export const encodeHashes = (hashes: Uint8Array[]): Uint8Array => concatBytes(...hashes);

export function decodeHashes(body: Uint8Array): Uint8Array[] | null {
  if (body.length % HASH_BYTES !== 0 || body.length / HASH_BYTES > MAX_PROOF_HASHES) return null;
  const out: Uint8Array[] = [];
  for (let o = 0; o < body.length; o += HASH_BYTES) out.push(body.slice(o, o + HASH_BYTES));
  return out;
}

export function encodeTransferLines(transfers: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  transfers.forEach((t, i) => {
    if (i > 0) parts.push(Uint8Array.of(NEWLINE));
    parts.push(t);
  });
  return concatBytes(...parts);
}

/** Splits a body into the exact byte strings of its transfers (no parsing). */
export function splitTransferLines(body: Uint8Array): Uint8Array[] {
  if (body.length === 0) return [];
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body[i] === NEWLINE) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

export function decodeTransferLines(body: Uint8Array): Checked<SignedTransfer[]> {
  const out: SignedTransfer[] = [];
  for (const line of splitTransferLines(body)) {
    const t = decodeTransfer(line);
    if (!t.ok) return refuse('bad-request', `a listed transfer does not decode: ${t.refusal.message}`);
    out.push(t.value);
  }
  return { ok: true, value: out };
}
