// Why the ledger refuses a transfer or a query: one list of codes, shared by the rules, the relay
// and the /v1 `error` frame (protocol.ts adds them to its error codes), so the app can show each
// refusal by name. Expected failures are values of this type; nothing here throws.
export const LEDGER_ERROR_CODES = [
  /** Not a v1 transfer (shape, encoding, size, a field that does not fit its kind). */
  'bad-request',
  /** Zero, negative, fractional, non-numeric or over MAX_AMOUNT; or a mint past MAX_SUPPLY. */
  'bad-amount',
  'self-transfer',
  /** A kind this relay does not settle (yet). */
  'unknown-kind',
  /** A mint not signed by the relay's operator key. */
  'not-operator',
  'bad-signature',
  /** `seq` is not the payer's next sequence number. */
  'wrong-seq',
  /** `prev` is not the hash of the payer's previous transfer. */
  'wrong-prev',
  /** The payer's balance is less than the amount. */
  'overdraft',
  /** The id, or the payer's seq, was already used by a different transfer (kept as evidence). */
  'conflict',
  /** A query for something the log does not hold (an index or size beyond it, no such checkpoint). */
  'not-found',
  // Red packets (redpacket.ts, docs/protocol.md "Red packets").
  /** Shares out of range or above the amount, an unknown split mode, an expiry out of range. */
  'bad-packet',
  /** The seed does not hash to the packet's commitment. */
  'bad-seed',
  'unknown-packet',
  /** This account already claimed a share of the packet. */
  'already-claimed',
  /** Every share of the packet was claimed. */
  'packet-empty',
  'packet-expired',
  /** The claim capability is not the one derived from the packet's conversation. */
  'bad-capability',
] as const;
export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

export interface Refusal {
  code: LedgerErrorCode;
  /** One sentence a person can act on; never echoes more than numbers from the input. */
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const refuse = <T = never>(code: LedgerErrorCode, message: string): Checked<T> => ({ ok: false, refusal: { code, message } });
export const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
