import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.ts';
import { LEDGER_ERROR_CODES } from './ledger/refusal.ts';
import { decodeClientFrame, decodeServerFrame, encodeFrame, ERROR_CODES, isLedgerHeader, MAX_HEADER_BYTES } from './protocol.ts';

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

describe('/v1 ledger frames', () => {
  const ACCOUNT = 'B'.repeat(42) + 'A';
  const ID = 'AAECAwQFBgcICQoLDA0ODw';
  const reason = (b: Uint8Array) => {
    const r = decodeClientFrame(b);
    return r.ok ? 'ok' : r.reason;
  };

  it('carries any transfer value to the ledger, which refuses bad ones by code (not by closing)', () => {
    for (const transfer of [{ v: 1, amount: -1 }, 'text', null, 5]) {
      const r = decodeClientFrame(encodeFrame({ t: 'transfer', id: ID, transfer }));
      expect(r.ok && r.frame.header).toEqual({ t: 'transfer', id: ID, transfer });
      expect(r.ok && isLedgerHeader(r.frame.header)).toBe(true);
    }
    expect(reason(encodeFrame({ t: 'transfer', transfer: {} } as never))).toMatch(/id/);
  });

  it('validates query fields and bounds', () => {
    expect(reason(encodeFrame({ t: 'balance', id: ID, account: ACCOUNT }))).toBe('ok');
    expect(reason(encodeFrame({ t: 'history', id: ID, account: ACCOUNT, limit: 100, before: 7 }))).toBe('ok');
    expect(reason(encodeFrame({ t: 'entries', id: ID, from: 0, limit: 500 }))).toBe('ok');
    expect(reason(encodeFrame({ t: 'checkpoint', id: ID }))).toBe('ok');
    expect(reason(encodeFrame({ t: 'ledger-info', id: ID }))).toBe('ok');
    expect(reason(encodeFrame({ t: 'balance', id: ID, account: 'short' }))).toMatch(/account/);
    expect(reason(encodeFrame({ t: 'history', id: ID, account: ACCOUNT, limit: 101 }))).toMatch(/limit/);
    expect(reason(encodeFrame({ t: 'entries', id: ID, from: 0, limit: 0 }))).toMatch(/limit/);
    expect(reason(encodeFrame({ t: 'inclusion', id: ID, index: 1.5, size: 2 }))).toMatch(/index/);
    expect(reason(encodeFrame({ t: 'consistency', id: 'x', from: 1, to: 2 }))).toMatch(/id/);
    expect(isLedgerHeader({ t: 'ping' })).toBe(false);
  });

  it('decodes the answers a client receives, with lists in the body', () => {
    const cp = { v: 1 as const, log: ACCOUNT, size: 2, root: 'a'.repeat(64), time: 3, sig: 'A'.repeat(86) };
    const receipt = { v: 1 as const, id: ID, hash: 'b'.repeat(64), index: 1, checkpoint: cp, sig: 'A'.repeat(86) };
    const r = decodeServerFrame(encodeFrame({ t: 'receipt', id: ID, receipt }));
    expect(r.ok && r.frame.header).toEqual({ t: 'receipt', id: ID, receipt });
    expect(decodeServerFrame(encodeFrame({ t: 'receipt', id: ID, receipt: { ...receipt, index: -1 } }))).toMatchObject({ ok: false });
    const proof = new Uint8Array(64).fill(7);
    const p = decodeServerFrame(encodeFrame({ t: 'inclusion', id: ID, index: 1, size: 2 }, proof));
    expect(p.ok && p.frame.body).toEqual(proof);
    for (const code of LEDGER_ERROR_CODES) {
      expect(decodeServerFrame(encodeFrame({ t: 'error', code, message: 'm', id: ID })).ok, code).toBe(true);
      expect(ERROR_CODES).toContain(code);
    }
  });
});

