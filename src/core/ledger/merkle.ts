// The transparency log's Merkle tree, exactly as RFC 6962 §2.1 (and RFC 9162 §2.1) define it:
// leaf hash SHA-256(0x00 ‖ leaf), node hash SHA-256(0x01 ‖ left ‖ right), the root of n leaves
// split at the largest power of two below n; inclusion proofs (audit paths) and consistency
// proofs as RFC 6962 §2.1.1–2.1.2 generate them, verified by the algorithms of RFC 9162
// §2.1.3.2 and §2.1.4.2.
//
// Two halves with different needs:
// - Building and proving run on the relay, over stored nodes, inside its settlement transaction:
//   synchronous, with the hash function passed in (the relay passes node:crypto's SHA-256;
//   nothing here imports Node).
// - Verifying runs in the browser: asynchronous, WebCrypto's SHA-256 by default.
//
// Invariants:
// - A tree is read only through complete subtrees: `read(level, index)` is the hash of the
//   2^level leaves starting at index·2^level, which never changes once the tree holds them. So
//   the relay stores each such node once, and a proof for any older size is still servable.
// - Sizes and indices are plain numbers up to 2^53: halving uses arithmetic, not 32-bit shifts.
// - Verifiers never throw: malformed proofs, hashes of the wrong length and impossible sizes
//   simply do not verify.
import { bytesEqual, concatBytes } from '../bytes.ts';
import { sha256 } from '../crypto.ts';

export const HASH_BYTES = 32;
/** SHA-256 of nothing: the root of the empty tree. */
export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type SyncDigest = (data: Uint8Array) => Uint8Array;
export type AsyncDigest = (data: Uint8Array) => Promise<Uint8Array>;
/** Hash of the complete subtree of 2^level leaves that starts at leaf index·2^level. */
export type NodeReader = (level: number, index: number) => Uint8Array;

export const leafPreimage = (leaf: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(0), leaf);
export const nodePreimage = (left: Uint8Array, right: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(1), left, right);

const half = (n: number) => Math.floor(n / 2);
const isOdd = (n: number) => n % 2 === 1;
const isPowerOfTwo = (n: number) => n >= 1 && 2 ** Math.round(Math.log2(n)) === n;

/** The largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of the `count` leaves from `start`, where `start` is a multiple of splitPoint-sized subtrees. */
export function subtreeHash(read: NodeReader, start: number, count: number, digest: SyncDigest): Uint8Array {
  if (isPowerOfTwo(count)) return read(Math.round(Math.log2(count)), start / count);
  const k = splitPoint(count);
  return digest(nodePreimage(subtreeHash(read, start, k, digest), subtreeHash(read, start + k, count - k, digest)));
}

/** The tree head (MTH) of the first `size` leaves. */
export function rootAt(read: NodeReader, size: number, digest: SyncDigest): Uint8Array {
  return size === 0 ? digest(new Uint8Array(0)) : subtreeHash(read, 0, size, digest);
}

/**
 * The nodes (level ≥ 1) that become complete when leaf number `index` (0-based) with hash
 * `leafHash` is appended. The caller stores them together with the leaf itself (level 0).
 */
export function completedNodes(read: NodeReader, index: number, leafHash: Uint8Array, digest: SyncDigest): { level: number; index: number; hash: Uint8Array }[] {
  const out: { level: number; index: number; hash: Uint8Array }[] = [];
  let node = leafHash;
  let i = index;
  for (let level = 0; isOdd(i); level++) {
    node = digest(nodePreimage(read(level, i - 1), node));
    i = half(i);
    out.push({ level: level + 1, index: i, hash: node });
  }
  return out;
}

/** RFC 6962 PATH(m, D[n]): siblings from the leaf up. Requires index < size. */
export function inclusionPath(read: NodeReader, index: number, size: number, digest: SyncDigest): Uint8Array[] {
  const path = (m: number, start: number, n: number): Uint8Array[] => {
    if (n <= 1) return [];
    const k = splitPoint(n);
    return m < k ? [...path(m, start, k), subtreeHash(read, start + k, n - k, digest)] : [...path(m - k, start + k, n - k), subtreeHash(read, start, k, digest)];
  };
  return path(index, 0, size);
}

/** RFC 6962 PROOF(m, D[n]) for 0 < m < n; empty for m = 0 or m = n. Requires m ≤ n. */
export function consistencyPath(read: NodeReader, m: number, n: number, digest: SyncDigest): Uint8Array[] {
  const sub = (m: number, start: number, n: number, whole: boolean): Uint8Array[] => {
    if (m === n) return whole ? [] : [subtreeHash(read, start, n, digest)];
    const k = splitPoint(n);
    return m <= k
      ? [...sub(m, start, k, whole), subtreeHash(read, start + k, n - k, digest)]
      : [...sub(m - k, start + k, n - k, false), subtreeHash(read, start, k, digest)];
  };
  return m === 0 || m === n ? [] : sub(m, 0, n, true);
}

/** An in-memory tree: the memory store's log, and a verifier's recomputation of a whole log. */
export class MemoryTree {
  /** levels[l][i] = read(l, i). */
  private readonly levels: Uint8Array[][] = [[]];

  constructor(private readonly digest: SyncDigest) {}

  get size(): number {
    return this.levels[0]!.length;
  }

  readonly read: NodeReader = (level, index) => {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete node at level ${level}, index ${index}`);
    return hash;
  };

  /** Appends a leaf (its data, not its hash) and returns the leaf hash. */
  append(leaf: Uint8Array): Uint8Array {
    const leafHash = this.digest(leafPreimage(leaf));
    const index = this.size;
    const nodes = completedNodes(this.read, index, leafHash, this.digest);
    this.levels[0]!.push(leafHash);
    for (const n of nodes) (this.levels[n.level] ??= []).push(n.hash);
    return leafHash;
  }

  root(size = this.size): Uint8Array {
    return rootAt(this.read, size, this.digest);
  }
}

const wellFormed = (hashes: Uint8Array[]) => hashes.every((h) => h.length === HASH_BYTES);

/**
 * RFC 9162 §2.1.3.2: does `proof` show that the leaf with hash `leafHash` is leaf `index` of the
 * tree of `size` leaves whose root is `root`?
 */
export async function verifyInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
  digest: AsyncDigest = sha256,
): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leafHash.length !== HASH_BYTES || root.length !== HASH_BYTES || !wellFormed(proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = await digest(nodePreimage(p, r));
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await digest(nodePreimage(r, p));
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `m` leaves with root `rootM` is a prefix
 * of the tree of `n` leaves with root `rootN`? Equal sizes need equal roots and an empty proof;
 * the empty tree is a prefix of every tree.
 */
export async function verifyConsistencyProof(
  m: number,
  n: number,
  rootM: Uint8Array,
  rootN: Uint8Array,
  proof: Uint8Array[],
  digest: AsyncDigest = sha256,
): Promise<boolean> {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (!wellFormed(proof)) return false;
  if (m === n) return proof.length === 0 && rootM.length === HASH_BYTES && bytesEqual(rootM, rootN);
  if (m === 0) return proof.length === 0;
  if (proof.length === 0 || rootM.length !== HASH_BYTES || rootN.length !== HASH_BYTES) return false;
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await digest(nodePreimage(c, fr));
      sr = await digest(nodePreimage(c, sr));
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await digest(nodePreimage(sr, c));
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, rootM) && bytesEqual(sr, rootN);
}

/** The leaf hash of `leaf` with WebCrypto, for clients checking their own transfer's inclusion. */
export const leafHash = async (leaf: Uint8Array, digest: AsyncDigest = sha256): Promise<Uint8Array> => digest(leafPreimage(leaf));
