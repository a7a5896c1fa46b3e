// One conversation's Y.Doc: members, their device certificates, signed messages and how far each
// member's devices have received. Everything read from here came from peers and is untrusted:
// callers verify with message.ts before showing anything as from its author.
import * as Y from 'yjs';
import type { AccountId, DeviceId } from './ids.ts';
import type { DeviceCertificate, SignedMessage } from './message.ts';
import type { SignedRecall } from './recall.ts';

export interface Member {
  account: AccountId;
  name: string;
  joined: number;
}

export class ConversationDoc {
  constructor(readonly doc: Y.Doc) {}

  /** epoch → rotation entry (core/rotation.ts): the next secret, sealed to each remaining device. */
  get rotations() {
    return this.doc.getMap<unknown>('rotations');
  }

  /** account → the newest ledger checkpoint that account verified (JSON), for split-view audits. */
  get checkpoints() {
    return this.doc.getMap<string>('checkpoints');
  }

  get members() {
    return this.doc.getMap<Member>('members');
  }
  get devices() {
    return this.doc.getMap<DeviceCertificate>('devices');
  }
  get messages() {
    return this.doc.getArray<SignedMessage>('messages');
  }
  /**
   * Signed recalls (core/recall.ts). An append-only array, not a map keyed by message: a map
   * entry could be overwritten by anyone, hiding a genuine recall behind a forged one.
   */
  get recalls() {
    return this.doc.getArray<SignedRecall>('recalls');
  }
  /** `${reader account}|${author device}` → the highest HLC of that device's messages the reader has. */
  get delivered() {
    return this.doc.getMap<string>('delivered');
  }

  /** Writes our member entry and device certificate if missing or changed. */
  join(member: Member, certificate: DeviceCertificate): void {
    const current = this.members.get(member.account);
    const cert = this.devices.get(certificate.device);
    if (current?.name === member.name && cert?.sig === certificate.sig) return;
    this.doc.transact(() => {
      if (current?.name !== member.name) this.members.set(member.account, { ...member, joined: current?.joined ?? member.joined });
      if (cert?.sig !== certificate.sig) this.devices.set(certificate.device, certificate);
    });
  }

  append(message: SignedMessage): void {
    this.messages.push([message]);
  }

  recall(record: SignedRecall): void {
    this.recalls.push([record]);
  }

  /**
   * Raises a delivery mark; never lowers it. Per author device, because Yjs delivers one device's
   * messages in order, so "the highest received" means "all up to here received".
   */
  markDelivered(reader: AccountId, device: DeviceId, hlc: string): void {
    const key = `${reader}|${device}`;
    const current = this.delivered.get(key);
    if (current === undefined || current < hlc) this.delivered.set(key, hlc);
  }

  isDelivered(reader: AccountId, device: DeviceId, hlc: string): boolean {
    const mark = this.delivered.get(`${reader}|${device}`);
    return mark !== undefined && mark >= hlc;
  }

  certificate(device: DeviceId): DeviceCertificate | undefined {
    return this.devices.get(device);
  }
}
