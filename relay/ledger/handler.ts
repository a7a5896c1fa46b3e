// The ledger's side of /v1: answers the ledger frames of src/core/protocol.ts. The mailbox hub
// (relay/mailbox/hub.ts) owns the connection — handshake, rate limits, framing — and hands each
// decoded ledger frame here with a way to reply.
//
// Invariants:
// - Every request is answered exactly once, carrying its `id`: the answer frame, or one `error`
//   frame with a ledger code (refusals change nothing) or `unavailable` (retry the same request).
// - Queries read the store directly; only transfers go through settlement (settlement.ts).
// - Nothing about who pays whom is logged: the log gets counts and codes, never account ids.
import { MAX_AMOUNT } from '../../src/core/ledger/transfer.ts';
import { encodeHashes, encodeTransferLines } from '../../src/core/ledger/wire.ts';
import type { ErrorCode, LedgerClientHeader, ServerHeader } from '../../src/core/protocol.ts';
import type { AccountId } from '../../src/core/ids.ts';
import type { Logger } from '../log.ts';
import type { KeyPair } from './keys.ts';
import { webCryptoLedger, type LedgerCrypto } from './ledger-crypto.ts';
import { Settlement } from './settlement.ts';
import { createRedPacketService } from '../redpacket/service.ts';
import { isRedPacketKind } from '../../src/core/ledger/redpacket-kinds.ts';
import type { LedgerStore } from './store.ts';

export type Reply = (header: ServerHeader, body?: Uint8Array) => void;

export interface LedgerService {
  /** The ledger key's id and the operator's account, public. */
  readonly log: string;
  readonly operator: AccountId;
  handle(h: LedgerClientHeader, body: Uint8Array, reply: Reply): Promise<void>;
  /** Stops settling, lets queued transfers finish, closes the store. */
  close(): Promise<void>;
}

export interface LedgerServiceOptions {
  store: LedgerStore;
  ledgerKey: KeyPair;
  operator: AccountId;
  log: Logger;
  /** Signature work; WebCrypto by default, worker threads on the relay (ledger-crypto.ts). */
  crypto?: LedgerCrypto;
  now?: () => number;
  /** Red packets (relay/redpacket/): the ledger's SQLite file and how long packets stay open. */
  redpackets?: { file: string; expiryMs: number };
}

export function createLedgerService(opts: LedgerServiceOptions): LedgerService {
  const { store, log } = opts;
  const settlement = new Settlement({
    store,
    crypto: opts.crypto ?? webCryptoLedger(opts.ledgerKey.privateKey),
    operator: opts.operator,
    // The escrow of red packets is the ledger key's account (docs/decisions.md).
    ...(opts.redpackets ? { escrow: opts.ledgerKey.id } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    onError: (err) => log.error({ err, event: 'ledger_settle_failed' }, 'ledger settlement failed'),
  });

  const redpackets = opts.redpackets
    ? createRedPacketService({ ...opts.redpackets, store, settlement, escrow: opts.ledgerKey, operator: opts.operator, now: opts.now ?? Date.now, log })
    : null;

  async function handle(h: LedgerClientHeader, body: Uint8Array, reply: Reply): Promise<void> {
    const refuse = (code: ErrorCode, message: string) => reply({ t: 'error', code, message, id: h.id });
    if (body.length > 0) return refuse('bad-request', 'ledger requests carry no body');
    switch (h.t) {
      case 'transfer': {
        const claimed = typeof h.transfer === 'object' && h.transfer !== null ? (h.transfer as { id?: unknown }).id : undefined;
        if (claimed !== h.id) return refuse('bad-request', "the frame's id must be the transfer's id");
        const kind = (h.transfer as { kind?: unknown }).kind;
        if (typeof kind === 'string' && isRedPacketKind(kind)) return refuse('bad-request', 'red packets are sent with redpacket-create and paid out by the relay');
        const r = await settlement.submit(h.transfer);
        if (!r.ok) {
          if (r.code === 'conflict') log.warn({ event: 'ledger_conflict' }, 'conflicting transfer refused and kept as evidence');
          return refuse(r.code, r.message);
        }
        return reply({ t: 'receipt', id: h.id, receipt: r.receipt });
      }
      case 'balance': {
        const s = await store.account(h.account);
        return reply({ t: 'balance', id: h.id, account: h.account, balance: s.balance, seq: s.seq, head: s.head });
      }
      case 'history': {
        const rows = await store.history(h.account, h.before ?? Number.MAX_SAFE_INTEGER, h.limit + 1);
        const shown = rows.slice(0, h.limit);
        const header: ServerHeader = { t: 'history', id: h.id, account: h.account, indices: shown.map((r) => r.index), more: rows.length > h.limit };
        return reply(header, encodeTransferLines(shown.map((r) => r.bytes)));
      }
      case 'entries': {
        const [rows, size] = [await store.entries(h.from, h.limit), await store.size()];
        return reply({ t: 'entries', id: h.id, from: h.from, count: rows.length, size }, encodeTransferLines(rows));
      }
      case 'inclusion': {
        const proof = await store.inclusionProof(h.index, h.size);
        if (!proof) return refuse('not-found', 'no such leaf in a tree of that size (index must be below size, size at most the log size)');
        return reply({ t: 'inclusion', id: h.id, index: h.index, size: h.size }, encodeHashes(proof));
      }
      case 'consistency': {
        const proof = await store.consistencyProof(h.from, h.to);
        if (!proof) return refuse('not-found', 'no consistency proof between those sizes (from must be at most to, to at most the log size)');
        return reply({ t: 'consistency', id: h.id, from: h.from, to: h.to }, encodeHashes(proof));
      }
      case 'checkpoint': {
        const cp = await store.checkpoint(h.size);
        if (!cp) return refuse('not-found', h.size === undefined ? 'the log is empty' : 'no checkpoint was issued at that size');
        return reply({ t: 'checkpoint', id: h.id, checkpoint: cp });
      }
      case 'ledger-info':
        return reply({ t: 'ledger-info', id: h.id, v: 1, log: opts.ledgerKey.id, operator: opts.operator, maxAmount: MAX_AMOUNT, ...(opts.redpackets ? { packetExpiryMs: opts.redpackets.expiryMs } : {}) });
      case 'redpacket-create':
      case 'redpacket-claim':
      case 'redpacket-status':
        if (!redpackets) return refuse('unknown-kind', 'this relay keeps no red packets');
        return redpackets.handle(h, reply);
    }
  }

  return {
    log: opts.ledgerKey.id,
    operator: opts.operator,
    handle,
    async close() {
      await redpackets?.close();
      await settlement.shutdown();
      await store.close();
    },
  };
}
