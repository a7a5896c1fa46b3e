import { describe, expect, it } from 'vitest';
import { conversationRoute, MAX_BODY, noticeFor } from './notify-rules.ts';
import { parseRoute } from './router.svelte.ts';

const from = (over: Partial<Parameters<typeof noticeFor>[0]> = {}) => ({ mine: false, verified: true, text: 'see you at 8', authorName: 'Alice', ...over });

describe('noticeFor', () => {
  it("names the conversation and shows the text of someone else's verified message", () => {
    expect(noticeFor(from(), 'Alice', false)).toEqual({ title: 'Alice', body: 'see you at 8' });
    expect(noticeFor(from(), 'Climbing club', false)).toEqual({ title: 'Alice · Climbing club', body: 'see you at 8' });
  });

  it('says "X mentioned you" for a mention', () => {
    expect(noticeFor(from({ mentionsMe: true }), 'Climbing club', false)).toEqual({ title: 'Alice mentioned you', body: 'see you at 8' });
  });

  it('shows nothing for our own, unverified or recalled messages, or in a muted conversation', () => {
    expect(noticeFor(from({ mine: true }), 'Alice', false)).toBeNull();
    expect(noticeFor(from({ verified: false }), 'Alice', false)).toBeNull();
    expect(noticeFor(from({ recalled: true }), 'Alice', false)).toBeNull();
    expect(noticeFor(from(), 'Alice', true)).toBeNull();
    expect(noticeFor(from({ mentionsMe: true }), 'Alice', true)).toBeNull();
  });

  it('cuts long texts', () => {
    const n = noticeFor(from({ text: 'x'.repeat(1000) }), 'Alice', false)!;
    expect(n.body).toHaveLength(MAX_BODY);
    expect(n.body.endsWith('…')).toBe(true);
  });

  it('leads to the route that opens the conversation', () => {
    const room = '0123456789abcdef0123456789abcdef';
    expect(parseRoute(conversationRoute(room), 'https://floe.example')).toEqual({ name: 'chats', room });
  });
});
