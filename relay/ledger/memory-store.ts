// The in-memory LedgerStore: the same settlement (settle-tx.ts) over plain maps, for tests and
// for trying a relay out. It keeps nothing across restarts, so a real relay never uses it.
// A batch cannot half-apply: settleInTx only throws on a bug, and then the store is discarded.
import { consistencyPath, inclusionPath } from '../../src/core/ledger/merkle.ts';
import { EMPTY_ACCOUNT, type AccountState } from '../../src/core/ledger/rules.ts';
import type { SignedCheckpoint } from '../../src/core/ledger/checkpoint.ts';
import { settleInTx, sha256, treeNodeIndex, type LedgerTx, type Settled } from './settle-tx.ts';
import type { Evidence, LedgerStore, LedgerStoreOptions, SettleOutcome, SettleRequest } from './store.ts';

export class MemoryLedgerStore implements LedgerStore {
  private readonly log: (SettleRequest & { index: number })[] = [];
  private readonly ids = new Map<string, Settled>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly nodes = new Map<string, Uint8Array>();
  private readonly checkpoints: SignedCheckpoint[] = [];
  private readonly proofs: Map<string, Evidence & { payer: string }> = new Map();
  private minted = 0;
  private readonly tx: LedgerTx;

  constructor(private readonly opts: LedgerStoreOptions) {
    this.tx = {
      size: () => this.log.length,
      supply: () => this.minted,
      setSupply: (supply) => {
        this.minted = supply;
      },
      byId: (id) => this.ids.get(id),
      account: (id) => ({ ...(this.accounts.get(id) ?? EMPTY_ACCOUNT) }),
      putAccount: (id, s) => void this.accounts.set(id, { ...s }),
      putTransfer: (index, req, tree) => {
        this.log.push({ ...req, index });
        tree.forEach((hash, level) => this.nodes.set(`${level}/${treeNodeIndex(index, level)}`, hash));
        this.ids.set(req.transfer.id, { index, hash: req.hash });
      },
      node: (level, index) => {
        const hash = this.nodes.get(`${level}/${index}`);
        if (!hash) throw new Error(`no Merkle node (${level}, ${index})`);
        return hash;
      },
      latestCheckpoint: () => this.checkpoints.at(-1),
      checkpointCovering: (index) => {
        const cp = this.checkpoints.find((c) => c.size > index);
        if (!cp) throw new Error(`no checkpoint covers leaf ${index}`);
        return cp;
      },
      putCheckpoint: (cp) => void this.checkpoints.push(cp),
      evidenceCount: (payer) => [...this.proofs.values()].filter((e) => e.payer === payer).length,
      putEvidence: (req, reason, now) => {
        if (!this.proofs.has(req.hash)) this.proofs.set(req.hash, { bytes: req.bytes, reason, received: now, payer: req.transfer.from });
      },
    };
  }

  async settleBatch(requests: SettleRequest[], now: number): Promise<SettleOutcome[]> {
    return settleInTx(this.tx, requests, now, this.opts);
  }

  async account(id: string): Promise<AccountState> {
    return this.tx.account(id);
  }

  async size(): Promise<number> {
    return this.log.length;
  }

  async supply(): Promise<number> {
    return this.minted;
  }

  async checkpoint(size?: number): Promise<SignedCheckpoint | null> {
    return (size === undefined ? this.checkpoints.at(-1) : this.checkpoints.find((c) => c.size === size)) ?? null;
  }

  async entries(from: number, limit: number): Promise<Uint8Array[]> {
    return this.log.slice(from, from + limit).map((e) => e.bytes);
  }

  async history(account: string, before: number, limit: number): Promise<{ index: number; bytes: Uint8Array }[]> {
    const out: { index: number; bytes: Uint8Array }[] = [];
    for (let i = Math.min(before, this.log.length) - 1; i >= 0 && out.length < limit; i--) {
      const e = this.log[i]!;
      if (e.transfer.from === account || e.transfer.to === account) out.push({ index: i, bytes: e.bytes });
    }
    return out;
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[] | null> {
    return index < size && size <= this.log.length ? inclusionPath(this.tx.node, index, size, sha256) : null;
  }

  async consistencyProof(from: number, to: number): Promise<Uint8Array[] | null> {
    return from <= to && to <= this.log.length ? consistencyPath(this.tx.node, from, to, sha256) : null;
  }

  async evidence(limit: number): Promise<Evidence[]> {
    return [...this.proofs.values()].slice(0, limit).map(({ bytes, reason, received }) => ({ bytes, reason, received }));
  }

  async close(): Promise<void> {}
}
