// What a system notification for a new message says, and whether there is one at all. Pure, so the
// rules are unit-tested without a browser; notifications.svelte.ts does the showing.
import type { ChatMessageView } from './conversation.svelte.ts';

/** Longer texts are cut: a notification is a glance, the conversation holds the rest. */
export const MAX_BODY = 200;

export interface MessageNotice {
  title: string;
  body: string;
}

type NoticeSource = Pick<ChatMessageView, 'mine' | 'verified' | 'text' | 'authorName'> & { mentionsMe?: boolean; recalled?: boolean };

/**
 * The notice for a message newly arrived in a conversation titled `title`, or null: nothing for
 * our own messages, unverified ones (they must not appear under a claimed author's name, not even
 * in a notification), recalled ones, or when the conversation is muted.
 */
export function noticeFor(view: NoticeSource, title: string, muted: boolean, mentioned = (name: string) => `${name} mentioned you`): MessageNotice | null {
  if (view.mine || !view.verified || view.recalled === true || muted) return null;
  const body = view.text.length > MAX_BODY ? `${view.text.slice(0, MAX_BODY - 1)}…` : view.text;
  if (view.mentionsMe === true) return { title: mentioned(view.authorName), body };
  // In a group the conversation's title is the group's name: say who wrote too.
  const heading = !view.authorName || view.authorName === title ? title : `${view.authorName} · ${title}`;
  return { title: heading, body };
}

/** The hash route that opens a conversation (router.svelte.ts), where a click on a notice leads. */
export const conversationRoute = (room: string): string => `#/chats/${encodeURIComponent(room)}`;
