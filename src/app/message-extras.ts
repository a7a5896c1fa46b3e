// The parts of a message's view that replies, @mentions and recalls decide, computed from the
// verified messages (core/message-index.ts) and the accepted recalls (core/recall.ts). Pure:
// names come from the caller, so 1:1 chats and groups share it.
import { decodeHlc } from '../core/hlc.ts';
import type { AccountId } from '../core/ids.ts';
import { authoredKey, type MessageIndex } from '../core/message-index.ts';
import type { SignedMessage } from '../core/message.ts';
import { RECALL_WINDOW_MS } from '../core/recall.ts';

const SNIPPET_LENGTH = 80;

export interface ReplyQuoteView {
  id: string;
  /** False when the original is missing, unverified or recalled: "Original message unavailable". */
  available: boolean;
  authorName: string;
  /** The start of the original's text. */
  snippet: string;
}

export interface MessageExtras {
  /** The message this one replies to, as its quote shows it; null when it is not a reply. */
  reply: ReplyQuoteView | null;
  /** Names to highlight as "@name" in the text (of the accounts it mentions). */
  mentionNames: string[];
  /**
   * A verified message from someone else that @mentions this account. The hook for
   * notifications and the "Mentioned you" marker; false once it is recalled.
   */
  mentionsMe: boolean;
  /** Withdrawn by its author (core/recall.ts): the view's text is empty and the UI says who recalled it. */
  recalled: boolean;
  /** Until when (ms, wall clock) the author may recall it; 0 for others' messages. */
  recallUntil: number;
}

/** Optional parts of a message being sent. */
export interface SendExtras {
  /** The id (view id) of the message replied to. */
  reply?: string;
  /** Accounts @mentioned (only members count). */
  mentions?: string[];
}

export interface ExtrasContext {
  me: AccountId;
  index: MessageIndex;
  /** Accepted recalls, keyed by authoredKey. */
  recalls: ReadonlyMap<string, unknown>;
  /** The name an author is shown under. */
  nameOf: (account: AccountId) => string;
  /** The name a member gave themselves in this conversation (what "@" inserts), if known. */
  memberName: (account: AccountId) => string | undefined;
}

const NONE: MessageExtras = { reply: null, mentionNames: [], mentionsMe: false, recalled: false, recallUntil: 0 };

export function messageExtras(good: SignedMessage | null, ctx: ExtrasContext): MessageExtras {
  if (!good) return NONE;
  const recalled = ctx.recalls.size > 0 && ctx.recalls.has(authoredKey(good.author, good.id));
  const mine = good.author === ctx.me;
  let reply: ReplyQuoteView | null = null;
  if (good.reply !== undefined) {
    const target = ctx.index.replyTarget(good.reply);
    const available = target !== undefined && !ctx.recalls.has(authoredKey(target.author, target.id));
    reply = { id: good.reply, available, authorName: available ? ctx.nameOf(target.author) : '', snippet: available ? target.text.slice(0, SNIPPET_LENGTH) : '' };
  }
  const mentionNames = (good.mentions ?? []).flatMap((a) => [ctx.memberName(a), ctx.nameOf(a)].filter((n): n is string => typeof n === 'string' && n !== ''));
  return {
    reply,
    mentionNames,
    mentionsMe: !mine && !recalled && (good.mentions?.includes(ctx.me) ?? false),
    recalled,
    recallUntil: mine ? (decodeHlc(good.hlc)?.wall ?? 0) + RECALL_WINDOW_MS : 0,
  };
}

/** Whether two views' extras show the same (an unchanged view object is then reused). */
export function sameExtras(a: MessageExtras, b: MessageExtras): boolean {
  const ra = a.reply;
  const rb = b.reply;
  const sameReply = ra === rb || (ra !== null && rb !== null && ra.id === rb.id && ra.available === rb.available && ra.authorName === rb.authorName && ra.snippet === rb.snippet);
  return sameReply && a.mentionsMe === b.mentionsMe && a.recalled === b.recalled && a.recallUntil === b.recallUntil && a.mentionNames.join('\n') === b.mentionNames.join('\n');
}
