// GroupChat over one real shared Y.Doc, as three people's devices see it (Yjs updates copied
// between three docs, as the relay would). The host's `rotate` is recorded instead of sealing new
// secrets: rotation itself is tested in core/rotation.test.ts, and the point here is *who* rotates,
// *when*, and for *whom*.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AccountDoc } from '../core/account-doc.ts';
import { toBase64Url } from '../core/bytes.ts';
import { generateAgreementKeyPair, generateSigningKeyPair } from '../core/crypto.ts';
import { groupLog, groupRotatedFor, newGroupId, tokenHashOf } from '../core/group-actions.ts';
import type { AccountId, DeviceId, RoomId } from '../core/ids.ts';
import { certifyDevice, type DeviceCertificate } from '../core/message.ts';
import { DeviceClock } from './clock.ts';
import { GroupChat } from './group.svelte.ts';
import type { Runtime } from './runtime.ts';

const ROOM = 'ab'.repeat(16) as RoomId;

/** One person's device: keys, its copy of the group doc, and recorded rotations; `aheadMs` sets its wall clock ahead. */
async function device(name: string, docs: Y.Doc[], aheadMs = 0) {
  const account = await generateSigningKeyPair();
  const dev = await generateSigningKeyPair();
  const cert = await certifyDevice(account.privateKey, {
    account: toBase64Url(account.publicKey) as AccountId,
    device: toBase64Url(dev.publicKey) as DeviceId,
    x: toBase64Url((await generateAgreementKeyPair()).publicKey),
    name,
    created: 1,
  });
  const doc = new Y.Doc();
  docs.push(doc);
  doc.getMap<DeviceCertificate>('devices').set(cert.device, cert);
  const accountDoc = new AccountDoc(new Y.Doc());
  accountDoc.setProfile({ name, created: 1 });
  const now = () => Date.now() + aheadMs;
  const rt = {
    me: { account: cert.account, device: cert.device, devicePrivateKey: dev.privateKey, accountPrivateKey: account.privateKey, certificate: cert },
    account: accountDoc,
    clock: new DeviceClock(cert.device, now),
    now,
  } as unknown as Runtime;
  const rotations: DeviceId[][] = [];
  const host = {
    doc,
    room: ROOM,
    certificate: async (d: string) => doc.getMap<DeviceCertificate>('devices').get(d),
    local: (edit: () => void) => doc.transact(edit),
    settled: async () => undefined,
    rotate: async (revoked: DeviceId[]) => void rotations.push(revoked),
  };
  const join = (gid: string) => {
    accountDoc.addGroup({ room: ROOM, kind: 'group', secret: toBase64Url(new Uint8Array(32)), peer: cert.account, created: 1, gid });
    return new GroupChat(rt, host, gid);
  };
  return { name, cert, doc, rt, rotations, join };
}

/** Brings every doc up to date with every other (what the relay and WebRTC do). */
function sync(docs: Y.Doc[]) {
  for (const a of docs) for (const b of docs) if (a !== b) Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
}

/** An invite action with a known token (createInvite also needs a relay: tests/relay/group-invite.test.ts). */
async function invite(g: GroupChat, id: string, token: string) {
  // A week, as real invites (core/group-invite.ts): a joiner's clock minutes ahead is still in time.
  await (g as unknown as { act: (b: unknown) => Promise<void> }).act({ t: 'invite', invite: id, token: await tokenHashOf(token), exp: Date.now() + 7 * 86_400_000 });
}

type Person = Awaited<ReturnType<typeof device>> & { group: GroupChat };

describe('GroupChat', () => {
  it('removal and leave rotate the secret, each once, on the right device', async () => {
    const docs: Y.Doc[] = [];
    const [a, b, c] = [await device('Alice', docs), await device('Bob', docs), await device('Carol', docs)];
    const { gid, nonce } = await newGroupId(a.cert.account); // the id commits to its owner
    const [alice, bob, carol] = [a, b, c].map((p) => ({ ...p, group: p.join(gid) })) as [Person, Person, Person];
    await alice.group.create(nonce, 'Hikers', 200);
    const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    await invite(alice.group, 'A'.repeat(22), token);
    sync(docs);
    await bob.group.join('A'.repeat(22), token);
    await carol.group.join('A'.repeat(22), token);
    sync(docs);
    for (const p of [alice, bob, carol]) await p.group.refresh();
    expect(alice.group.members.map((m) => `${m.name}:${m.role}`)).toEqual(['Alice:owner', 'Bob:member', 'Carol:member']);

    // A member cannot remove anyone: refused before anything is written or rotated.
    const refused = await bob.group.remove(carol.cert.account);
    expect(refused.ok ? 'ok' : refused.error.code).toBe('group/not-allowed');
    expect(bob.rotations).toEqual([]);

    // The owner removes Carol: her device is revoked in the rotation, at once.
    expect((await alice.group.remove(carol.cert.account)).ok).toBe(true);
    expect(alice.rotations).toEqual([[carol.cert.device]]);
    sync(docs);
    await carol.group.refresh();
    expect(carol.group.gone).toBe('removed');

    // Bob leaves: he does not rotate (he would know the new secret); Alice's device does, once.
    await bob.group.leave();
    expect(bob.rotations).toEqual([]);
    expect(bob.rt.account.conversation(ROOM)).toBeUndefined();
    sync(docs);
    await alice.group.refresh();
    expect(alice.rotations).toEqual([[carol.cert.device], [bob.cert.device]]);
    expect(groupRotatedFor(alice.doc).size).toBe(1);
    await alice.group.refresh();
    expect(alice.rotations).toHaveLength(2);
    expect(alice.group.members.map((m) => m.name)).toEqual(['Alice']);
    expect(groupLog(alice.doc).length).toBe(6); // create, invite, 2 joins, remove, leave
  });

  // Playwright's clock moved Alice's page minutes ahead once showed a fresh member's messages as
  // "Unverified sender" on both sides: the join, stamped by the joiner's own wall clock, sorted
  // before the group's create and invite, so the fold refused it. Both directions, within MAX_DRIFT_MS.
  for (const ahead of ['owner', 'joiner'] as const) {
    it(`counts a fresh member's join and messages when the ${ahead}'s clock is 3 minutes ahead`, async () => {
      const docs: Y.Doc[] = [];
      const a = await device('Alice', docs, ahead === 'owner' ? 3 * 60_000 : 0);
      const b = await device('Bob', docs, ahead === 'joiner' ? 3 * 60_000 : 0);
      const { gid, nonce } = await newGroupId(a.cert.account);
      const [alice, bob] = [a, b].map((p) => ({ ...p, group: p.join(gid) })) as [Person, Person];
      await alice.group.create(nonce, 'Skewed', 200);
      const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
      await invite(alice.group, 'C'.repeat(22), token);
      sync(docs);
      await bob.group.refresh(); // what prepareJoin and the conversation's first refresh do
      await bob.group.join('C'.repeat(22), token);
      const bobWrites = bob.rt.clock.tick(); // his first message, right after joining
      sync(docs);
      await Promise.all([alice.group.refresh(), bob.group.refresh()]);
      alice.rt.clock.observe(bobWrites); // Alice reads it, then answers
      const aliceWrites = alice.rt.clock.tick();
      for (const p of [alice, bob]) {
        expect(p.group.state.flagged).toEqual([]);
        expect(p.group.members.map((m) => `${m.name}:${m.role}`)).toEqual(['Alice:owner', 'Bob:member']);
        expect(p.group.trusts(b.cert.account, bobWrites)).toBe(true);
        expect(p.group.trusts(a.cert.account, aliceWrites)).toBe(true);
      }
      // The member check still refuses an outsider's correctly signed record.
      expect(alice.group.trusts((await device('Mallory', [])).cert.account, aliceWrites)).toBe(false);
    });
  }

  it('tells a joiner whose join came too late for the size limit', async () => {
    const docs: Y.Doc[] = [];
    const [a, b, c] = [await device('Alice', docs), await device('Bob', docs), await device('Carol', docs)];
    const { gid, nonce } = await newGroupId(a.cert.account);
    const [alice, bob, carol] = [a, b, c].map((p) => ({ ...p, group: p.join(gid) })) as [Person, Person, Person];
    await alice.group.create(nonce, 'Pair', 2);
    const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    await invite(alice.group, 'B'.repeat(22), token);
    sync(docs);
    // Both saw room for one more and joined; the log admits whoever comes first in HLC order.
    await bob.group.join('B'.repeat(22), token);
    await carol.group.join('B'.repeat(22), token);
    sync(docs);
    await Promise.all([bob.group.refresh(), carol.group.refresh()]);
    const [inside, outside] = bob.group.myRole ? [bob, carol] : [carol, bob];
    expect(inside.group.joinRefused).toBeNull();
    expect(outside.group.myRole).toBeNull();
    expect(outside.group.joinRefused).toBe('the group is full');
  });
});
