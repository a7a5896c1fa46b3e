// Message recall ("Alice recalled a message", as in QQ): a signed record, kept in the
// conversation doc beside the messages, by which a message's author withdraws it.
//
// Invariants, checked by every reader, so a recall that breaks one is ignored everywhere:
// - A recall is verified exactly like a message (core/message.ts verifyAuthored): shape, a device
//   certificate naming the recall's author, the device's signature.
// - It takes effect only on a verified message by the *same account* (any of its devices): nobody
//   withdraws someone else's words.
// - Its HLC is after the message's and at most RECALL_WINDOW_MS of wall time later; a recall
//   stamped further ahead of the reader's clock than the HLC drift bound (core/hlc.ts) is not
//   believed (yet): a broken or hostile clock cannot stretch the window into the future.
// What this cannot do: unsend from a device that already displayed the text (see
// docs/threat-model.md), or stop an author's own modified client from back-dating a recall.
// Pure: the reader's wall clock is a parameter.
import * as v from 'valibot';
import { fail, ok, type Result } from './errors.ts';
import { compareHlc, decodeHlc, MAX_DRIFT_MS } from './hlc.ts';
import type { AccountId, DeviceId, MessageId } from './ids.ts';
import { signAuthored, verifyAuthored, type DeviceCertificate, type SignedMessage } from './message.ts';
import { authoredKey } from './message-index.ts';

/** QQ's rule: a message can be recalled for two minutes after it was sent. */
export const RECALL_WINDOW_MS = 2 * 60_000;

const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));

export const RecallSchema = v.object({
  v: v.literal(1),
  kind: v.literal('recall'),
  /** The recalled message's id. */
  target: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  author: keyId,
  device: keyId,
  hlc: v.pipe(v.string(), v.check((s) => decodeHlc(s) !== null, 'bad hlc')),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
});
export type SignedRecall = Omit<v.InferOutput<typeof RecallSchema>, 'target' | 'author' | 'device'> & {
  target: MessageId;
  author: AccountId;
  device: DeviceId;
};
export type RecallDraft = Omit<SignedRecall, 'sig'>;

export function signRecall(devicePrivateKey: Uint8Array, draft: RecallDraft): Promise<SignedRecall> {
  return signAuthored(devicePrivateKey, draft);
}

/** Shape, certificate and signature; `certificate` is the doc's (verified) entry for its device. */
export function verifyRecall(input: unknown, certificate: DeviceCertificate | undefined): Promise<Result<SignedRecall>> {
  return verifyAuthored(RecallSchema, input, certificate) as Promise<Result<SignedRecall>>;
}

/** Whether a message stamped `messageHlc` may still be recalled by a recall stamped `recallHlc`. */
export function withinRecallWindow(messageHlc: string, recallHlc: string): boolean {
  const sent = decodeHlc(messageHlc);
  const at = decodeHlc(recallHlc);
  return sent !== null && at !== null && compareHlc(recallHlc, messageHlc) > 0 && at.wall - sent.wall <= RECALL_WINDOW_MS;
}

/**
 * Whether a verified recall withdraws a verified message, for a reader whose wall clock reads
 * `now`. Expected refusals are values (the UI of the author's own device shows them).
 */
export function judgeRecall(recall: SignedRecall, target: SignedMessage | undefined, now: number): Result<void> {
  if (!target || target.id !== recall.target) return fail('recall/unknown-message', 'That message is not here (yet).');
  if (target.author !== recall.author) return fail('recall/not-author', 'Only the author of a message can recall it.');
  if ((decodeHlc(recall.hlc)?.wall ?? Infinity) > now + MAX_DRIFT_MS) return fail('recall/too-late', 'That recall is stamped too far in the future.');
  if (!withinRecallWindow(target.hlc, recall.hlc)) return fail('recall/too-late', 'A message can only be recalled within 2 minutes of sending it.');
  return ok(undefined);
}

/**
 * The accepted recalls of a conversation, keyed by `authoredKey(author, message id)` (ids are
 * chosen by authors, so only the pair names one message). Each input recall must already be
 * verified; `message` finds the verified message an author wrote under an id.
 */
export function acceptedRecalls(
  recalls: Iterable<SignedRecall>,
  message: (author: AccountId, id: MessageId) => SignedMessage | undefined,
  now: number,
): Map<string, SignedRecall> {
  const accepted = new Map<string, SignedRecall>();
  for (const r of recalls) {
    const key = authoredKey(r.author, r.target);
    if (!accepted.has(key) && judgeRecall(r, message(r.author, r.target), now).ok) accepted.set(key, r);
  }
  return accepted;
}
