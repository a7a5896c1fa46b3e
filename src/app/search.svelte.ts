// Search over this device's history, for the Search box: keeps the index fed with verified
// messages (Runtime.verified) and answers the box's query, debounced, with results ready to show.
//
// Invariants: results always answer the latest query (an older answer that arrives late is
// dropped); `answered` names the query the results are for, so the UI can tell "nothing found"
// from "still looking"; indexing failures are reported, never swallowed.
import { decodeHlc } from '../core/hlc.ts';
import type { RoomId } from '../core/ids.ts';
import type { FloeDb } from '../store/db.ts';
import type { IndexableMessage, SearchIndex } from '../store/search-index.ts';
import { t } from './i18n.svelte.ts';

export interface SearchResultView {
  room: string;
  id: string;
  /** The conversation's name as shown in Chats. */
  title: string;
  snippet: string;
  time: number;
  /** Where the result opens: the conversation, scrolled to this message. */
  href: string;
}

export interface MessageSearchOptions {
  db: FloeDb;
  /** The conversation's current name, looked up when results are shown. */
  titleOf: (room: string) => string | undefined;
  report: (problem: string) => void;
  debounceMs?: number;
  limit?: number;
}

export const messageHref = (room: string, id: string) => `#/chats/${encodeURIComponent(room)}?m=${encodeURIComponent(id)}`;

export class MessageSearch {
  query = $state('');
  results = $state.raw<SearchResultView[]>([]);
  /** The query the current results answer ('' before any search). */
  answered = $state('');
  searching = $state(false);

  /** The index code loads apart from the first screen's script; writes queue on it in order. */
  private readonly index: Promise<SearchIndex>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private asked = 0;

  constructor(private readonly opts: MessageSearchOptions) {
    this.index = import('../store/search-index.ts').then((m) => new m.SearchIndex(opts.db));
  }

  /** Runtime.verified: stores newly verified messages in the index, in the background. */
  readonly indexVerified = (room: RoomId, messages: IndexableMessage[]): void => {
    this.index.then((index) => index.add(room, messages)).catch((error: unknown) => this.opts.report(t('problem.searchIndex', { error: String(error) })));
  };

  /** Runtime.recalled: a recalled message's text leaves the index (and so every later result). */
  readonly forgetRecalled = (room: RoomId, messages: IndexableMessage[]): void => {
    this.index.then((index) => index.remove(room, messages)).catch((error: unknown) => this.opts.report(t('problem.searchForget', { error: String(error) })));
  };

  /** The box's text changed: search once typing pauses. */
  set(query: string): void {
    this.query = query;
    clearTimeout(this.timer);
    if (query.trim() === '') {
      this.asked++;
      this.results = [];
      this.answered = '';
      this.searching = false;
      return;
    }
    this.searching = true;
    this.timer = setTimeout(() => void this.run(query), this.opts.debounceMs ?? 150);
  }

  /** Searches now (Enter in the box), skipping the debounce; resolves with the results shown. */
  async now(): Promise<SearchResultView[]> {
    clearTimeout(this.timer);
    if (this.query.trim() === '') return [];
    if (this.answered === this.query && !this.searching) return this.results;
    await this.run(this.query);
    return this.results;
  }

  private async run(query: string): Promise<void> {
    const asked = ++this.asked;
    try {
      const [index, { parseQuery, snippet }] = await Promise.all([this.index, import('../core/search.ts')]);
      const hits = await index.search(query, this.opts.limit ?? 50);
      if (asked !== this.asked) return; // a newer query is on its way
      const { terms } = parseQuery(query);
      this.results = hits.map((h) => ({
        room: h.room,
        id: h.id,
        title: this.opts.titleOf(h.room) ?? '',
        snippet: snippet(h.text, terms),
        time: decodeHlc(h.hlc)?.wall ?? 0,
        href: messageHref(h.room, h.id),
      }));
      this.answered = query;
    } catch (error) {
      if (asked === this.asked) this.opts.report(t('problem.search', { error: String(error) }));
    } finally {
      if (asked === this.asked) this.searching = false;
    }
  }
}
