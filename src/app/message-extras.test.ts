import { describe, expect, it } from 'vitest';
import { authoredKey, MessageIndex } from '../core/message-index.ts';
import { RECALL_WINDOW_MS } from '../core/recall.ts';
import { hlcAt, messageId, person, say, T0 } from '../core/test-people.ts';
import { messageExtras, sameExtras, type ExtrasContext } from './message-extras.ts';

async function setup() {
  const [alice, bob] = await Promise.all([person('Alice'), person('Bob')]);
  const index = new MessageIndex();
  const recalls = new Map<string, unknown>();
  const names = new Map([
    [alice.account, 'Alice'],
    [bob.account, 'Bob (remark)'],
  ]);
  // Seen from Alice's side.
  const ctx: ExtrasContext = { me: alice.account, index, recalls, nameOf: (a) => names.get(a) ?? '', memberName: (a) => (a === bob.account ? 'Bob' : undefined) };
  return { alice, bob, index, recalls, ctx };
}

describe('messageExtras', () => {
  it('quotes the original of a reply, and nothing once it is missing or recalled', async () => {
    const s = await setup();
    const original = await say(s.bob, { text: 'x'.repeat(200) });
    const reply = await say(s.alice, { reply: original.id, text: 'ok' });
    const orphan = await say(s.alice, { reply: messageId(), text: 'to nothing' });
    s.index.add(original);
    expect(messageExtras(reply, s.ctx).reply).toEqual({ id: original.id, available: true, authorName: 'Bob (remark)', snippet: 'x'.repeat(80) });
    expect(messageExtras(orphan, s.ctx).reply).toMatchObject({ available: false, snippet: '', authorName: '' });
    s.recalls.set(authoredKey(s.bob.account, original.id), {});
    expect(messageExtras(reply, s.ctx).reply).toMatchObject({ available: false, snippet: '' });
    expect(messageExtras(original, s.ctx).recalled).toBe(true);
  });

  it('marks mentions of me in others\' messages only, with both names to highlight', async () => {
    const s = await setup();
    const fromBob = await say(s.bob, { text: '@Alice hi', mentions: [s.alice.account] });
    const fromMe = await say(s.alice, { text: '@Bob hi', mentions: [s.bob.account] });
    expect(messageExtras(fromBob, s.ctx)).toMatchObject({ mentionsMe: true, mentionNames: ['Alice'] });
    expect(messageExtras(fromMe, s.ctx)).toMatchObject({ mentionsMe: false, mentionNames: ['Bob', 'Bob (remark)'] });
    s.recalls.set(authoredKey(s.bob.account, fromBob.id), {});
    expect(messageExtras(fromBob, s.ctx).mentionsMe).toBe(false);
  });

  it('gives my messages a recall deadline two minutes after their stamp, and others none', async () => {
    const s = await setup();
    expect(messageExtras(await say(s.alice, { hlc: hlcAt(T0) }), s.ctx).recallUntil).toBe(T0 + RECALL_WINDOW_MS);
    expect(messageExtras(await say(s.bob, { hlc: hlcAt(T0) }), s.ctx).recallUntil).toBe(0);
    expect(messageExtras(null, s.ctx)).toEqual({ reply: null, mentionNames: [], mentionsMe: false, recalled: false, recallUntil: 0 });
  });

  it('compares extras by what they show', async () => {
    const s = await setup();
    const m = await say(s.bob, { text: '@Alice', mentions: [s.alice.account] });
    const a = messageExtras(m, s.ctx);
    expect(sameExtras(a, messageExtras(m, s.ctx))).toBe(true);
    s.recalls.set(authoredKey(s.bob.account, m.id), {});
    expect(sameExtras(a, messageExtras(m, s.ctx))).toBe(false);
  });
});
