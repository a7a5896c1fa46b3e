// The wire format of /signal: y-webrtc's signaling protocol, the frames a client may send, and
// the one list of close codes the relay uses on that endpoint (documented in docs/protocol.md).
//
// Invariants:
// - Pure: no sockets, timers or I/O. `parseClientFrame` turns untrusted text into either a typed
//   frame or a short, fixed close reason; it never throws and never recurses over the input.
// - Structure only. Limits that depend on configuration or on server state (topic length, topics
//   per connection, capacity, rate) are policy and live in signaling.ts; they answer 1008/1013,
//   whereas anything this module rejects answers 1007.
// - Close reasons are ASCII, contain nothing the client sent, and fit the 123-byte limit of a
//   WebSocket close frame.
import * as v from 'valibot';

/** Every close code and reason the relay sends on /signal. Tests and docs refer to this list. */
export const CloseCode = {
  /** The relay is stopping (SIGTERM/SIGINT). */
  goingAway: 1001,
  /** The client sent a binary frame; the protocol is JSON text only. */
  unsupportedData: 1003,
  /** Not JSON, not valid UTF-8, too deeply nested, or not a valid signaling frame. */
  invalidPayload: 1007,
  /** A per-connection policy was violated: rate, topic count, topic length, slow reader. */
  policyViolation: 1008,
  /** A frame was larger than the configured maximum payload (sent by `ws` itself). */
  messageTooBig: 1009,
  /** A bug in the relay while handling this connection; other connections are unaffected. */
  internalError: 1011,
  /** The relay-wide topic or subscription capacity is exhausted; retry later. */
  tryAgainLater: 1013,
} as const;

export const CloseReason = {
  shuttingDown: 'relay shutting down',
  binary: 'binary frames are not accepted',
  malformedJson: 'malformed JSON',
  tooDeep: 'invalid message: nesting too deep',
  tooManyTopics: 'too many topics',
  topicTooLong: 'topic too long',
  rateLimited: 'rate limit exceeded',
  tooSlow: 'client too slow',
  internal: 'internal error',
  atCapacity: 'relay at capacity',
} as const;

/**
 * Deepest array/object nesting accepted in a frame. y-webrtc's deepest frame (an ICE candidate
 * inside `publish.data.signal`) nests 4 levels; 32 leaves room for extensions while keeping any
 * recursive consumer (JSON.stringify, a logger, a future validator) far from the stack limit.
 */
export const MAX_NESTING_DEPTH = 32;

/** Close reasons are limited to 123 bytes by RFC 6455; ours are ASCII so bytes == chars. */
const MAX_REASON_LENGTH = 123;

const topicList = v.array(
  v.string('each topic must be a string'),
  'topics must be an array of strings',
);
const topic = v.pipe(
  v.string('topic must be a string'),
  v.minLength(1, 'topic must not be empty'),
);

// An object schema's own message is what valibot reports for a missing key (the input is known
// to be an object by then), so it names the required field.
const SubscribeFrame = v.object({ type: v.literal('subscribe'), topics: topicList }, 'topics must be an array of strings');
const UnsubscribeFrame = v.object({ type: v.literal('unsubscribe'), topics: topicList }, 'topics must be an array of strings');
// Publish frames carry arbitrary extra fields (y-webrtc puts its payload in `data`); they are
// forwarded byte for byte, so only the routing fields are checked.
const PublishFrame = v.looseObject({ type: v.literal('publish'), topic }, 'topic must be a string');
const PingFrame = v.looseObject({ type: v.literal('ping') });

/**
 * Checked before the variant so that "no type" and "type is not a string" get their own
 * reasons instead of the variant's "unknown type". (Non-objects are refused before this.)
 */
const Envelope = v.looseObject({ type: v.string('type must be a string') }, 'missing type');

const ClientFrameSchema = v.variant(
  'type',
  [SubscribeFrame, UnsubscribeFrame, PublishFrame, PingFrame],
  'unknown type',
);

export type ClientFrame =
  | { type: 'subscribe'; topics: string[] }
  | { type: 'unsubscribe'; topics: string[] }
  | { type: 'publish'; topic: string }
  | { type: 'ping' };

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; reason: string };

/**
 * True if `text`, read as JSON, opens more than `maxDepth` nested arrays/objects. Linear and
 * iterative, so it is safe on any input within the payload limit. On malformed input the count
 * may be off, but only past the point where JSON.parse itself stops with an error: a valid JSON
 * prefix never closes more brackets than it opened.
 */
export function exceedsNesting(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++; // skip the escaped character, which may be a quote
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (--depth < 0) return false; // malformed; JSON.parse rejects it at this position
    }
  }
  return false;
}

function invalid(message: string): { ok: false; reason: string } {
  return { ok: false, reason: `invalid message: ${message}`.slice(0, MAX_REASON_LENGTH) };
}

/** Validate one text frame. Expected failures are values: the caller closes with 1007. */
export function parseClientFrame(text: string): ParseResult {
  if (exceedsNesting(text, MAX_NESTING_DEPTH)) return { ok: false, reason: CloseReason.tooDeep };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: CloseReason.malformedJson };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return invalid('expected a JSON object');
  }
  const envelope = v.safeParse(Envelope, json);
  if (!envelope.success) return invalid(envelope.issues[0].message);
  const frame = v.safeParse(ClientFrameSchema, json);
  if (!frame.success) return invalid(frame.issues[0].message);
  return { ok: true, frame: frame.output };
}

/** The relay's answer to `{"type":"ping"}`, pre-serialized once. */
export const PONG = JSON.stringify({ type: 'pong' });
