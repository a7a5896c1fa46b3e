// Device linking as the UI sees it (protocol in core/link.ts).
//  - LinkHost runs on a device that has the account: shows a code, waits for a request, shows
//    the SAS and, on Approve, certifies the new device and hands over the account's secrets.
//  - joinWithCode runs on the new device: checks the room, posts its request, shows the SAS and
//    waits for the answer, then returns the identity to store.
import type { AccountDoc } from '../core/account-doc.ts';
import { toBase64Url } from '../core/bytes.ts';
import { fail, ok, type Result } from '../core/errors.ts';
import type { DeviceId } from '../core/ids.ts';
import {
  decodeLinkCode,
  encodeLinkCode,
  judgeRoom,
  LINK_TTL_MS,
  linkKeys,
  makeAnswer,
  makeRequest,
  openAnswer,
  openEntry,
  sealEntry,
  shortAuthString,
  type LinkEntry,
  type LinkKeys,
  type LinkRequest,
} from '../core/link.ts';
import { certifyDevice, verifyCertificate } from '../core/message.ts';
import { MailboxClient } from '../net/mailbox.ts';
import type { IdentityRecord } from '../store/db.ts';
import { createDeviceKeys, identityFrom } from './identity.ts';
import { t } from './i18n.svelte.ts';

type HostStatus = 'starting' | 'waiting' | 'confirm' | 'done' | 'expired' | 'failed';

/** Reads every entry of a rendezvous room, then keeps listening. */
function listen(mailbox: MailboxClient, keys: LinkKeys, onEntry: (e: LinkEntry) => void, onSynced?: () => void): () => void {
  mailbox.open(keys.room, keys.cap, {
    cursor: () => 0,
    entry: async (_seq, _kind, body) => {
      const e = await openEntry(keys, body);
      if (e) onEntry(e);
    },
    synced: async () => onSynced?.(),
  });
  return () => mailbox.close(keys.room);
}

const push = async (mailbox: MailboxClient, keys: LinkKeys, entry: LinkEntry) =>
  mailbox.push(keys.room, keys.cap, await sealEntry(keys, entry), MailboxClient.newPushId());

export class LinkHost {
  status = $state<HostStatus>('starting');
  code = $state('');
  sas = $state('');
  deviceName = $state('');
  error = $state<string | null>(null);
  private keys: LinkKeys | null = null;
  private request: LinkRequest | null = null;
  private stop: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly mailbox: MailboxClient,
    private readonly me: IdentityRecord,
    private readonly account: AccountDoc,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    if (!this.mailbox.connected) {
      this.status = 'failed';
      this.error = t('problem.linkOffline');
      return;
    }
    const bytes = crypto.getRandomValues(new Uint8Array(10));
    this.keys = await linkKeys(bytes);
    const exp = this.now() + LINK_TTL_MS;
    try {
      await push(this.mailbox, this.keys, { t: 'offer', exp, name: this.account.profile()?.name ?? '' });
    } catch (error) {
      this.status = 'failed';
      this.error = t('problem.linkRefused', { error: String(error) });
      return;
    }
    this.code = encodeLinkCode(bytes);
    this.status = 'waiting';
    this.stop = listen(this.mailbox, this.keys, (e) => void this.onEntry(e));
    this.timer = setTimeout(() => this.expire(), LINK_TTL_MS);
  }

  private async onEntry(e: LinkEntry): Promise<void> {
    if (e.t !== 'request' || this.request || this.status !== 'waiting') return;
    this.request = e;
    this.deviceName = e.name;
    this.sas = await shortAuthString(this.keys!, e);
    this.status = 'confirm';
  }

  /** The person checked that both screens show the same SAS. */
  async approve(): Promise<void> {
    const request = this.request;
    if (!request || !this.keys || this.status !== 'confirm') return;
    const me = this.me;
    const now = this.now();
    const certificate = await certifyDevice(me.accountPrivateKey, { account: me.account, device: request.device as DeviceId, x: request.x, name: request.name, created: now });
    const answer = await makeAnswer(this.keys, request, {
      v: 1,
      account: me.account,
      accountPrivateKey: toBase64Url(me.accountPrivateKey),
      accountX25519Public: toBase64Url(me.accountX25519Public),
      accountX25519Private: toBase64Url(me.accountX25519Private),
      accountDocSecret: toBase64Url(me.accountDocSecret),
      certificate,
      created: me.created,
    });
    try {
      await push(this.mailbox, this.keys, answer);
    } catch (error) {
      this.error = t('problem.approvalFailed', { error: String(error) });
      return;
    }
    this.account.upsertDevice({ device: certificate.device, name: request.name, platform: request.name, created: now, lastSeen: now, certificate });
    this.finish('done');
  }

  async decline(): Promise<void> {
    if (this.keys && this.status === 'confirm') await push(this.mailbox, this.keys, { t: 'decline' }).catch(() => undefined);
    this.finish('failed');
  }

  private expire(): void {
    if (this.status === 'waiting' || this.status === 'confirm') this.finish('expired');
  }

  private finish(status: HostStatus): void {
    this.status = status;
    this.stop?.();
    if (this.timer) clearTimeout(this.timer);
    this.keys = null; // the code is useless from here on
  }

  cancel(): void {
    this.finish('failed');
  }
}

export interface JoinProgress {
  /** Called once the request is posted: show this SAS and ask to approve on the other device. */
  onSas(sas: string, accountName: string): void;
}

/** The new device's side; resolves with the identity to store, or a typed refusal. */
export async function joinWithCode(
  mailbox: MailboxClient,
  text: string,
  deviceName: string,
  now: () => number,
  progress: JoinProgress,
  timeoutMs = LINK_TTL_MS,
): Promise<Result<IdentityRecord>> {
  const bytes = decodeLinkCode(text);
  if (!bytes) return fail('link/malformed', 'A link code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS.');
  if (!mailbox.connected) return fail('link/offline', 'Linking needs a connection to the relay. Try again when you are online.');
  const keys = await linkKeys(bytes);
  const entries: LinkEntry[] = [];
  let synced!: () => void;
  const ready = new Promise<void>((r) => (synced = r));
  let settle: ((e: LinkEntry) => void) | null = null;
  const stop = listen(mailbox, keys, (e) => (settle ? settle(e) : entries.push(e)), () => synced());
  try {
    await ready;
    const judged = judgeRoom(entries, now());
    if (!judged.ok) return judged;
    const device = await createDeviceKeys();
    const { request, ephemeralPrivate } = await makeRequest({ device: device.device, x: device.x, name: deviceName });
    const reply = new Promise<LinkEntry | null>((resolve) => {
      settle = (e) => (e.t === 'answer' || e.t === 'decline') && resolve(e);
      setTimeout(() => resolve(null), timeoutMs);
    });
    await push(mailbox, keys, request);
    progress.onSas(await shortAuthString(keys, request), judged.value.name);
    const answer = await reply;
    if (!answer) return fail('link/expired', 'Your other device did not approve in time. Make a new code and try again.');
    if (answer.t !== 'answer') return fail('link/declined', 'Linking was declined on your other device.');
    const grant = await openAnswer(keys, request, ephemeralPrivate, answer);
    if (!grant.ok) return grant;
    const g = grant.value;
    const certificate = await verifyCertificate(g.certificate);
    if (!certificate || certificate.account !== g.account) return fail('link/damaged', 'The answer from your other device was not signed by your account. Try linking again.');
    return ok(identityFrom(g, device, certificate));
  } finally {
    stop();
  }
}
