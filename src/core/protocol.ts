// Floe's relay protocol at /v1 (docs/protocol.md): a mailbox of sealed Yjs updates per room.
//
// Every frame is one binary WebSocket message: varuint(header length) ‖ header (UTF-8 JSON) ‖ body.
// The header is validated with a schema; the body carries sealed bytes as they are, so nothing is
// base64-inflated. Pure: encoding, decoding and validation only; sockets live in net/ and relay/.
//
// Not handled here: authentication of updates (they are sealed end to end; the relay cannot read
// them), ordering between rooms, and anything about peers (that is /signal).
import * as v from 'valibot';
import { concatBytes, fromUtf8, utf8 } from './bytes.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_HEADER_BYTES = 4096;

const room = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, 'room must be 32 hex characters'));
const cap = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'cap must be 43 base64url characters'));
const requestId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'id must be 8-64 base64url characters'));
const seq = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export const ClientHeaderSchema = v.variant('t', [
  v.object({ t: v.literal('hello'), v: v.pipe(v.number(), v.safeInteger()), agent: v.pipe(v.string(), v.maxLength(100)) }),
  v.object({ t: v.literal('open'), room, cap, after: seq }),
  v.object({ t: v.literal('close'), room }),
  v.object({ t: v.literal('push'), room, cap, id: requestId }),
  v.object({ t: v.literal('compact'), room, cap, id: requestId, upto: seq }),
  v.object({ t: v.literal('ping') }),
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
