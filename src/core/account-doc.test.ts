// AccountDoc: every method on one replica, then convergence of several replicas (real Y.Docs)
// editing concurrently over a seeded in-memory network that drops, duplicates and reorders.
//
// Reproduce a run with FLOE_ACCOUNT_SEED=<seed> npx vitest run --project unit src/core/account-doc.
// A seed that ever fails is added to PINNED_SEEDS so it runs every time from then on.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AccountDoc, type Contact, type ConversationEntry, type DeviceEntry } from './account-doc.ts';
import type { PendingInvite } from './invite.ts';
import type { AccountId, DeviceId, InviteId, RoomId } from './ids.ts';
import type { DeviceCertificate } from './message.ts';
import { seededRandom } from './seeded.ts';

const T0 = 1_790_000_000_000;
const key = (tag: string) => tag.padEnd(43, 'A');
const account = (n: number | string) => key(`acct${n}`) as AccountId;
const deviceId = (n: number | string) => key(`dev${n}`) as DeviceId;
const roomOf = (n: number | string) => `room${n}`.padEnd(32, '0') as RoomId;

// AccountDoc stores certificates without checking them; a well-shaped fake is enough here.
const certificate = (device: DeviceId, name: string): DeviceCertificate =>
  ({ v: 1, account: account('me'), device, x: key('x'), name, created: T0, sig: 'S'.repeat(86) }) as DeviceCertificate;

const device = (n: number | string, over: Partial<DeviceEntry> = {}): DeviceEntry => {
  const id = deviceId(n);
  return { device: id, name: `Device ${n}`, platform: 'test', created: T0, lastSeen: T0, certificate: certificate(id, `Device ${n}`), ...over };
};

const contact = (n: number | string, over: Partial<Contact> = {}): Contact => ({
  account: account(n),
  name: `Contact ${n}`,
  conversation: roomOf(n),
  added: T0,
  ...over,
});

const conversation = (n: number | string, over: Partial<ConversationEntry> = {}): ConversationEntry => ({
  room: roomOf(n),
  kind: 'direct',
  secret: key(`secret${n}`),
  peer: account(n),
  created: T0,
  ...over,
});

const invite = (n: number, exp: number): PendingInvite => ({ id: `invite${n}`.padEnd(22, 'A') as InviteId, x: key('x'), xPrivate: 'P', exp });

/** An AccountDoc whose edits are counted, and the number of Yjs updates they produced. */
function counted() {
  const doc = new Y.Doc();
  const stats = { edits: 0, updates: 0 };
  doc.on('update', () => stats.updates++);
  const acc = new AccountDoc(doc, (change) => {
    stats.edits++;
    doc.transact(change, 'test');
  });
  return { doc, acc, stats };
}

describe('AccountDoc on one replica', () => {
  it('names its root maps', () => {
    const acc = new AccountDoc(new Y.Doc());
    const maps = [acc.profileMap, acc.contactsMap, acc.conversationsMap, acc.invitesMap, acc.devicesMap, acc.revokedMap, acc.settingsMap, acc.readMap, acc.rotationsMap, acc.seenMap, acc.keysMap];
    expect(maps).toEqual([
      acc.doc.getMap('profile'),
      acc.doc.getMap('contacts'),
      acc.doc.getMap('conversations'),
      acc.doc.getMap('invites'),
      acc.doc.getMap('devices'),
      acc.doc.getMap('revoked'),
      acc.doc.getMap('settings'),
      acc.doc.getMap('read'),
      acc.doc.getMap('rotations'),
      acc.doc.getMap('seen'),
      acc.doc.getMap('keys'),
    ]);
    expect(ROOT_MAPS).toEqual(['profile', 'contacts', 'conversations', 'invites', 'devices', 'revoked', 'settings', 'read', 'rotations', 'seen', 'keys']);
  });

  it('routes every change through the injected edit, one transaction each, and skips no-ops', () => {
    const { acc, stats } = counted();
    acc.setProfile({ name: 'Me', created: T0 });
    acc.addContact(contact(1), conversation(1));
    acc.setSetting('theme', 'dark');
    acc.upsertDevice(device(1));
    acc.rekeyConversation(roomOf(1), key('rotated'), 2);
    acc.addRotation(1, { any: 'entry' });
    expect(stats).toEqual({ edits: 6, updates: 6 });

    acc.setSetting('theme', 'dark');
    acc.markRead(roomOf(1), '5');
    acc.markRead(roomOf(1), '4');
    acc.upsertDevice(device(1));
    acc.removeContact(account(99));
    acc.updateContact(account(99), { remark: 'x' });
    acc.setConversationFlags(roomOf(99), { pinned: true });
    acc.confirmConversation(roomOf(1)); // no hello pending
    acc.dropExpiredInvites(T0);
    acc.rekeyConversation(roomOf(1), key('older'), 1);
    acc.rekeyConversation(roomOf(99), key('unknown'), 5);
    expect(stats).toEqual({ edits: 7, updates: 7 }); // only the first markRead wrote
  });

  it('uses a plain transaction when no edit function is given', () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on('update', () => updates++);
    new AccountDoc(doc).addContact(contact(1), conversation(1));
    expect(updates).toBe(1);
  });

  it('profile: null until set, then exactly what was set; null for malformed values', () => {
    const acc = new AccountDoc(new Y.Doc());
    expect(acc.profile()).toBeNull();
    acc.setProfile({ name: 'Alice', created: T0 });
    expect(acc.profile()).toEqual({ name: 'Alice', created: T0 });
    acc.setProfile({ name: 'Alice 2', created: T0 });
    expect(acc.profile()).toEqual({ name: 'Alice 2', created: T0 });
    acc.profileMap.set('created', 'yesterday');
    expect(acc.profile()).toBeNull();
  });

  it('contacts: added with their conversation, sorted by name, refreshed without replacing the conversation', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addContact(contact(2, { name: 'Zoe' }), conversation(2));
    acc.addContact(contact(1, { name: 'Adam' }), conversation(1, { secret: key('first') }));
    expect(acc.contacts().map((c) => c.name)).toEqual(['Adam', 'Zoe']);
    expect(acc.conversations().map((c) => c.room).sort()).toEqual([roomOf(1), roomOf(2)].sort());

    acc.addContact(contact(1, { name: 'Adam Smith' }), conversation(1, { secret: key('second') }));
    expect(acc.contactsMap.get(account(1))?.name).toBe('Adam Smith');
    expect(acc.conversation(roomOf(1))?.secret).toBe(key('first'));
    expect(acc.conversations()).toHaveLength(2);
  });

  it('updateContact sets and clears remark and group independently', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addContact(contact(1), conversation(1));
    acc.updateContact(account(1), { remark: 'Mum', group: 'Family' });
    expect(acc.contactsMap.get(account(1))).toMatchObject({ remark: 'Mum', group: 'Family', name: 'Contact 1' });
    acc.updateContact(account(1), { group: 'Work' });
    expect(acc.contactsMap.get(account(1))).toMatchObject({ remark: 'Mum', group: 'Work' });
    acc.updateContact(account(1), { remark: '' });
    const c = acc.contactsMap.get(account(1))!;
    expect('remark' in c).toBe(false);
    expect(c.group).toBe('Work');
    acc.updateContact(account(1), { group: '' });
    expect(acc.contactsMap.get(account(1))).toEqual(contact(1));
    acc.updateContact(account(2), { remark: 'nobody' });
    expect(acc.contactsMap.has(account(2))).toBe(false);
  });

  it('removeContact removes the contact and keeps the conversation (its history stays readable)', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addContact(contact(1), conversation(1));
    acc.removeContact(account(1));
    expect(acc.contacts()).toEqual([]);
    expect(acc.conversations().map((c) => c.room)).toEqual([roomOf(1)]);
  });

  it('confirmConversation drops the pending hello and nothing else', () => {
    const acc = new AccountDoc(new Y.Doc());
    const hello = { room: roomOf('rv'), cap: 'cap', hello: { v: 1 as const, e: key('e'), box: 'box' }, exp: T0 + 1000 };
    acc.addContact(contact(1), conversation(1, { hello, pinned: true }));
    acc.confirmConversation(roomOf(1));
    expect(acc.conversation(roomOf(1))).toEqual(conversation(1, { pinned: true }));
    acc.confirmConversation(roomOf(2));
    expect(acc.conversations()).toHaveLength(1);
  });

  it('setConversationFlags pins and mutes known conversations only, keeping the other flag', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addContact(contact(1), conversation(1));
    acc.setConversationFlags(roomOf(1), { pinned: true });
    acc.setConversationFlags(roomOf(1), { muted: true });
    expect(acc.conversation(roomOf(1))).toMatchObject({ pinned: true, muted: true });
    acc.setConversationFlags(roomOf(1), { pinned: false });
    expect(acc.conversation(roomOf(1))).toMatchObject({ pinned: false, muted: true });
    acc.setConversationFlags(roomOf(2), { pinned: true });
    expect(acc.conversationsMap.has(roomOf(2))).toBe(false);
  });

  it('rekeyConversation replaces the secret only for a newer epoch, keeping the rest of the entry', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addContact(contact(1), conversation(1, { pinned: true }));
    acc.rekeyConversation(roomOf(1), key('e2'), 2);
    expect(acc.conversation(roomOf(1))).toEqual(conversation(1, { pinned: true, secret: key('e2'), epoch: 2 }));
    acc.rekeyConversation(roomOf(1), key('e1'), 1);
    acc.rekeyConversation(roomOf(1), key('e2 again'), 2);
    expect(acc.conversation(roomOf(1))).toMatchObject({ secret: key('e2'), epoch: 2 });
    acc.rekeyConversation(roomOf(1), key('e3'), 3);
    expect(acc.conversation(roomOf(1))).toMatchObject({ secret: key('e3'), epoch: 3, room: roomOf(1) });
    acc.rekeyConversation(roomOf(2), key('x'), 9);
    expect(acc.conversationsMap.has(roomOf(2))).toBe(false);
  });

  it('addRotation records the entry under its epoch', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addRotation(1, { sealed: ['a'] });
    acc.addRotation(2, { sealed: ['b'] });
    expect(acc.rotationsMap.toJSON()).toEqual({ '1': { sealed: ['a'] }, '2': { sealed: ['b'] } });
  });

  it('markRead only moves forward', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.markRead(roomOf(1), '0005');
    acc.markRead(roomOf(1), '0003');
    expect(acc.readPosition(roomOf(1))).toBe('0005');
    acc.markRead(roomOf(1), '0009');
    expect(acc.readPosition(roomOf(1))).toBe('0009');
    acc.markRead(roomOf(2), '0001');
    expect([acc.readPosition(roomOf(1)), acc.readPosition(roomOf(2)), acc.readPosition(roomOf(3))]).toEqual(['0009', '0001', undefined]);
  });

  it('settings: set, overwritten, listed', () => {
    const acc = new AccountDoc(new Y.Doc());
    expect(acc.settings()).toEqual({});
    acc.setSetting('language', 'de');
    acc.setSetting('fontSize', 14);
    acc.setSetting('sounds', false);
    acc.setSetting('language', 'ja');
    expect(acc.settings()).toEqual({ language: 'ja', fontSize: 14, sounds: false });
  });

  it('upsertDevice: adds, renames, lastSeen only moves forward; devices() sorted by creation', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.upsertDevice(device(2, { created: T0 + 10 }));
    acc.upsertDevice(device(1, { created: T0 }));
    expect(acc.devices().map((d) => d.device)).toEqual([deviceId(1), deviceId(2)]);

    acc.upsertDevice(device(1, { lastSeen: T0 + 500 }));
    acc.upsertDevice(device(1, { lastSeen: T0 + 100 }));
    expect(acc.device(deviceId(1))?.lastSeen).toBe(T0 + 500);
    acc.upsertDevice(device(1, { lastSeen: T0 + 100, name: 'Laptop' }));
    expect(acc.device(deviceId(1))).toMatchObject({ name: 'Laptop', lastSeen: T0 + 500 });
  });

  it('revokeDevice removes the device for good: a later upsert does not bring it back', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.upsertDevice(device(1));
    acc.upsertDevice(device(2));
    expect(acc.isRevoked(deviceId(2))).toBe(false);
    acc.revokeDevice(deviceId(2), T0 + 1);
    expect(acc.isRevoked(deviceId(2))).toBe(true);
    expect(acc.revokedMap.get(deviceId(2))).toBe(T0 + 1);
    expect(acc.devices().map((d) => d.device)).toEqual([deviceId(1)]);
    acc.upsertDevice(device(2, { lastSeen: T0 + 999 }));
    expect(acc.devicesMap.has(deviceId(2))).toBe(false);
    expect(acc.devices().map((d) => d.device)).toEqual([deviceId(1)]);
  });

  it('devices() hides a revoked device even if a stale entry arrives from a replica that missed the revocation', () => {
    const a = new AccountDoc(new Y.Doc());
    const b = new AccountDoc(new Y.Doc());
    a.upsertDevice(device(1));
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc));
    a.revokeDevice(deviceId(1), T0 + 1);
    b.upsertDevice(device(1, { lastSeen: T0 + 50 })); // concurrent: b has not heard of the revocation
    syncAll([a.doc, b.doc]);
    for (const r of [a, b]) {
      expect(r.isRevoked(deviceId(1))).toBe(true);
      expect(r.devices()).toEqual([]);
    }
  });

  it('invites: live until they expire, then dropped', () => {
    const acc = new AccountDoc(new Y.Doc());
    acc.addInvite(invite(1, T0 + 100));
    acc.addInvite(invite(2, T0 + 200));
    expect(acc.liveInvites(T0).map((i) => i.exp)).toEqual([T0 + 100, T0 + 200]);
    expect(acc.liveInvites(T0 + 100).map((i) => i.exp)).toEqual([T0 + 200]);
    acc.dropExpiredInvites(T0 + 150);
    expect([...acc.invitesMap.keys()]).toEqual([invite(2, 0).id]);
    acc.dropExpiredInvites(T0 + 200);
    expect(acc.invitesMap.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Convergence

const ROOT_MAPS = ['profile', 'contacts', 'conversations', 'invites', 'devices', 'revoked', 'settings', 'read', 'rotations', 'seen', 'keys'];
const PINNED_SEEDS: number[] = [1, 7, 42, 20260501, 123456789, 2147483646];
const FROM_NETWORK = Symbol('network');

const rng = seededRandom;

/** Full sync between every pair, as y-protocols' sync step 1/2 would do it, until nothing moves. */
function syncAll(docs: Y.Doc[]): void {
  for (let round = 0; round < 5; round++) {
    for (const a of docs) {
      for (const b of docs) if (a !== b) Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), FROM_NETWORK);
    }
    const svs = new Set(docs.map((d) => Buffer.from(Y.encodeStateVector(d)).toString('hex')));
    if (svs.size === 1) return;
  }
}

const snapshot = (doc: Y.Doc) => {
  for (const name of ROOT_MAPS) doc.getMap(name); // toJSON lists only root types given a type
  return doc.toJSON();
};

const stateVector = (doc: Y.Doc) => new Map([...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b));

interface Written {
  read: Map<RoomId, string[]>;
  lastSeen: Map<DeviceId, number[]>;
  epochs: Map<RoomId, number[]>;
  revoked: Set<DeviceId>;
}

interface Packet {
  to: number;
  update: Uint8Array;
}

interface Run {
  replicas: AccountDoc[];
  written: Written;
  stats: Record<string, number>;
}

/** Replicas edit at random while the network misbehaves; ends with everyone reconnected and synced. */
function simulate(seed: number, size = 3, steps = 600): Run {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const stats: Record<string, number> = { edits: 0, delivered: 0, dropped: 0, duplicated: 0, partialSyncs: 0, partitions: 0 };
  const written: Written = { read: new Map(), lastSeen: new Map(), epochs: new Map(), revoked: new Set() };
  let clock = T0;

  const online = new Array<boolean>(size).fill(true);
  const inFlight: Packet[] = [];
  const replicas = Array.from({ length: size }, (_, i) => {
    const doc = new Y.Doc();
    doc.clientID = (seed * 7 + i * 7919 + 1) >>> 0; // Yjs picks clientIDs at random; pin them to the seed
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_NETWORK || !online[i]) return; // offline edits reach others at the next sync
      for (let to = 0; to < size; to++) if (to !== i) inFlight.push({ to, update });
    });
    return new AccountDoc(doc);
  });

  const contacts = [0, 1, 2, 3, 4, 5];
  const devices = [0, 1, 2, 3, 4, 5];
  const groups = ['Friends', 'Family', 'Work', 'Classmates', ''];
  const remarks = ['Mum', 'Boss', 'Old friend', 'Neighbour', ''];
  const settings: [string, (string | number | boolean)[]][] = [
    ['language', ['en', 'zh', 'ja', 'fr']],
    ['theme', ['light', 'dark']],
    ['notifications', [true, false]],
    ['fontSize', [12, 14, 16]],
  ];

  const edits: ((acc: AccountDoc) => void)[] = [
    (acc) => {
      const n = pick(contacts);
      acc.addContact(contact(n, { name: `Contact ${n} v${clock % 97}` }), conversation(n));
    },
    (acc) => acc.removeContact(account(pick(contacts))),
    (acc) => acc.updateContact(account(pick(contacts)), { remark: pick(remarks) }),
    (acc) => acc.updateContact(account(pick(contacts)), { group: pick(groups) }),
    (acc) => {
      const [name, values] = pick(settings);
      acc.setSetting(name, pick(values));
    },
    (acc) => {
      const room = roomOf(pick(contacts));
      const hlc = String(Math.floor(random() * 10_000)).padStart(6, '0');
      acc.markRead(room, hlc);
      written.read.set(room, [...(written.read.get(room) ?? []), hlc]);
    },
    (acc) => acc.setConversationFlags(roomOf(pick(contacts)), chance(0.5) ? { pinned: chance(0.5) } : { muted: chance(0.5) }),
    (acc) => {
      const n = pick(devices);
      const entry = device(n, { lastSeen: clock + Math.floor(random() * 1000), name: chance(0.2) ? `Renamed ${n}` : `Device ${n}` });
      acc.upsertDevice(entry);
      if (!acc.isRevoked(entry.device)) written.lastSeen.set(entry.device, [...(written.lastSeen.get(entry.device) ?? []), entry.lastSeen]);
    },
    (acc) => {
      if (!chance(0.1)) return; // revocations are rare, or no device would survive
      const d = deviceId(pick(devices));
      acc.revokeDevice(d, clock);
      written.revoked.add(d);
    },
    (acc) => acc.setProfile({ name: pick(['Alice', 'Ally', 'A.']), created: T0 }),
    (acc) => {
      const room = roomOf(pick(contacts));
      const epoch = 1 + Math.floor(random() * 20);
      acc.rekeyConversation(room, key(`secret${room}e${epoch}`), epoch);
      if (acc.conversation(room)) written.epochs.set(room, [...(written.epochs.get(room) ?? []), epoch]);
    },
    (acc) => acc.addRotation(1 + Math.floor(random() * 5), { by: acc.doc.clientID, at: clock }),
  ];

  const deliver = () => {
    const at = Math.floor(random() * inFlight.length); // any packet: reordering
    const packet = inFlight[at]!;
    if (chance(0.15)) {
      inFlight.splice(at, 1);
      stats['dropped']!++;
      return;
    }
    if (chance(0.1)) stats['duplicated']!++;
    else inFlight.splice(at, 1);
    if (!online[packet.to]) {
      stats['dropped']!++;
      return;
    }
    Y.applyUpdate(replicas[packet.to]!.doc, packet.update, FROM_NETWORK);
    stats['delivered']!++;
  };

  for (let step = 0; step < steps; step++) {
    clock += 1 + Math.floor(random() * 50);
    const roll = random();
    if (roll < 0.5) {
      pick(edits)(pick(replicas));
      stats['edits']!++;
    } else if (roll < 0.85) {
      if (inFlight.length > 0) deliver();
    } else if (roll < 0.95) {
      const i = Math.floor(random() * size);
      online[i] = !online[i];
      if (!online[i]) stats['partitions']!++;
    } else {
      // Two online replicas meet and exchange state vectors (a reconnect between two of them).
      const a = Math.floor(random() * size);
      const b = (a + 1 + Math.floor(random() * (size - 1))) % size;
      if (online[a] && online[b]) {
        syncAll([replicas[a]!.doc, replicas[b]!.doc]);
        stats['partialSyncs']!++;
      }
    }
  }

  // Reconnect everyone: anything still in flight is delivered (duplicates and all), then full sync.
  online.fill(true);
  while (inFlight.length > 0) deliver();
  syncAll(replicas.map((r) => r.doc));
  return { replicas, written, stats };
}

function expectConverged({ replicas, written }: Run, seed: number): void {
  const [first, ...rest] = replicas;
  const json = snapshot(first!.doc);
  for (const r of rest) {
    expect(snapshot(r.doc), `seed ${seed}: toJSON`).toEqual(json);
    expect(stateVector(r.doc), `seed ${seed}: state vector`).toEqual(stateVector(first!.doc));
  }
  for (const r of replicas) {
    expect(r.doc.store.pendingStructs, `seed ${seed}: nothing waits for missing updates`).toBeNull();
    expect(r.doc.store.pendingDs, `seed ${seed}: no pending deletes`).toBeNull();
    for (const d of written.revoked) {
      expect(r.isRevoked(d), `seed ${seed}: ${d} revoked`).toBe(true);
      expect(r.devices().map((e) => e.device), `seed ${seed}: revoked device listed`).not.toContain(d);
    }
    // Forward-only fields hold the maximum any replica wrote.
    for (const [room, values] of written.read) expect(r.readPosition(room), `seed ${seed}: read ${room}`).toBe(values.reduce((a, b) => (a > b ? a : b)));
    for (const entry of r.devices()) {
      const values = written.lastSeen.get(entry.device);
      if (values) expect(entry.lastSeen, `seed ${seed}: lastSeen`).toBeGreaterThanOrEqual(Math.max(...values));
    }
    for (const entry of r.conversations()) {
      const epochs = written.epochs.get(entry.room) ?? [];
      if (epochs.length === 0) continue;
      expect(entry.epoch, `seed ${seed}: epoch`).toBe(Math.max(...epochs));
      expect(entry.secret).toBe(key(`secret${entry.room}e${entry.epoch}`));
    }
  }
}

describe('AccountDoc convergence (seeded; FLOE_ACCOUNT_SEED=<seed> to reproduce)', () => {
  const check = (seed: number, size: number) => {
    console.log(`account-doc seed ${seed}, ${size} replicas (FLOE_ACCOUNT_SEED=${seed} to reproduce)`);
    const run = simulate(seed, size);
    expectConverged(run, seed);
    expect(run.stats['edits']).toBeGreaterThan(100);
    expect(run.stats['delivered']).toBeGreaterThan(0);
    expect(run.stats['dropped']).toBeGreaterThan(0);
    expect(run.stats['duplicated']).toBeGreaterThan(0);
    expect(run.stats['partitions']).toBeGreaterThan(0);
  };
  for (const seed of PINNED_SEEDS) {
    it(`pinned seed ${seed}, 3 replicas`, () => check(seed, 3));
    it(`pinned seed ${seed}, 2 replicas`, () => check(seed, 2));
  }
  const fromEnv = Number(process.env['FLOE_ACCOUNT_SEED']);
  const seed = Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1 + Math.floor(Math.random() * (2 ** 31 - 1));
  it(`random seed ${seed}, 3 replicas`, () => check(seed, 3));

  it('is reproducible: the same seed gives the same document', () => {
    const a = simulate(PINNED_SEEDS[2]!);
    const b = simulate(PINNED_SEEDS[2]!);
    expect(snapshot(b.replicas[0]!.doc)).toEqual(snapshot(a.replicas[0]!.doc));
    expect(b.stats).toEqual(a.stats);
  });
});

// Y.Map resolves concurrent writes of one key by client id, not by value, and records are
// replaced whole. These are the regressions for the bugs that caused: a lower read position,
// lastSeen or epoch written concurrently winning the merge, and a concurrent flag change made on a
// device that had not seen a rekey bringing the old secret back.
describe('forward-only fields across replicas', () => {
  const bothOrders = (write: (acc: AccountDoc, high: boolean) => void, read: (acc: AccountDoc) => unknown, max: unknown) => {
    for (const [high, low] of [
      [1, 2],
      [2, 1],
    ]) {
      const docs = [new Y.Doc(), new Y.Doc()];
      docs[0]!.clientID = high!;
      docs[1]!.clientID = low!;
      write(new AccountDoc(docs[0]!), true);
      write(new AccountDoc(docs[1]!), false);
      syncAll(docs);
      for (const d of docs) expect(read(new AccountDoc(d))).toEqual(max);
    }
  };

  it('a concurrent lower markRead does not win the merge', () => {
    bothOrders(
      (acc, high) => acc.markRead(roomOf(1), high ? '0005' : '0003'),
      (acc) => acc.readPosition(roomOf(1)),
      '0005',
    );
  });

  it('a concurrent lower rekey does not win the merge', () => {
    bothOrders(
      (acc, high) => {
        acc.addContact(contact(1), conversation(1));
        acc.rekeyConversation(roomOf(1), key(high ? 'e5' : 'e3'), high ? 5 : 3);
      },
      (acc) => acc.conversation(roomOf(1))?.epoch,
      5,
    );
  });

  it('a concurrent flag change on a device that missed the rekey does not bring the old secret back', () => {
    const write = (acc: AccountDoc, rekeys: boolean) => {
      if (rekeys) acc.rekeyConversation(roomOf(1), key('new'), 1);
      else acc.setConversationFlags(roomOf(1), { muted: true });
    };
    for (const [first, second] of [
      [1, 2],
      [2, 1],
    ]) {
      const docs = [new Y.Doc(), new Y.Doc()];
      docs[0]!.clientID = first!;
      docs[1]!.clientID = second!;
      new AccountDoc(docs[0]!).addContact(contact(1), conversation(1));
      syncAll(docs);
      write(new AccountDoc(docs[0]!), true);
      write(new AccountDoc(docs[1]!), false);
      syncAll(docs);
      for (const d of docs) expect(new AccountDoc(d).conversation(roomOf(1))).toMatchObject({ secret: key('new'), epoch: 1 });
    }
  });

  it('a concurrent lower lastSeen does not win the merge', () => {
    bothOrders(
      (acc, high) => acc.upsertDevice(device(1, { lastSeen: high ? T0 + 500 : T0 + 100 })),
      (acc) => acc.device(deviceId(1))?.lastSeen,
      T0 + 500,
    );
  });
});
