// The verified messages of one conversation, indexed for what refers to them by id: replies and
// recalls. Ids are chosen by authors, so a member can sign a message under an id another member
// already used; such a collision must not hide the other message, redirect a recall, or put
// words in someone's mouth through a quote.
//
// Invariants: an exact copy (same signature) of a message is one message, shown once; messages
// that share an id but not a signature are all kept; a recall is looked up by (author, id), so it
// can only reach its own author's message; a reply to an id that several authors used quotes
// nothing ("Original message unavailable") rather than a guess.
import type { AccountId, MessageId } from './ids.ts';
import type { SignedMessage } from './message.ts';

export const authoredKey = (author: string, id: string) => `${author}|${id}`;

export class MessageIndex {
  // Built on every refresh of a view over the whole history, so keyed by the messages' own strings
  // (whose hashes the engine keeps) rather than by new concatenated ones.
  private readonly sigs = new Set<string>();
  /** author → id → their (first) message under that id. */
  private readonly byAuthor = new Map<string, Map<string, SignedMessage>>();
  /** id → its message, or null when different messages share the id. */
  private readonly byId = new Map<string, SignedMessage | null>();

  /** Adds a verified message; false for a copy of one already added (a replay: not shown again). */
  add(m: SignedMessage): boolean {
    if (this.sigs.has(m.sig)) return false;
    this.sigs.add(m.sig);
    let mine = this.byAuthor.get(m.author);
    if (!mine) this.byAuthor.set(m.author, (mine = new Map()));
    if (!mine.has(m.id)) mine.set(m.id, m);
    this.byId.set(m.id, this.byId.has(m.id) ? null : m);
    return true;
  }

  /** The message `author` wrote under `id` (the first, if they signed that id twice). */
  authored(author: AccountId, id: MessageId): SignedMessage | undefined {
    return this.byAuthor.get(author)?.get(id);
  }

  /** What a reply to `id` quotes: undefined when no message, or more than one, has that id. */
  replyTarget(id: string): SignedMessage | undefined {
    return this.byId.get(id) ?? undefined;
  }
}
