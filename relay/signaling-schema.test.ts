import { describe, expect, it } from 'vitest';
import { CloseReason, MAX_NESTING_DEPTH, exceedsNesting, parseClientFrame } from './signaling-schema.ts';

function reasonOf(text: string): string {
  const result = parseClientFrame(text);
  if (result.ok) throw new Error(`expected ${text.slice(0, 60)} to be refused`);
  return result.reason;
}

describe('parseClientFrame: the frames stock y-webrtc sends', () => {
  it.each([
    [{ type: 'subscribe', topics: ['a', 'b'] }],
    [{ type: 'subscribe', topics: [] }],
    [{ type: 'unsubscribe', topics: ['a'] }],
    [{ type: 'publish', topic: 'room', data: { type: 'announce', from: 'peer-1' } }],
    [{ type: 'publish', topic: 'room', data: 'base64-ciphertext==' }],
    [{ type: 'publish', topic: 'room', data: { to: 'b', from: 'a', type: 'signal', token: 1.5, signal: { type: 'candidate', candidate: { candidate: 'x', sdpMLineIndex: 0, sdpMid: '0' } } } }],
    [{ type: 'ping' }],
  ])('accepts %j', (frame) => {
    const result = parseClientFrame(JSON.stringify(frame));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.frame.type).toBe(frame.type);
  });

  it('keeps exactly the topics it was given', () => {
    const result = parseClientFrame('{"type":"subscribe","topics":["x","y","x"]}');
    expect(result).toEqual({ ok: true, frame: { type: 'subscribe', topics: ['x', 'y', 'x'] } });
  });
});

describe('parseClientFrame: hostile or broken input', () => {
  it.each([
    ['not json', CloseReason.malformedJson],
    ['{"type":"ping"', CloseReason.malformedJson],
    ['', CloseReason.malformedJson],
    ['42', 'invalid message: expected a JSON object'],
    ['null', 'invalid message: expected a JSON object'],
    ['["subscribe"]', 'invalid message: expected a JSON object'],
    ['"ping"', 'invalid message: expected a JSON object'],
    ['{}', 'invalid message: missing type'],
    ['{"topics":["a"]}', 'invalid message: missing type'],
    ['{"type":42}', 'invalid message: type must be a string'],
    ['{"type":null}', 'invalid message: type must be a string'],
    ['{"type":"shout"}', 'invalid message: unknown type'],
    ['{"type":"subscribe","topics":"x"}', 'invalid message: topics must be an array of strings'],
    ['{"type":"subscribe"}', 'invalid message: topics must be an array of strings'],
    ['{"type":"subscribe","topics":["a",5]}', 'invalid message: each topic must be a string'],
    ['{"type":"unsubscribe","topics":{"0":"a"}}', 'invalid message: topics must be an array of strings'],
    ['{"type":"publish","topic":5}', 'invalid message: topic must be a string'],
    ['{"type":"publish"}', 'invalid message: topic must be a string'],
    ['{"type":"publish","topic":""}', 'invalid message: topic must not be empty'],
  ])('refuses %j: %s', (text, reason) => {
    expect(reasonOf(text)).toBe(reason);
  });

  it('refuses deep nesting before parsing, at any depth up to the size limit', () => {
    expect(reasonOf('['.repeat(50_000))).toBe(CloseReason.tooDeep);
    expect(reasonOf(`${'['.repeat(30_000)}${']'.repeat(30_000)}`)).toBe(CloseReason.tooDeep);
    expect(reasonOf(`{"type":"publish","topic":"t","data":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`)).toBe(CloseReason.tooDeep);
  });

  it('accepts nesting up to the limit, so the limit is exactly where it claims', () => {
    const inner = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    // The frame object itself is one level.
    expect(parseClientFrame(`{"type":"publish","topic":"t","data":${inner(MAX_NESTING_DEPTH - 1)}}`).ok).toBe(true);
    expect(reasonOf(`{"type":"publish","topic":"t","data":${inner(MAX_NESTING_DEPTH)}}`)).toBe(CloseReason.tooDeep);
  });

  it('keeps every reason within the 123 bytes a close frame allows, and ASCII', () => {
    const long = `{"type":"subscribe","topics":[${'1,'.repeat(1000)}1]}`;
    for (const text of [long, '{"type":"shout"}', '[', '{}']) {
      const reason = reasonOf(text);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      expect(reason).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('never echoes what the client sent in the reason', () => {
    expect(reasonOf('{"type":"secret-room-name"}')).not.toContain('secret');
    expect(reasonOf('{"type":"publish","topic":["secret-room-name"]}')).not.toContain('secret');
  });
});

describe('exceedsNesting', () => {
  it('counts brackets, not characters inside strings', () => {
    expect(exceedsNesting('{"a":"[[[[[[[[[["}', 2)).toBe(false);
    expect(exceedsNesting('{"a":"\\"[[[[["}', 2)).toBe(false);
    expect(exceedsNesting('[[["\\\\"]]]', 2)).toBe(true);
    expect(exceedsNesting('[[]]', 2)).toBe(false);
    expect(exceedsNesting('[[[]]]', 2)).toBe(true);
  });

  it('stops counting at a bracket that closes nothing (JSON.parse fails there first)', () => {
    expect(exceedsNesting(']' + '['.repeat(10), 3)).toBe(false);
  });
});
