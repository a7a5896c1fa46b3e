// Authenticity of messages as a reader sees them in a real conversation doc: a member cannot post
// under another member's name, whatever combination of certificates and signatures they forge.
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from './bytes.ts';
import { ConversationDoc } from './conversation-doc.ts';
import { generateSigningKeyPair } from './crypto.ts';
import type { AccountId, DeviceId } from './ids.ts';
import { certifyDevice, signMessage } from './message.ts';
import { MessageVerifier } from './message-verifier.ts';
import { conversationOf, draftBy, person, say, sync } from './test-people.ts';

async function group() {
  const [alice, bob, carol] = await Promise.all([person('Alice'), person('Bob'), person('Carol')]);
  const conv = conversationOf(alice, bob, carol);
  const members = new Set<string>([alice.account, bob.account, carol.account]);
  const verifier = new MessageVerifier(conv, (r) => members.has(r.author));
  /** What a reader's list shows: author name or "unverified", and text. */
  const read = async () => {
    const raw = conv.messages.toArray();
    await verifier.verify(raw);
    return raw.map((m) => {
      const good = verifier.message(m);
      const who = good ? [alice, bob, carol].find((p) => p.account === good.author)!.name : 'unverified';
      return `${who}: ${good?.text ?? '-'}`;
    });
  };
  return { alice, bob, carol, conv, members, verifier, read };
}

describe('forged authors in a group', () => {
  it('shows genuine messages under their authors', async () => {
    const g = await group();
    g.conv.append(await say(g.alice, { text: 'hi all' }));
    g.conv.append(await say(g.bob, { text: 'hi Alice' }));
    expect(await g.read()).toEqual(['Alice: hi all', 'Bob: hi Alice']);
  });

  it('flags every forgery by a legitimate member and never shows it under the claimed name', async () => {
    const g = await group();
    const { alice, bob } = g;
    // 1. Bob claims Alice wrote it, signed with his own (certified) device key.
    g.conv.append(await signMessage(bob.deviceKey, draftBy(alice, { device: bob.device, text: 'forged 1' })));
    // 2. Bob names Alice's device but signs with his own device key.
    g.conv.append(await signMessage(bob.deviceKey, draftBy(alice, { text: 'forged 2' })));
    // 3. Bob certifies a fresh device as "Alice's" with his own account key.
    const extra = await generateSigningKeyPair();
    const extraId = toBase64Url(extra.publicKey) as DeviceId;
    const fake = await certifyDevice(bob.accountKey, { account: bob.account, device: extraId, x: extraId, name: 'x', created: 1 });
    g.conv.devices.set(extraId, { ...fake, account: alice.account });
    g.conv.append(await signMessage(extra.privateKey, draftBy(alice, { device: extraId, text: 'forged 3' })));
    // 4. A certificate genuinely signed by Bob for that device, message claiming Alice.
    const extra2 = await generateSigningKeyPair();
    const extra2Id = toBase64Url(extra2.publicKey) as DeviceId;
    g.conv.devices.set(extra2Id, await certifyDevice(bob.accountKey, { account: bob.account, device: extra2Id, x: extra2Id, name: 'x', created: 1 }));
    g.conv.append(await signMessage(extra2.privateKey, draftBy(alice, { device: extra2Id, text: 'forged 4' })));
    // 5. A genuine message of Alice's copied with its id and signature onto other text.
    const genuine = await say(alice, { text: 'meet at 5' });
    g.conv.messages.insert(0, [{ ...genuine, text: 'meet at 9' }]);
    g.conv.append(genuine);
    // 6. An outsider with a certified device of their own, claiming to be themselves.
    const mallory = await person('Mallory');
    g.conv.devices.set(mallory.device, mallory.cert);
    g.conv.append(await say(mallory, { text: 'not a member' }));
    // 7. Junk of every shape.
    g.conv.messages.push([null as never, 'text' as never, { ...genuine, sig: 'x' } as never]);

    expect(await g.read()).toEqual([
      'unverified: -', // the copied signature on other text, inserted first
      'unverified: -',
      'unverified: -',
      'unverified: -',
      'unverified: -',
      'Alice: meet at 5',
      'unverified: -',
      'unverified: -',
      'unverified: -',
      'unverified: -',
    ]);
    // The forged certificate does not displace Alice's own device, whose messages still verify.
    expect(await g.verifier.certificate(alice.device)).toEqual(alice.cert);
  });

  it('verifies the same way after the doc travels to another member', async () => {
    const g = await group();
    g.conv.append(await signMessage(g.bob.deviceKey, draftBy(g.alice, { device: g.bob.device, text: 'forged' })));
    g.conv.append(await say(g.carol, { text: 'real' }));
    const there = new ConversationDoc(new Y.Doc());
    sync(g.conv, there);
    const verifier = new MessageVerifier(there, (r) => g.members.has(r.author));
    const raw = there.messages.toArray();
    await verifier.verify(raw);
    expect(raw.map((m) => verifier.message(m)?.text ?? null)).toEqual([null, 'real']);
  });

  it('stops trusting an author the member check no longer accepts, without re-verifying', async () => {
    const g = await group();
    g.conv.append(await say(g.carol, { text: 'bye' }));
    expect(await g.read()).toEqual(['Carol: bye']);
    g.members.delete(g.carol.account as AccountId);
    expect(await g.read()).toEqual(['unverified: -']);
  });
});
