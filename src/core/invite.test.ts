import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts';
import { canonicalJson } from './canonical.ts';
import { generateSigningKeyPair } from './crypto.ts';
import type { AccountId } from './ids.ts';
import { acceptInvite, createInvite, INVITE_TTL_MS, openHello, parseInvite, rendezvous, type Me } from './invite.ts';

const NOW = 1_790_000_000_000;

async function person(name: string): Promise<Me> {
  const keys = await generateSigningKeyPair();
  return { account: toBase64Url(keys.publicKey) as AccountId, accountPrivateKey: keys.privateKey, name };
}

const reencode = (link: string, edit: (o: Record<string, unknown>) => void) => {
  const payload = link.slice(link.indexOf('#/invite/') + 9);
  const obj = JSON.parse(fromUtf8(fromBase64Url(payload)!));
  edit(obj);
  return '#/invite/' + toBase64Url(utf8(JSON.stringify(obj)));
};

describe('contact invites', () => {
  it('round-trip: both sides derive the same secret and the inviter learns who accepted', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { link, pending } = await createInvite(alice, NOW);
    const parsed = await parseInvite(`https://floe.example${link}`, { now: NOW + 1000, self: bob.account });
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.name).toBe('Alice');
    const accepted = await acceptInvite(parsed.value, bob);
    expect(accepted.rendezvous).toEqual(await rendezvous(pending.id, pending.x));
    expect(accepted.rendezvous.room).toMatch(/^[0-9a-f]{32}$/);
    expect(accepted.rendezvous.cap).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const opened = await openHello(pending, alice.account, JSON.parse(JSON.stringify(accepted.hello)));
    if (!opened.ok) throw opened.error;
    expect(opened.value.account).toBe(bob.account);
    expect(opened.value.name).toBe('Bob');
    expect(opened.value.secret).toEqual(accepted.secret);
    expect(accepted.secret).toHaveLength(32);
  });

  it('does not put the secret, the nickname or keys in the hello in clear', async () => {
    const alice = await person('Alice');
    const bob = await person('Bobby McBobface');
    const { invite } = await createInvite(alice, NOW);
    const { hello, secret } = await acceptInvite(invite, bob);
    const wire = JSON.stringify(hello);
    expect(wire).not.toContain('Bobby');
    expect(wire).not.toContain(bob.account);
    expect(wire).not.toContain(toBase64Url(secret));
  });

  it('refuses tampered, truncated, expired, self, junk and future-version links with a clear code', async () => {
    const alice = await person('Alice');
    const { link } = await createInvite(alice, NOW);
    const opts = { now: NOW };
    const code = async (text: string, o: { now: number; self?: AccountId } = opts) => {
      const r = await parseInvite(text, o);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(await code(link)).toBe('ok');
    expect(await code(reencode(link, (o) => (o.name = 'Mallory')))).toBe('invite/bad-signature');
    expect(await code(reencode(link, (o) => (o.exp = (o.exp as number) + 1)))).toBe('invite/bad-signature');
    expect(await code(link.slice(0, link.length - 10))).toBe('invite/damaged');
    expect(await code(link.slice(0, 30))).toBe('invite/damaged');
    expect(await code(link, { now: NOW + INVITE_TTL_MS })).toBe('invite/expired');
    expect(await code(link, { now: NOW, self: alice.account })).toBe('invite/self');
    expect(await code(reencode(link, (o) => (o.v = 2)))).toBe('invite/unsupported-version');
    expect(await code(reencode(link, (o) => delete o.sig))).toBe('invite/damaged');
    for (const junk of ['', 'hello', '#/invite/', '#/invite/!!!!', '#/invite/' + toBase64Url(utf8('[]')), '#/invite/' + toBase64Url(utf8(canonicalJson({ v: 1 })))]) {
      expect(await code(junk)).toBe('invite/damaged');
    }
  });

  it('inviter refuses hellos that are forged, for another invite, or damaged', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { invite, pending } = await createInvite(alice, NOW);
    const other = await createInvite(alice, NOW);
    const { hello } = await acceptInvite(invite, bob);

    const wrong = await openHello(other.pending, alice.account, hello);
    expect(!wrong.ok && wrong.error.code).toBe('hello/wrong-invite');

    const box = fromBase64Url(hello.box)!;
    box[box.length - 1]! ^= 1;
    const flipped = await openHello(pending, alice.account, { ...hello, box: toBase64Url(box) });
    expect(!flipped.ok && flipped.error.code).toBe('hello/wrong-invite');

    const notForMe = await openHello(pending, bob.account, hello);
    expect(!notForMe.ok && notForMe.error.code).toBe('hello/wrong-invite');

    for (const junk of [null, {}, { v: 1, e: 'x', box: 'y' }, { ...hello, box: '***' }, { ...hello, e: toBase64Url(new Uint8Array(32)) }]) {
      const r = await openHello(pending, alice.account, junk);
      expect(r.ok).toBe(false);
    }
  });
});
