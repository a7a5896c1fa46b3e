// Read receipts of one conversation: the read marks in its doc (src/core/receipts.ts), who has
// read each of my messages, and writing my own mark when the conversation is shown.
//
// "Send read receipts" (account setting, default on) is reciprocal, as in WhatsApp: with it off
// my reads are not written, and I do not see others' read marks either (my messages stop at
// Delivered). Delivery marks are unaffected. See docs/decisions.md.
import type { ConversationDoc } from '../core/conversation-doc.ts';
import type { AccountId } from '../core/ids.ts';
import { markReadBy, readersOf, readMarks } from '../core/receipts.ts';
import type { ChatMessageView, DeliveryState } from './conversation.svelte.ts';
import { PRESENCE_SETTINGS } from './presence.svelte.ts';
import { displayName, type Runtime } from './runtime.ts';

export interface Receipt {
  state: DeliveryState;
  /** Names of the others who have read it (all of them when `state` is 'read'). */
  readBy: string[];
}

export interface Member {
  account: AccountId;
  name: string;
}

const NONE: string[] = [];

/** A group's current members as app/group.svelte.ts lists them (its signed log decides). */
export type GroupMembers = () => readonly { account: string; name: string; me: boolean }[] | null;

export class ReadReceipts {
  /** Members who joined the doc (1:1 chats, and groups before their log is read). */
  private docOthers = $state.raw<Member[]>([]);
  private marks = $state.raw<ReadonlyMap<AccountId, string>>(new Map());
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly rt: Runtime,
    private readonly conv: ConversationDoc,
    private readonly local: (edit: () => void) => void,
    /** In a group, its current members (removed ones no longer count); null in a 1:1. */
    private readonly groupMembers: GroupMembers = () => null,
  ) {
    const reload = () => this.load();
    for (const map of [conv.doc.getMap('reads'), conv.members, rt.account.settingsMap] as const) {
      map.observe(reload);
      this.offs.push(() => map.unobserve(reload));
    }
    this.load();
  }

  /** Whether I send (and so see) read receipts. */
  get sending(): boolean {
    return this.rt.account.settingsMap.get(PRESENCE_SETTINGS.readReceipts) !== false;
  }

  /** The other members: whose reads count, and whose typing is shown. */
  get others(): Member[] {
    const group = this.groupMembers();
    return group ? group.filter((m) => !m.me).map((m) => ({ account: m.account as AccountId, name: m.name })) : this.docOthers;
  }

  private load(): void {
    const me = this.rt.me.account;
    const members = [...this.conv.members.values()]
      .filter((m) => m && typeof m.account === 'string' && m.account !== me)
      .sort((a, b) => (a.joined ?? 0) - (b.joined ?? 0));
    const others = members.map((m) => ({ account: m.account, name: displayName(this.rt, m.account) ?? (typeof m.name === 'string' ? m.name : '') }));
    const before = this.docOthers;
    if (others.length !== before.length || others.some((o, i) => o.account !== before[i]!.account || o.name !== before[i]!.name)) this.docOthers = others;
    // Every reader with a mark: group members need not have joined the doc's member map.
    const readers = new Set<AccountId>(others.map((o) => o.account));
    for (const key of this.conv.doc.getMap('reads').keys()) readers.add(key.split('|')[0] as AccountId);
    this.marks = this.sending ? readMarks(this.conv, [...readers]) : new Map();
  }

  /** The state to show under one of my messages, with who has read it. */
  of(m: ChatMessageView): Receipt {
    if (!m.mine || !m.verified || this.marks.size === 0) return { state: m.state, readBy: NONE };
    const others = this.others;
    const accounts = others.map((o) => o.account);
    const readers = readersOf(m.hlc, this.marks, accounts);
    if (readers.length === 0) return { state: m.state, readBy: NONE };
    const names = readers.map((a) => others.find((o) => o.account === a)?.name ?? '');
    return { state: readers.length === accounts.length ? 'read' : m.state, readBy: names };
  }

  /** The conversation is on screen: mark the newest message from others as read by me. */
  markSeen(messages: readonly ChatMessageView[]): void {
    if (!this.sending) return;
    let newest: string | undefined;
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (!m.mine && m.verified) {
        newest = m.hlc;
        break;
      }
    }
    if (newest === undefined) return;
    const hlc = newest;
    this.local(() => markReadBy(this.conv, this.rt.me.account, this.rt.me.device, hlc));
  }

  destroy(): void {
    for (const off of this.offs.splice(0)) off();
  }
}
