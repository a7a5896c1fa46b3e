// Floe's relay protocol at /v1 (docs/protocol.md): a mailbox of sealed Yjs updates per room, and
// the coin ledger (signed transfers settled by the relay, an RFC 6962 log, proofs).
//
// Every frame is one binary WebSocket message: varuint(header length) ‖ header (UTF-8 JSON) ‖ body.
// The header is validated with a schema; the body carries sealed bytes as they are, so nothing is
// base64-inflated. Pure: encoding, decoding and validation only; sockets live in net/ and relay/.
//
// Not handled here: authentication of updates (they are sealed end to end; the relay cannot read
// them), ordering between rooms, and anything about peers (that is /signal). A `transfer` frame's
// transfer is validated by the ledger (src/core/ledger), which refuses a bad one with a typed
// `error` instead of closing the socket; every other ledger field is checked here.
import * as v from 'valibot';
import { concatBytes, fromUtf8, utf8 } from './bytes.ts';
import { CheckpointSchema, ReceiptSchema } from './ledger/checkpoint.ts';
import { LEDGER_ERROR_CODES } from './ledger/refusal.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_HEADER_BYTES = 4096;
/** Largest body of an `ephemeral` frame (a sealed presence beacon is ~250 bytes). */
export const MAX_EPHEMERAL_BYTES = 1024;
/** `ephemeral` frames per connection: sustained per second, and burst (a heartbeat to every room). */
export const EPHEMERAL_RATE = { perSecond: 20, burst: 200 } as const;

const room = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, 'room must be 32 hex characters'));
const cap = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'cap must be 43 base64url characters'));
const requestId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'id must be 8-64 base64url characters'));
const seq = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const account = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'account must be 43 base64url characters'));
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const transferId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/, 'must be a transfer id (22 base64url characters)'));
const signature = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/, 'must be a signature (86 base64url characters)'));
const upTo = (max: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(max));

/** Most rooms one push subscription names, and in one `push-unsubscribe`. */
export const MAX_PUSH_ROOMS = 4096;
export const MAX_UNSUBSCRIBE_ROOMS = 16;
const pushText = v.pipe(v.string(), v.maxLength(2048));

/** The body of `push-subscribe`: UTF-8 JSON, each room with the capability that proves access. */
export const PushRoomsSchema = v.array(v.object({ room, cap }));
export type PushRooms = v.InferOutput<typeof PushRoomsSchema>;
export const encodePushRooms = (rooms: PushRooms): Uint8Array => utf8(JSON.stringify(rooms));

/** Most transfers one `history` answer lists. */
export const MAX_HISTORY = 100;
/** Most transfers one `entries` answer lists. */
export const MAX_ENTRIES = 500;

export const ClientHeaderSchema = v.variant('t', [
  v.object({ t: v.literal('hello'), v: v.pipe(v.number(), v.safeInteger()), agent: v.pipe(v.string(), v.maxLength(100)) }),
  v.object({ t: v.literal('open'), room, cap, after: seq }),
  v.object({ t: v.literal('close'), room }),
  v.object({ t: v.literal('push'), room, cap, id: requestId }),
  v.object({ t: v.literal('compact'), room, cap, id: requestId, upto: seq }),
  v.object({ t: v.literal('ping') }),
  /** Presence and typing: fanned out to the room's other connections, never stored. Body: sealed, ≤ MAX_EPHEMERAL_BYTES. */
  v.object({ t: v.literal('ephemeral'), room, cap }),
  // Ledger. `id` names the request; every answer and refusal carries it back.
  v.object({ t: v.literal('transfer'), id: requestId, transfer: v.unknown() }),
  v.object({ t: v.literal('balance'), id: requestId, account }),
  v.object({ t: v.literal('history'), id: requestId, account, before: v.optional(seq), limit: upTo(MAX_HISTORY) }),
  v.object({ t: v.literal('entries'), id: requestId, from: seq, limit: upTo(MAX_ENTRIES) }),
  v.object({ t: v.literal('inclusion'), id: requestId, index: seq, size: seq }),
  v.object({ t: v.literal('consistency'), id: requestId, from: seq, to: seq }),
  v.object({ t: v.literal('checkpoint'), id: requestId, size: v.optional(seq) }),
  v.object({ t: v.literal('ledger-info'), id: requestId }),
  // Red packets (docs/protocol.md, "Red packets"): the create frame's transfer is checked by
  // the ledger like a `transfer`'s; seed and cap are 32 bytes, base64url.
  v.object({ t: v.literal('redpacket-create'), id: requestId, transfer: v.unknown(), seed: cap }),
  v.object({ t: v.literal('redpacket-claim'), id: requestId, packet: transferId, claimer: account, sig: signature, cap }),
  v.object({ t: v.literal('redpacket-status'), id: requestId, packet: transferId }),
  // Web Push (docs/protocol.md, "/v1 — push"). Endpoint and keys are only bounded here so that a
  // bad one gets a typed refusal (bad-endpoint, bad-keys) instead of a closed socket; the rooms
  // of a subscribe travel in its body (PushRoomsSchema).
  v.object({ t: v.literal('push-key'), id: requestId }),
  v.object({ t: v.literal('push-subscribe'), id: requestId, endpoint: pushText, p256dh: pushText, auth: pushText }),
  v.object({ t: v.literal('push-unsubscribe'), id: requestId, endpoint: pushText, rooms: v.optional(v.pipe(v.array(room), v.maxLength(MAX_UNSUBSCRIBE_ROOMS))) }),
]);
export type ClientHeader = v.InferOutput<typeof ClientHeaderSchema>;

export const ERROR_CODES = [
  'unsupported-version',
  'handshake-required',
  'forbidden',
  'too-large',
  'quota-exceeded',
  'rate-limited',
  'conflict',
  'bad-request',
  'unavailable',
  'internal',
  // Ledger refusals (src/core/ledger/refusal.ts; 'bad-request' and 'conflict' are shared).
  'bad-amount',
  'self-transfer',
  'unknown-kind',
  'not-operator',
  'bad-signature',
  'wrong-seq',
  'wrong-prev',
  'overdraft',
  'not-found',
  // Red packets (src/core/ledger/redpacket.ts).
  'bad-packet',
  'bad-seed',
  'unknown-packet',
  'already-claimed',
  'packet-empty',
  'packet-expired',
  'bad-capability',
  // Push subscriptions.
  'bad-endpoint',
  'bad-keys',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
// Compile-time check that every ledger refusal can travel in an `error` frame.
LEDGER_ERROR_CODES satisfies readonly ErrorCode[];

export type RedPacketClientHeader = Extract<ClientHeader, { t: 'redpacket-create' | 'redpacket-claim' | 'redpacket-status' }>;
export type LedgerClientHeader = Extract<ClientHeader, { t: 'transfer' | 'balance' | 'history' | 'entries' | 'inclusion' | 'consistency' | 'checkpoint' | 'ledger-info' }> | RedPacketClientHeader;
export const LEDGER_FRAMES: readonly LedgerClientHeader['t'][] = ['transfer', 'balance', 'history', 'entries', 'inclusion', 'consistency', 'checkpoint', 'ledger-info', 'redpacket-create', 'redpacket-claim', 'redpacket-status'];
export const isLedgerHeader = (h: ClientHeader): h is LedgerClientHeader => (LEDGER_FRAMES as readonly string[]).includes(h.t);

export const ServerHeaderSchema = v.variant('t', [
  v.object({
    t: v.literal('welcome'),
    v: v.number(),
    retentionMs: v.number(),
    maxUpdateBytes: v.number(),
    maxSnapshotBytes: v.number(),
  }),
  v.object({ t: v.literal('entry'), room, seq, kind: v.picklist(['update', 'snapshot']) }),
  v.object({ t: v.literal('synced'), room, head: seq, gap: v.boolean() }),
  v.object({ t: v.literal('ack'), room, id: requestId, seq }),
  v.object({
    t: v.literal('error'),
    code: v.picklist(ERROR_CODES),
    message: v.string(),
    id: v.optional(v.string()),
    room: v.optional(v.string()),
  }),
  v.object({ t: v.literal('pong') }),
  /** Another connection's `ephemeral` for a room this connection has open; body as sent. */
  v.object({ t: v.literal('ephemeral'), room }),
  // Ledger answers; lists travel in the body (src/core/ledger/wire.ts).
  v.object({ t: v.literal('receipt'), id: requestId, receipt: ReceiptSchema }),
  v.object({ t: v.literal('balance'), id: requestId, account, balance: seq, seq, head: hex64 }),
  /** Body: the transfers' canonical encodings, one per line, newest first; `indices` are their leaf indices. */
  v.object({ t: v.literal('history'), id: requestId, account, indices: v.pipe(v.array(seq), v.maxLength(MAX_HISTORY)), more: v.boolean() }),
  /** Body: leaves `from` … `from + count - 1`, one per line; `size` is the log's size now. */
  v.object({ t: v.literal('entries'), id: requestId, from: seq, count: seq, size: seq }),
  /** Body: the proof's hashes, 32 bytes each. */
  v.object({ t: v.literal('inclusion'), id: requestId, index: seq, size: seq }),
  v.object({ t: v.literal('consistency'), id: requestId, from: seq, to: seq }),
  v.object({ t: v.literal('checkpoint'), id: requestId, checkpoint: CheckpointSchema }),
  /** `packetExpiryMs`: how long this relay keeps a red packet open (its creator signs the expiry). */
  v.object({ t: v.literal('ledger-info'), id: requestId, v: v.literal(1), log: account, operator: account, maxAmount: seq, packetExpiryMs: v.optional(seq) }),
  /**
   * A red packet's state. Body (not on a claim's answer): its settled transfers, one per line: the packet, its claims in
   * share order, then the refund if any. `seed` only once it is fully claimed or refunded;
   * `receipt` answers a create (the packet's) or a claim (the claim's).
   */
  v.object({
    t: v.literal('redpacket'),
    id: requestId,
    packet: transferId,
    state: v.picklist(['open', 'claimed', 'refunded']),
    claims: seq,
    seed: v.optional(cap),
    receipt: v.optional(ReceiptSchema),
  }),
  /** The relay's VAPID public key (base64url, uncompressed P-256), the `applicationServerKey`. */
  v.object({ t: v.literal('push-key'), id: requestId, key: v.pipe(v.string(), v.maxLength(100)) }),
  v.object({ t: v.literal('push-subscribed'), id: requestId, rooms: seq }),
  v.object({ t: v.literal('push-unsubscribed'), id: requestId, rooms: seq }),
]);
export type ServerHeader = v.InferOutput<typeof ServerHeaderSchema>;

/** WebSocket close codes on /v1; the one list, mirrored in docs/protocol.md. */
export const V1Close = {
  normal: 1000,
  goingAway: 1001,
  textFrame: 1003,
  malformed: 1007,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  unsupportedVersion: 4000,
  handshakeRequired: 4001,
} as const;

export interface Frame<H> {
  header: H;
  body: Uint8Array;
}

function writeVarUint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

export function encodeFrame(header: ClientHeader | ServerHeader, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = utf8(JSON.stringify(header));
  return concatBytes(writeVarUint(json.length), json, body);
}

export type Decoded<H> = { ok: true; frame: Frame<H> } | { ok: false; reason: string };

function decode<H>(bytes: Uint8Array, schema: v.GenericSchema<unknown, H>): Decoded<H> {
  let length = 0;
  let shift = 0;
  let i = 0;
  for (; ; i++) {
    if (i >= bytes.length || i > 3) return { ok: false, reason: 'truncated frame header' };
    const b = bytes[i]!;
    length += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  i++;
  if (length > MAX_HEADER_BYTES) return { ok: false, reason: 'frame header too large' };
  if (i + length > bytes.length) return { ok: false, reason: 'truncated frame header' };
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(bytes.subarray(i, i + length)));
  } catch {
    return { ok: false, reason: 'frame header is not JSON' };
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue?.path?.map((p) => String(p.key)).join('.');
    return { ok: false, reason: `invalid frame${where ? ` (${where})` : ''}: ${issue?.message ?? 'schema mismatch'}`.slice(0, 120) };
  }
  return { ok: true, frame: { header: parsed.output, body: bytes.subarray(i + length) } };
}

export const decodeClientFrame = (bytes: Uint8Array): Decoded<ClientHeader> => decode(bytes, ClientHeaderSchema);
export const decodeServerFrame = (bytes: Uint8Array): Decoded<ServerHeader> => decode(bytes, ServerHeaderSchema);
