// Message recall with real conversation docs: only the author, only within two minutes (by HLC),
// never from a clock too far ahead; an accepted recall hides the message for every reader.
import { describe, expect, it } from 'vitest';
import { MAX_DRIFT_MS } from './hlc.ts';
import type { MessageId } from './ids.ts';
import type { SignedMessage } from './message.ts';
import { authoredKey, MessageIndex } from './message-index.ts';
import { MessageVerifier } from './message-verifier.ts';
import { acceptedRecalls, judgeRecall, RECALL_WINDOW_MS, signRecall, verifyRecall, withinRecallWindow, type RecallDraft, type SignedRecall } from './recall.ts';
import { conversationOf, hlcAt, person, say, sync, T0, type Person } from './test-people.ts';

const recallBy = (p: Person, target: MessageId, wall: number, signer: Person = p): Promise<SignedRecall> => {
  const draft: RecallDraft = { v: 1, kind: 'recall', target, author: p.account, device: signer.device, hlc: hlcAt(wall, 'r1') };
  return signRecall(signer.deviceKey, draft);
};

async function setup() {
  const [alice, bob] = await Promise.all([person('Alice'), person('Bob')]);
  const conv = conversationOf(alice, bob);
  const members = new Set<string>([alice.account, bob.account]);
  const verifier = new MessageVerifier(conv, (r) => members.has(r.author));
  /** Message id → text as a reader at `now` shows it, '(recalled)' once withdrawn. */
  const shown = async (now: number, doc = conv, v = verifier) => {
    const raw = doc.messages.toArray();
    await v.verify(raw);
    const index = new MessageIndex();
    const shown = raw.map((m) => v.message(m)).filter((m) => m !== null && index.add(m)) as SignedMessage[];
    const recalled = acceptedRecalls(await v.verifiedRecalls(), (author, id) => index.authored(author, id), now);
    return shown.map((m) => (recalled.has(authoredKey(m.author, m.id)) ? `${m.text} (recalled)` : m.text));
  };
  return { alice, bob, conv, members, verifier, shown };
}

describe('recall', () => {
  it('within two minutes hides the text for every reader, after sync too', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'oops', hlc: hlcAt(T0) });
    s.conv.append(m);
    s.conv.append(await say(s.bob, { text: 'what?', hlc: hlcAt(T0 + 1000) }));
    s.conv.recall(await recallBy(s.alice, m.id, T0 + RECALL_WINDOW_MS));
    expect(await s.shown(T0 + RECALL_WINDOW_MS)).toEqual(['oops (recalled)', 'what?']);

    const bobs = conversationOf();
    sync(s.conv, bobs);
    expect(await s.shown(T0 + 5 * 60_000, bobs, new MessageVerifier(bobs, (r) => s.members.has(r.author)))).toEqual(['oops (recalled)', 'what?']);
  });

  it('by anyone but the author is ignored, even a member signing with a certified device', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'mine', hlc: hlcAt(T0) });
    s.conv.append(m);
    // Bob recalls Alice's message as himself, and as "Alice" with his own device.
    const asBob = await recallBy(s.bob, m.id, T0 + 1000);
    s.conv.recall(asBob);
    s.conv.recall(await recallBy(s.alice, m.id, T0 + 1000, s.bob));
    expect(await s.shown(T0 + 2000)).toEqual(['mine']);
    expect(judgeRecall(asBob, m, T0 + 2000)).toMatchObject({ ok: false, error: { code: 'recall/not-author' } });
    expect(await verifyRecall(await recallBy(s.alice, m.id, T0 + 1000, s.bob), s.bob.cert)).toMatchObject({ ok: false, error: { code: 'message/bad-signature' } });
  });

  it('later than two minutes after the message is refused', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'old', hlc: hlcAt(T0) });
    s.conv.append(m);
    const late = await recallBy(s.alice, m.id, T0 + RECALL_WINDOW_MS + 1);
    s.conv.recall(late);
    expect(await s.shown(T0 + 10 * 60_000)).toEqual(['old']);
    expect(judgeRecall(late, m, T0 + 10 * 60_000)).toMatchObject({ ok: false, error: { code: 'recall/too-late' } });
    expect(withinRecallWindow(m.hlc, hlcAt(T0 + RECALL_WINDOW_MS))).toBe(true);
    expect(withinRecallWindow(m.hlc, hlcAt(T0 + RECALL_WINDOW_MS + 1))).toBe(false);
  });

  it('stamped before the message, or beyond the drift bound of the reader clock, is refused', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'x', hlc: hlcAt(T0 + 60_000) });
    const early = await recallBy(s.alice, m.id, T0);
    expect(judgeRecall(early, m, T0 + 60_000).ok).toBe(false);
    // A message and its recall both stamped far in the future: not believed while that far ahead.
    const future = T0 + MAX_DRIFT_MS + 60_000;
    const m2 = await say(s.alice, { text: 'y', hlc: hlcAt(future) });
    const r2 = await recallBy(s.alice, m2.id, future + 1000);
    expect(judgeRecall(r2, m2, T0)).toMatchObject({ ok: false, error: { code: 'recall/too-late' } });
    expect(judgeRecall(r2, m2, future).ok).toBe(true);
  });

  it('of a message that is missing or unverified does nothing, and junk recalls are dropped', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'kept', hlc: hlcAt(T0) });
    s.conv.append(m);
    const other = await say(s.alice, { text: 'never arrived', hlc: hlcAt(T0) });
    s.conv.recall(await recallBy(s.alice, other.id, T0 + 1000));
    s.conv.recalls.push([null as never, 'junk' as never, { ...(await recallBy(s.alice, m.id, T0 + 1000)), target: 'A'.repeat(22) } as never]);
    expect(await s.shown(T0 + 2000)).toEqual(['kept']);
    expect(judgeRecall(await recallBy(s.alice, m.id, T0 + 1), undefined, T0)).toMatchObject({ ok: false, error: { code: 'recall/unknown-message' } });
    expect((await s.verifier.verifiedRecalls()).map((r) => r.target)).toEqual([other.id]);
  });

  it('reaches only its author\'s message when another member signs a message under the same id', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'from Alice', hlc: hlcAt(T0) });
    // Bob signs his own message with Alice's id, placed first, and replays hers once more.
    s.conv.messages.insert(0, [await say(s.bob, { id: m.id, text: 'from Bob, same id', hlc: hlcAt(T0) })]);
    s.conv.append(m);
    s.conv.append(m);
    s.conv.recall(await recallBy(s.alice, m.id, T0 + 1000));
    expect(await s.shown(T0 + 2000)).toEqual(['from Bob, same id', 'from Alice (recalled)']);
    // A reply to that id quotes neither.
    const index = new MessageIndex();
    for (const e of s.conv.messages.toArray()) {
      const good = s.verifier.message(e);
      if (good) index.add(good);
    }
    expect(index.replyTarget(m.id)).toBeUndefined();
    expect(index.authored(s.alice.account, m.id)?.text).toBe('from Alice');
  });

  it('is refused when the author is no longer trusted', async () => {
    const s = await setup();
    const m = await say(s.alice, { text: 'x', hlc: hlcAt(T0) });
    s.conv.append(m);
    s.conv.recall(await recallBy(s.alice, m.id, T0 + 1));
    s.members.delete(s.alice.account);
    expect(await s.verifier.verifiedRecalls()).toEqual([]);
  });
});
