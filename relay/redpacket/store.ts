// The relay's red-packet tables, in the ledger's SQLite file (DATA/ledger.sqlite) on a connection
// of their own. They hold what the log does not: each packet's seed until it is revealed, its
// precomputed split, and the escrow payouts (claims and refunds) from the moment they are
// decided and signed until the ledger has settled them.
//
// Invariants:
// - A payout row is written (signed, with its escrow seq) BEFORE it is submitted for
//   settlement, like the app persists a payment before sending it: after a crash the same
//   signed transfer is submitted again, and settlement's idempotency makes that harmless.
// - Payout rows chain: escrow_seq is the escrow account's seq, consecutive, each row's transfer
//   `prev` is the hash of the row before (or of the escrow's head when there is none pending).
// - One claim per (packet, claimer) and per (packet, share): unique indexes, whatever the code
//   above does. Only the SHA-256 of a claim secret is stored, never the secret.
// - All access is synchronous better-sqlite3 in one process, so these transactions never
//   interleave with the ledger store's (which are synchronous too).
import type Database from 'better-sqlite3';

export const REDPACKET_SCHEMA = `
CREATE TABLE IF NOT EXISTS redpackets (
  id TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  amount INTEGER NOT NULL,
  shares INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  -- SHA-256 of the claim secret, hex (also public in the packet transfer).
  cap TEXT NOT NULL,
  -- Private until the packet is fully claimed or refunded; then also in the log.
  seed BLOB NOT NULL,
  -- JSON array: every share, computed from the seed when the packet was created.
  split TEXT NOT NULL,
  -- The packet's signed transfer, canonical bytes.
  body BLOB NOT NULL,
  -- pending (submitted, not yet known settled), open, claimed, refunded.
  state TEXT NOT NULL,
  received INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS redpackets_state ON redpackets (state, expires);
CREATE TABLE IF NOT EXISTS redpacket_payouts (
  escrow_seq INTEGER PRIMARY KEY,
  packet TEXT NOT NULL,
  kind TEXT NOT NULL,
  share INTEGER,
  claimer TEXT,
  amount INTEGER NOT NULL,
  body BLOB NOT NULL,
  settled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS redpacket_payouts_packet ON redpacket_payouts (packet, kind, share);
-- Covers the per-claim tally (counts and sums), so deciding a claim reads no transfer bodies.
CREATE INDEX IF NOT EXISTS redpacket_payouts_tally ON redpacket_payouts (packet, kind, settled, amount);
CREATE UNIQUE INDEX IF NOT EXISTS redpacket_one_claim_each ON redpacket_payouts (packet, claimer) WHERE kind = 'claim';
CREATE UNIQUE INDEX IF NOT EXISTS redpacket_one_claim_per_share ON redpacket_payouts (packet, share) WHERE kind = 'claim';
CREATE UNIQUE INDEX IF NOT EXISTS redpacket_one_refund ON redpacket_payouts (packet) WHERE kind = 'refund';
`;

export type PacketState = 'pending' | 'open' | 'claimed' | 'refunded';

export interface PacketRow {
  id: string;
  sender: string;
  amount: number;
  shares: number;
  expires: number;
  cap: string;
  seed: Buffer;
  split: string;
  body: Buffer;
  state: PacketState;
  received: number;
}

export interface PayoutRow {
  escrow_seq: number;
  packet: string;
  kind: 'claim' | 'refund';
  share: number | null;
  claimer: string | null;
  amount: number;
  body: Buffer;
  settled: number;
}

export function packetQueries(db: Database.Database) {
  db.exec(REDPACKET_SCHEMA);
  return {
    packet: db.prepare<[string], PacketRow>('SELECT * FROM redpackets WHERE id = ?'),
    insertPacket: db.prepare<[string, string, number, number, number, string, Uint8Array, string, Uint8Array, number]>(
      "INSERT INTO redpackets (id, sender, amount, shares, expires, cap, seed, split, body, state, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
    ),
    setState: db.prepare<[PacketState, string]>('UPDATE redpackets SET state = ? WHERE id = ?'),
    deletePending: db.prepare<[string]>("DELETE FROM redpackets WHERE id = ? AND state = 'pending'"),
    pendingBefore: db.prepare<[number], PacketRow>("SELECT * FROM redpackets WHERE state = 'pending' AND received <= ? LIMIT 100"),
    expiredOpen: db.prepare<[number], { id: string }>("SELECT id FROM redpackets WHERE state = 'open' AND expires <= ? LIMIT 100"),
    payouts: db.prepare<[string], PayoutRow>('SELECT * FROM redpacket_payouts WHERE packet = ? ORDER BY escrow_seq'),
    // Decisions ask these once per claim: counts and sums, no transfer bodies read.
    tally: db.prepare<[string], { claims: number; settledClaims: number; paid: number; refunds: number }>(
      "SELECT COUNT(*) FILTER (WHERE kind = 'claim') AS claims, COUNT(*) FILTER (WHERE kind = 'claim' AND settled = 1) AS settledClaims, COALESCE(SUM(amount) FILTER (WHERE kind = 'claim'), 0) AS paid, COUNT(*) FILTER (WHERE kind = 'refund') AS refunds FROM redpacket_payouts WHERE packet = ?",
    ),
    claimedBy: db.prepare<[string, string], { one: number }>("SELECT 1 AS one FROM redpacket_payouts WHERE packet = ? AND claimer = ? AND kind = 'claim'"),
    unsettled: db.prepare<[], PayoutRow>('SELECT * FROM redpacket_payouts WHERE settled = 0 ORDER BY escrow_seq'),
    insertPayout: db.prepare<[number, string, string, number | null, string | null, number, Uint8Array]>(
      'INSERT INTO redpacket_payouts (escrow_seq, packet, kind, share, claimer, amount, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    markSettled: db.prepare<[number]>('UPDATE redpacket_payouts SET settled = 1 WHERE escrow_seq = ?'),
    dropUnsettledFrom: db.prepare<[number]>('DELETE FROM redpacket_payouts WHERE settled = 0 AND escrow_seq >= ?'),
  };
}
export type PacketQueries = ReturnType<typeof packetQueries>;
