import { describe, expect, it } from 'vitest';
import { toBase64Url } from './bytes.ts';
import { generateAgreementKeyPair, generateSigningKeyPair } from './crypto.ts';
import { newGroupId, signGroupAction, tokenHashOf, verifyGroupActions, type GroupAction, type GroupActionBody } from './group-actions.ts';
import { foldGroup, may, mayWrite } from './group.ts';
import { encodeHlc } from './hlc.ts';
import type { AccountId, DeviceId } from './ids.ts';
import { certifyDevice, type DeviceCertificate } from './message.ts';

const T0 = 1_790_000_000_000;

async function person(name: string) {
  const account = await generateSigningKeyPair();
  const device = await generateSigningKeyPair();
  const cert = await certifyDevice(account.privateKey, {
    account: toBase64Url(account.publicKey) as AccountId,
    device: toBase64Url(device.publicKey) as DeviceId,
    x: toBase64Url((await generateAgreementKeyPair()).publicKey),
    name: `${name}'s phone`,
    created: 1,
  });
  return { name, account: cert.account, device: cert.device, devicePrivateKey: device.privateKey, cert };
}
type Person = Awaited<ReturnType<typeof person>>;

/** A group world: people, their certificates in the doc, and a log with a clock in ms steps. */
async function world() {
  const [alice, bob, carol, mallory] = await Promise.all(['Alice', 'Bob', 'Carol', 'Mallory'].map(person));
  const { gid, nonce } = await newGroupId(alice!.account);
  const certs = new Map<string, DeviceCertificate>([alice, bob, carol, mallory].map((p) => [p!.device, p!.cert]));
  const log: unknown[] = [];
  let tick = 0;
  const at = (p: Person) => encodeHlc({ wall: T0 + ++tick * 1000, counter: 0, node: p.device });
  const act = async (p: Person, body: GroupActionBody, hlc = at(p)) => {
    const a = await signGroupAction(p, gid, hlc, body);
    log.push(JSON.parse(JSON.stringify(a)));
    return a;
  };
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const invite = async (p: Person, exp = T0 + 3_600_000, id = toBase64Url(crypto.getRandomValues(new Uint8Array(16)))) => {
    await act(p, { t: 'invite', invite: id, token: await tokenHashOf(token), exp });
    return id;
  };
  const join = (p: Person, inviteId: string, tok = token) => act(p, { t: 'join', invite: inviteId, token: tok, member: p.name });
  const state = async () => {
    const v = await verifyGroupActions(log, gid, async (d) => certs.get(d));
    return foldGroup(v.actions, v.flagged);
  };
  await act(alice!, { t: 'create', nonce, name: 'Hiking club', limit: 200, member: 'Alice' });
  return { alice: alice!, bob: bob!, carol: carol!, mallory: mallory!, gid, nonce, log, act, at, invite, join, state, token };
}

const names = (s: Awaited<ReturnType<Awaited<ReturnType<typeof world>>['state']>>) => s.members.map((m) => `${m.name}:${m.role}`);

describe('group authority', () => {
  it('folds create, invite, join, promote, rename, announce, remove and leave', async () => {
    const w = await world();
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    await w.join(w.carol, inv);
    await w.act(w.alice, { t: 'promote', account: w.bob.account });
    await w.act(w.bob, { t: 'rename', name: 'Hikers' });
    await w.act(w.bob, { t: 'announce', text: 'Saturday 9:00' });
    await w.act(w.bob, { t: 'remove', account: w.carol.account });
    const s = await w.state();
    expect(s.flagged).toEqual([]);
    expect(s.name).toBe('Hikers');
    expect(s.owner).toBe(w.alice.account);
    expect(s.announcement?.text).toBe('Saturday 9:00');
    expect(names(s)).toEqual(['Alice:owner', 'Bob:admin']);
    expect(s.former.get(w.carol.account)?.how).toBe('removed');
    expect(may(s, w.bob.account, 'remove', w.alice.account)).toBe(false);
    expect(may(s, w.alice.account, 'promote', w.bob.account)).toBe(true);
    expect(may(s, w.bob.account, 'promote', w.alice.account)).toBe(false);

    await w.act(w.bob, { t: 'leave' });
    expect(names(await w.state())).toEqual(['Alice:owner']);
  });

  it('ignores and flags what members are not allowed to do', async () => {
    const w = await world();
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    await w.join(w.carol, inv);
    await w.act(w.carol, { t: 'rename', name: 'Carol rules' });
    await w.act(w.carol, { t: 'remove', account: w.bob.account });
    await w.act(w.carol, { t: 'promote', account: w.carol.account });
    await w.act(w.carol, { t: 'announce', text: 'fake news' });
    await w.act(w.carol, { t: 'invite', invite: toBase64Url(new Uint8Array(16)), token: 'ab'.repeat(32), exp: T0 + 9e6 });
    await w.act(w.carol, { t: 'limit', limit: 2 });
    await w.act(w.alice, { t: 'promote', account: w.bob.account });
    await w.act(w.bob, { t: 'promote', account: w.carol.account }); // admins cannot make admins
    await w.act(w.bob, { t: 'remove', account: w.alice.account }); // nor remove the owner
    await w.act(w.alice, { t: 'promote', account: w.carol.account });
    await w.act(w.bob, { t: 'remove', account: w.carol.account }); // nor another admin
    await w.act(w.mallory, { t: 'leave' }); // not a member
    const s = await w.state();
    expect(s.name).toBe('Hiking club');
    expect(s.announcement).toBeNull();
    expect(s.limit).toBe(200);
    expect(names(s)).toEqual(['Alice:owner', 'Bob:admin', 'Carol:admin']);
    expect(s.flagged.map((f) => f.reason)).toEqual([
      'only the owner or an admin may change the group',
      'only the owner or an admin may remove members',
      'only the owner may change roles',
      'only the owner or an admin may change the group',
      'only the owner or an admin may invite',
      'only the owner may change the size limit',
      'only the owner may change roles',
      'the owner cannot be removed',
      'only the owner may remove an admin',
      'not a member',
    ]);
  });

  it('flags forged, tampered, replayed and foreign actions before folding', async () => {
    const w = await world();
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    // Mallory holds the secret (say she saw the doc) and claims to be Alice.
    const forged = await signGroupAction({ ...w.mallory, account: w.alice.account }, w.gid, w.at(w.mallory), { t: 'rename', name: 'Pwned' });
    w.log.push(forged);
    // Bob's rename with its name changed after signing.
    const bobs = (await w.act(w.bob, { t: 'announce', text: 'hi' })) as GroupAction & { text: string };
    w.log.push({ ...bobs, id: toBase64Url(new Uint8Array(16).fill(7)), text: 'tampered' });
    // An action signed for another group, and junk.
    const other = await signGroupAction(w.alice, 'f'.repeat(32), w.at(w.alice), { t: 'rename', name: 'Elsewhere' });
    w.log.push(other, null, 42, { t: 'rename' });
    // A device whose certificate is not in the doc.
    const stranger = await person('Stranger');
    w.log.push(await signGroupAction(stranger, w.gid, w.at(stranger), { t: 'leave' }));
    const s = await w.state();
    expect(s.name).toBe('Hiking club');
    expect(s.announcement).toBeNull(); // Bob is a member, not an admin
    const reasons = s.flagged.map((f) => f.reason).sort();
    expect(reasons).toEqual(
      [
        'device does not belong to the actor',
        'bad signature',
        'belongs to another group',
        'malformed',
        'malformed',
        'malformed',
        'unknown device',
        'only the owner or an admin may change the group',
      ].sort(),
    );
  });

  it('lets only the owner of the group id create it, even with an earlier timestamp', async () => {
    const w = await world();
    const early = encodeHlc({ wall: T0 - 60_000, counter: 0, node: w.mallory.device });
    await w.act(w.mallory, { t: 'create', nonce: w.nonce, name: 'Mine now', limit: 2000, member: 'Mallory' }, early);
    const s = await w.state();
    expect(s.owner).toBe(w.alice.account);
    expect(s.name).toBe('Hiking club');
    expect(s.flagged.map((f) => f.reason)).toEqual(['not the owner of this group id']);
    // A second create by the real owner does not reset anything either.
    await w.act(w.alice, { t: 'create', nonce: w.nonce, name: 'Again', limit: 2, member: 'Alice' });
    expect((await w.state()).flagged.map((f) => f.reason)).toContain('the group already exists');
  });

  it('needs the invite token, an unexpired invite and a newer invite after removal', async () => {
    const w = await world();
    const inv = await w.invite(w.alice, T0 + 5500); // expires between Bob's and Carol's join
    await w.join(w.mallory, inv, toBase64Url(new Uint8Array(32))); // guessed token
    await w.join(w.mallory, 'A'.repeat(22)); // no such invite
    await w.join(w.bob, inv);
    await w.join(w.carol, inv); // too late
    let s = await w.state();
    expect(names(s)).toEqual(['Alice:owner', 'Bob:member']);
    expect(s.flagged.map((f) => f.reason)).toEqual(['no valid invite for this join', 'no valid invite for this join', 'the invite had expired']);

    const inv2 = await w.invite(w.alice);
    await w.act(w.alice, { t: 'remove', account: w.bob.account });
    await w.join(w.bob, inv2); // an invite from before his removal
    s = await w.state();
    expect(names(s)).toEqual(['Alice:owner']);
    expect(s.flagged.at(-1)?.reason).toBe('removed members need a newer invite');
    const inv3 = await w.invite(w.alice);
    await w.join(w.bob, inv3);
    expect(names(await w.state())).toEqual(['Alice:owner', 'Bob:member']);
  });

  it('enforces the size limit the owner sets', async () => {
    const w = await world();
    await w.act(w.alice, { t: 'limit', limit: 2 });
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    await w.join(w.carol, inv);
    const s = await w.state();
    expect(s.limit).toBe(2);
    expect(names(s)).toEqual(['Alice:owner', 'Bob:member']);
    expect(s.flagged.map((f) => f.reason)).toEqual(['the group is full']);
    // Out-of-range limits never pass the schema.
    await w.act(w.alice, { t: 'limit', limit: 1 });
    expect((await w.state()).flagged.map((f) => f.reason)).toContain('malformed');
  });

  it('hands ownership to the longest-standing admin when the owner leaves', async () => {
    const w = await world();
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    await w.join(w.carol, inv);
    await w.act(w.alice, { t: 'promote', account: w.carol.account });
    await w.act(w.alice, { t: 'leave' });
    const s = await w.state();
    expect(s.owner).toBe(w.carol.account);
    expect(names(s)).toEqual(['Carol:owner', 'Bob:member']);
    expect(s.former.get(w.alice.account)?.how).toBe('left');
  });

  it('counts messages from members, and from former members only before they went', async () => {
    const w = await world();
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    await w.join(w.carol, inv);
    const beforeRemoval = w.at(w.carol);
    const removal = await w.act(w.alice, { t: 'remove', account: w.carol.account });
    const afterRemoval = w.at(w.carol);
    const s = await w.state();
    expect(mayWrite(s, w.bob.account, afterRemoval)).toBe(true);
    expect(mayWrite(s, w.carol.account, beforeRemoval)).toBe(true);
    expect(mayWrite(s, w.carol.account, removal.hlc)).toBe(false);
    expect(mayWrite(s, w.carol.account, afterRemoval)).toBe(false);
    expect(mayWrite(s, w.mallory.account, beforeRemoval)).toBe(false);
  });

  it('checks each stored entry once when given a cache, and failures again', async () => {
    const w = await world();
    const inv = await w.invite(w.alice);
    await w.join(w.bob, inv);
    const stranger = await person('Stranger');
    w.log.push(await signGroupAction(stranger, w.gid, w.at(stranger), { t: 'leave' }));
    const cache = new WeakMap();
    let lookups = 0;
    const certs = new Map<string, DeviceCertificate>([w.alice, w.bob].map((p) => [p.device, p.cert]));
    const certificate = async (d: string) => (lookups++, certs.get(d));
    const first = await verifyGroupActions(w.log, w.gid, certificate, cache);
    expect(first.actions).toHaveLength(3);
    expect(first.flagged.map((f) => f.reason)).toEqual(['unknown device']);
    lookups = 0;
    certs.set(stranger.device, stranger.cert); // the stranger's certificate arrives later
    const second = await verifyGroupActions(w.log, w.gid, certificate, cache);
    expect(lookups).toBe(1);
    expect(second.actions).toHaveLength(4);
    expect(second.flagged).toEqual([]);
  });

  it('ignores everything before the group was created and a log with no create', async () => {
    const w = await world();
    w.log.splice(0); // drop the create
    await w.act(w.mallory, { t: 'rename', name: 'x' });
    const s = await w.state();
    expect(s.created).toBe(false);
    expect(s.members).toEqual([]);
    expect(s.flagged.map((f) => f.reason)).toEqual(['before the group was created']);
  });
});
