import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame, encodeFrame, encodePushRooms, MAX_UNSUBSCRIBE_ROOMS, type ClientHeader } from './protocol.ts';
import { fromUtf8 } from './bytes.ts';

const room = '0123456789abcdef0123456789abcdef';
const cap = 'A'.repeat(43);
const id = 'req-0001';

describe('/v1 push frames', () => {
  it('round-trip subscribe (rooms in the body), unsubscribe and the answers', () => {
    const sub: ClientHeader = { t: 'push-subscribe', id, endpoint: 'https://push.example.com/x', p256dh: 'B', auth: 'a' };
    const d = decodeClientFrame(encodeFrame(sub, encodePushRooms([{ room, cap }])));
    expect(d.ok && d.frame.header).toEqual(sub);
    expect(d.ok && JSON.parse(fromUtf8(d.frame.body))).toEqual([{ room, cap }]);
    const un: ClientHeader = { t: 'push-unsubscribe', id, endpoint: 'https://push.example.com/x', rooms: [room] };
    expect(decodeClientFrame(encodeFrame(un)).ok).toBe(true);
    for (const h of [{ t: 'push-key', id, key: 'BK' }, { t: 'push-subscribed', id, rooms: 3 }, { t: 'push-unsubscribed', id, rooms: 0 }] as const) {
      expect(decodeServerFrame(encodeFrame(h)).ok).toBe(true);
    }
  });

  it('refuses frames past their bounds at the schema (the relay closes 1007)', () => {
    const long = decodeClientFrame(encodeFrame({ t: 'push-subscribe', id, endpoint: 'x'.repeat(2049), p256dh: 'B', auth: 'a' }));
    expect(long.ok).toBe(false);
    const many = Array.from({ length: MAX_UNSUBSCRIBE_ROOMS + 1 }, () => room);
    expect(decodeClientFrame(encodeFrame({ t: 'push-unsubscribe', id, endpoint: 'e', rooms: many })).ok).toBe(false);
    expect(decodeClientFrame(encodeFrame({ t: 'push-unsubscribe', id, endpoint: 'e', rooms: ['not-a-room'] })).ok).toBe(false);
  });
});
