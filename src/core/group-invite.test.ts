import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts';
import { generateSigningKeyPair } from './crypto.ts';
import { createGroupInvite, groupInviteKeys, isGroupLink, openOffers, parseGroupInvite, sealOffer, type GroupOffer } from './group-invite.ts';
import type { AccountId } from './ids.ts';
import { INVITE_TTL_MS } from './invite.ts';

const NOW = 1_790_000_000_000;
const GID = '0123456789abcdef0123456789abcdef';

async function admin() {
  const keys = await generateSigningKeyPair();
  return { account: toBase64Url(keys.publicKey) as AccountId, accountPrivateKey: keys.privateKey, name: 'Alice' };
}

const reencode = (link: string, edit: (o: Record<string, unknown>) => void) => {
  const payload = link.slice(link.indexOf('#/group/') + 8);
  const obj = JSON.parse(fromUtf8(fromBase64Url(payload)!));
  edit(obj);
  return '#/group/' + toBase64Url(utf8(JSON.stringify(obj)));
};

describe('group invite links', () => {
  it('round-trip: the joiner derives the same rendezvous and opens the sealed secret', async () => {
    const { link, keys } = await createGroupInvite(await admin(), { gid: GID, name: 'Hikers' }, NOW);
    expect(isGroupLink(`https://floe.example/${link}`)).toBe(true);
    const parsed = await parseGroupInvite(`https://floe.example/${link}`, { now: NOW + 1 });
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.name).toBe('Hikers');
    const theirs = await groupInviteKeys(parsed.value);
    expect(theirs).toEqual(keys);
    expect(keys.room).toMatch(/^[0-9a-f]{32}$/);
    const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    const old: GroupOffer = { v: 1, gid: GID, secret: toBase64Url(new Uint8Array(32)), epoch: 0, room: 'a'.repeat(32) };
    const current: GroupOffer = { ...old, secret, epoch: 1 };
    const bodies = [await sealOffer(keys, current), await sealOffer(keys, old), utf8('junk someone posted')];
    const opened = await openOffers(theirs, parsed.value, bodies);
    expect(opened).toEqual({ ok: true, value: current });
    // What the relay stores never holds the secret or the link's key.
    for (const b of bodies) {
      const text = new TextDecoder().decode(b); // lenient: ciphertext is not UTF-8
      expect(text).not.toContain(secret);
      expect(text).not.toContain(parsed.value.k);
    }
  });

  it('refuses tampered, truncated, expired, junk and future-version links with a clear code', async () => {
    const { link } = await createGroupInvite(await admin(), { gid: GID, name: 'Hikers' }, NOW);
    const code = async (text: string, now = NOW) => {
      const r = await parseGroupInvite(text, { now });
      return r.ok ? 'ok' : r.error.code;
    };
    expect(await code(link)).toBe('ok');
    expect(await code(reencode(link, (o) => (o.name = 'Evil twin')))).toBe('invite/bad-signature');
    expect(await code(reencode(link, (o) => (o.exp = (o.exp as number) + 1)))).toBe('invite/bad-signature');
    expect(await code(reencode(link, (o) => (o.k = toBase64Url(new Uint8Array(32)))))).toBe('invite/bad-signature');
    expect(await code(link.slice(0, link.length - 10))).toBe('invite/damaged');
    expect(await code(link.slice(0, 40))).toBe('invite/damaged');
    expect(await code(link, NOW + INVITE_TTL_MS)).toBe('invite/expired');
    expect(await code(reencode(link, (o) => (o.v = 2)))).toBe('invite/unsupported-version');
    expect(await code(reencode(link, (o) => (o.kind = 'contact')))).toBe('invite/damaged');
    for (const junk of ['', '#/group/', '#/group/%%%', '#/group/' + toBase64Url(utf8('{}'))]) expect(await code(junk)).toBe('invite/damaged');
    const message = await parseGroupInvite(link.slice(0, 50), { now: NOW });
    expect(message.ok ? '' : message.error.message).toMatch(/incomplete or damaged/);
  });

  it('finds no offer when the room is empty, holds only junk, or offers another group', async () => {
    const { invite, keys } = await createGroupInvite(await admin(), { gid: GID, name: 'Hikers' }, NOW);
    const other = await createGroupInvite(await admin(), { gid: GID, name: 'Hikers' }, NOW);
    const otherGroup = await sealOffer(keys, { v: 1, gid: 'f'.repeat(32), secret: toBase64Url(new Uint8Array(32)), epoch: 0, room: 'a'.repeat(32) });
    const wrongKey = await sealOffer(other.keys, { v: 1, gid: GID, secret: toBase64Url(new Uint8Array(32)), epoch: 0, room: 'a'.repeat(32) });
    for (const bodies of [[], [utf8('x')], [otherGroup], [wrongKey]]) {
      const r = await openOffers(keys, invite, bodies);
      expect(r.ok ? 'ok' : r.error.code).toBe('group/unavailable');
    }
  });
});
