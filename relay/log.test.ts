import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with msg, level label and fields', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ port: 1234, host: '127.0.0.1' }, 'listening');
    log.debug('not at info');
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ msg: 'listening', port: 1234, host: '127.0.0.1', level: 'info', name: 'floe-relay' });
  });

  it('redacts keys that could carry room ids or secrets, even one level down', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ topic: 'room-id', topics: ['a'], data: 'x', password: 'p', conn: { topic: 'room-id', token: 't' } }, 'oops');
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('room-id');
    expect(text).not.toContain('"p"');
    expect(out.lines()[0]).toMatchObject({ topic: '[redacted]', conn: { topic: '[redacted]', token: '[redacted]' } });
  });

  it('keeps error messages, which operators need', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.error({ err: new Error('listen EADDRINUSE') }, 'cannot listen');
    expect(out.lines()[0]).toMatchObject({ err: { message: 'listen EADDRINUSE' } });
  });
});
