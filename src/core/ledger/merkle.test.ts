// RFC 6962 Merkle tree against published test vectors.
//
// Vectors (data only, not code) from transparency-dev/merkle, the reference implementation
// behind Certificate Transparency and the Go checksum database:
// - leaf/node hashes: rfc6962/rfc6962_test.go (TestRFC6962Hasher)
// - leaves, roots of sizes 1–8, inclusion and consistency proofs: proof/verify_test.go
//   (`leaves`, `roots`, `inclusionProofs`, `consistencyProofs`; there, leaf numbers are 1-based)
// https://github.com/transparency-dev/merkle
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../bytes.ts';
import {
  consistencyPath,
  EMPTY_ROOT_HEX,
  inclusionPath,
  leafHash,
  leafPreimage,
  MemoryTree,
  nodePreimage,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './merkle.ts';

const digest = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const h = fromHex;

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** [leaf index (0-based), tree size, proof] */
const INCLUSION: [number, number, string[]][] = [
  [0, 1, []],
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
/** [size1, size2, proof] */
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

function treeOf(n: number): MemoryTree {
  const tree = new MemoryTree(digest);
  for (const leaf of LEAVES.slice(0, n)) tree.append(leaf);
  return tree;
}

const flip = (x: Uint8Array, bit = 8) => {
  const y = x.slice();
  y[0]! ^= bit;
  return y;
};

describe('RFC 6962 hashing', () => {
  it('matches the reference leaf, node and empty-tree hashes', () => {
    expect(toHex(digest(new Uint8Array(0)))).toBe(EMPTY_ROOT_HEX);
    expect(toHex(digest(leafPreimage(new Uint8Array(0))))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(toHex(digest(leafPreimage(utf8('L123456'))))).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    expect(toHex(digest(nodePreimage(utf8('N123'), utf8('N456'))))).toBe('aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb');
  });

  it('computes the published roots of trees of 0 to 8 leaves, incrementally', async () => {
    expect(toHex(new MemoryTree(digest).root())).toBe(EMPTY_ROOT_HEX);
    const tree = treeOf(8);
    for (let n = 1; n <= 8; n++) {
      expect(toHex(tree.root(n)), `size ${n}`).toBe(ROOTS[n - 1]);
      expect(toHex(treeOf(n).root()), `size ${n}`).toBe(ROOTS[n - 1]);
    }
    expect(toHex(await leafHash(LEAVES[0]!))).toBe(ROOTS[0]); // the WebCrypto path agrees
  });
});

describe('inclusion proofs', () => {
  const tree = treeOf(8);
  it('generates exactly the published proofs', () => {
    for (const [index, size, proof] of INCLUSION) expect(inclusionPath(tree.read, index, size, digest).map(toHex), `${index}/${size}`).toEqual(proof);
  });

  it('verifies them, and refuses every corruption of index, size, leaf, root or path', async () => {
    for (const [index, size, hex] of INCLUSION) {
      const proof = hex.map(h);
      const root = h(ROOTS[size - 1]!);
      const leaf = digest(leafPreimage(LEAVES[index]!));
      expect(await verifyInclusionProof(index, size, leaf, proof, root), `${index}/${size}`).toBe(true);
      const bad: [string, Promise<boolean>][] = [
        ['index - 1', verifyInclusionProof(index - 1, size, leaf, proof, root)],
        ['index + 1', verifyInclusionProof(index + 1, size, leaf, proof, root)],
        ['index ^ 2', verifyInclusionProof(index ^ 2, size, leaf, proof, root)],
        ['size * 2', verifyInclusionProof(index, size * 2, leaf, proof, root)],
        ['size / 2', verifyInclusionProof(index, Math.floor(size / 2), leaf, proof, root)],
        ['wrong leaf', verifyInclusionProof(index, size, digest(utf8('WrongLeaf')), proof, root)],
        ['empty root', verifyInclusionProof(index, size, leaf, proof, h(EMPTY_ROOT_HEX))],
        ['trailing garbage', verifyInclusionProof(index, size, leaf, [...proof, new Uint8Array(0)], root)],
        ['trailing root', verifyInclusionProof(index, size, leaf, [...proof, root], root)],
        ['preceding root', verifyInclusionProof(index, size, leaf, [root, ...proof], root)],
        ['removed component', proof.length > 0 ? verifyInclusionProof(index, size, leaf, proof.slice(0, -1), root) : Promise.resolve(false)],
        ...proof.map((_, i): [string, Promise<boolean>] => [`flipped proof[${i}]`, verifyInclusionProof(index, size, leaf, proof.map((p, j) => (i === j ? flip(p) : p)), root)]),
      ];
      for (const [what, verdict] of bad) expect(await verdict, `${index}/${size}: ${what}`).toBe(false);
    }
  });

  it('refuses impossible positions', async () => {
    const some = digest(utf8('x'));
    for (const [index, size] of [[0, 0], [1, 0], [2, 1], [-1, 4], [0.5, 4]] as const) {
      expect(await verifyInclusionProof(index, size, some, [], some)).toBe(false);
    }
  });

  it('generated proofs verify for every leaf of every size up to 48', async () => {
    const big = new MemoryTree(digest);
    for (let i = 0; i < 48; i++) big.append(utf8(`leaf ${i}`));
    for (let size = 1; size <= 48; size++) {
      const root = big.root(size);
      for (let index = 0; index < size; index++) {
        const proof = inclusionPath(big.read, index, size, digest);
        expect(await verifyInclusionProof(index, size, big.read(0, index), proof, root), `${index}/${size}`).toBe(true);
      }
    }
  });
});

describe('consistency proofs', () => {
  const tree = treeOf(8);
  it('generates exactly the published proofs', () => {
    for (const [m, n, proof] of CONSISTENCY) expect(consistencyPath(tree.read, m, n, digest).map(toHex), `${m}→${n}`).toEqual(proof);
  });

  it('verifies them, and refuses every corruption of sizes, roots or path', async () => {
    for (const [m, n, hex] of CONSISTENCY) {
      const proof = hex.map(h);
      const [r1, r2] = [h(ROOTS[m - 1]!), h(ROOTS[n - 1]!)];
      expect(await verifyConsistencyProof(m, n, r1, r2, proof), `${m}→${n}`).toBe(true);
      if (proof.length === 0) continue;
      const bad: [string, Promise<boolean>][] = [
        ['size1 - 1', verifyConsistencyProof(m - 1, n, r1, r2, proof)],
        ['size1 + 1', verifyConsistencyProof(m + 1, n, r1, r2, proof)],
        ['size1 ^ 2', verifyConsistencyProof(m ^ 2, n, r1, r2, proof)],
        ['size2 * 2', verifyConsistencyProof(m, n * 2, r1, r2, proof)],
        ['size2 / 2', verifyConsistencyProof(m, Math.floor(n / 2), r1, r2, proof)],
        ['wrong root1', verifyConsistencyProof(m, n, utf8('WrongRoot'), r2, proof)],
        ['wrong root2', verifyConsistencyProof(m, n, r1, flip(r2), proof)],
        ['swapped roots', verifyConsistencyProof(m, n, r2, r1, proof)],
        ['empty proof', verifyConsistencyProof(m, n, r1, r2, [])],
        ['trailing root1', verifyConsistencyProof(m, n, r1, r2, [...proof, r1])],
        ['preceding root2', verifyConsistencyProof(m, n, r1, r2, [r2, ...proof])],
        ['preceding proof[0]', verifyConsistencyProof(m, n, r1, r2, [proof[0]!, ...proof])],
        ['truncated', verifyConsistencyProof(m, n, r1, r2, proof.slice(0, -1))],
        ...proof.map((_, i): [string, Promise<boolean>] => [`flipped proof[${i}]`, verifyConsistencyProof(m, n, r1, r2, proof.map((p, j) => (i === j ? flip(p, 16) : p)))]),
      ];
      for (const [what, verdict] of bad) expect(await verdict, `${m}→${n}: ${what}`).toBe(false);
    }
  });

  it('handles the trivial cases as the reference does', async () => {
    const [a, b] = [h(ROOTS[0]!), h(ROOTS[1]!)];
    const empty = h(EMPTY_ROOT_HEX);
    expect(await verifyConsistencyProof(0, 0, a, a, [])).toBe(true);
    expect(await verifyConsistencyProof(0, 1, a, b, [])).toBe(true);
    expect(await verifyConsistencyProof(1, 1, b, b, [])).toBe(true);
    expect(await verifyConsistencyProof(0, 0, a, b, [])).toBe(false);
    expect(await verifyConsistencyProof(1, 1, a, b, [])).toBe(false);
    expect(await verifyConsistencyProof(1, 0, a, b, [])).toBe(false);
    expect(await verifyConsistencyProof(2, 1, a, b, [])).toBe(false);
    expect(await verifyConsistencyProof(1, 2, a, b, [])).toBe(false);
    expect(await verifyConsistencyProof(0, 1, empty, empty, [empty])).toBe(false);
    expect(await verifyConsistencyProof(1, 1, empty, empty, [empty])).toBe(false);
  });

  it('generated proofs verify between every pair of sizes up to 40', async () => {
    const big = new MemoryTree(digest);
    for (let i = 0; i < 40; i++) big.append(utf8(`leaf ${i}`));
    for (let n = 1; n <= 40; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = consistencyPath(big.read, m, n, digest);
        expect(await verifyConsistencyProof(m, n, big.root(m), big.root(n), proof), `${m}→${n}`).toBe(true);
      }
    }
  });
});
