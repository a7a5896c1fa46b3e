import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.ts';
import { decodeClientFrame, decodeServerFrame, encodeFrame, MAX_HEADER_BYTES } from './protocol.ts';

const ROOM = 'ab'.repeat(16);
const CAP = 'A'.repeat(43);

describe('/v1 frame codec', () => {
  it('round-trips headers and binary bodies without inflating them', () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const bytes = encodeFrame({ t: 'push', room: ROOM, cap: CAP, id: 'abcdefgh' }, body);
    const r = decodeClientFrame(bytes);
    expect(r.ok && r.frame.header).toEqual({ t: 'push', room: ROOM, cap: CAP, id: 'abcdefgh' });
    expect(r.ok && r.frame.body).toEqual(body);
    expect(bytes.length).toBeLessThan(body.length + 160); // a header, not base64 (which would add 333 bytes)
    const s = decodeServerFrame(encodeFrame({ t: 'entry', room: ROOM, seq: 7, kind: 'update' }, body));
    expect(s.ok && s.frame.header.t).toBe('entry');
  });

  it('handles headers longer than 127 bytes (multi-byte length)', () => {
    const r = decodeServerFrame(encodeFrame({ t: 'error', code: 'forbidden', message: 'x'.repeat(300) }));
    expect(r.ok).toBe(true);
  });

  it('refuses truncated, oversized, non-JSON and schema-violating frames with a reason', () => {
    const good = encodeFrame({ t: 'open', room: ROOM, cap: CAP, after: 0 });
    const reason = (b: Uint8Array) => {
      const r = decodeClientFrame(b);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason(new Uint8Array(0))).toMatch(/truncated/);
    expect(reason(good.subarray(0, 10))).toMatch(/truncated/);
    expect(reason(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x01]))).toMatch(/truncated|too large/);
    const big = utf8(JSON.stringify({ t: 'ping', pad: 'x'.repeat(MAX_HEADER_BYTES) }));
    expect(reason(Uint8Array.from([...[0x80 | (big.length & 0x7f), big.length >> 7], ...big]))).toMatch(/too large/);
    expect(reason(Uint8Array.from([3, 0x7b, 0x7b, 0x7b]))).toMatch(/not JSON/);
    expect(reason(encodeFrame({ t: 'open', room: 'nothex', cap: CAP, after: 0 } as never))).toMatch(/room/);
    expect(reason(encodeFrame({ t: 'open', room: ROOM, cap: CAP, after: -1 } as never))).toMatch(/after/);
    expect(reason(encodeFrame({ t: 'launch-missiles' } as never))).toMatch(/invalid frame/);
    expect(reason(encodeFrame({ t: 'welcome', v: 1, retentionMs: 1, maxUpdateBytes: 1, maxSnapshotBytes: 1 } as never))).toMatch(/invalid/);
  });
});
