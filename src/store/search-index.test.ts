import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { encodeHlc } from '../core/hlc.ts';
import { FloeDb } from './db.ts';
import { SearchIndex, type IndexableMessage } from './search-index.ts';

let n = 0;
const freshDb = () => new FloeDb(`search-test-${Date.now()}-${n++}`);
let clock = 0;
const msg = (text: string, id = `m${++clock}`): IndexableMessage => ({ id, text, hlc: encodeHlc({ wall: 1_700_000_000_000 + clock, counter: 0, node: 'dev' }) });

const texts = (hits: { text: string }[]) => hits.map((h) => h.text);

describe('SearchIndex (Dexie, fake-indexeddb)', () => {
  const history = ['我们明天在北京见面', 'see you in Paris', '東京で会いましょう', '서울에서 만나요', '北京烤鸭很好吃', 'Paris is lovely in spring', '京都も好き'];

  async function filled(): Promise<{ db: FloeDb; index: SearchIndex }> {
    const db = freshDb();
    const index = new SearchIndex(db);
    await index.add('room-a', history.map((t) => msg(t)));
    return { db, index };
  }

  it('finds 北京 in 我们明天在北京见面 and ignores unrelated messages', async () => {
    const { index } = await filled();
    expect(texts(await index.search('北京'))).toEqual(['北京烤鸭很好吃', '我们明天在北京见面']); // newest first
    expect(texts(await index.search('明天在北京'))).toEqual(['我们明天在北京见面']);
    expect(texts(await index.search('東京'))).toEqual(['東京で会いましょう']);
    expect(texts(await index.search('서울'))).toEqual(['서울에서 만나요']);
    expect(texts(await index.search('paris'))).toEqual(['Paris is lovely in spring', 'see you in Paris']);
  });

  it('ANDs the terms of a query, in any order', async () => {
    const { index } = await filled();
    expect(texts(await index.search('paris see'))).toEqual(['see you in Paris']);
    expect(texts(await index.search('北京 见面'))).toEqual(['我们明天在北京见面']);
    expect(await index.search('paris 北京')).toEqual([]);
  });

  it('matches words by prefix and a single CJK character anywhere in a run', async () => {
    const { index } = await filled();
    expect(texts(await index.search('Par'))).toEqual(['Paris is lovely in spring', 'see you in Paris']);
    expect(texts(await index.search('京'))).toEqual(['京都も好き', '北京烤鸭很好吃', '東京で会いましょう', '我们明天在北京见面']);
  });

  it('has no false positives: every bigram present is not enough, the phrase must be', async () => {
    const db = freshDb();
    const index = new SearchIndex(db);
    await index.add('r', [msg('北京很大，京都也是'), msg('new york')]);
    expect(await index.search('北京都')).toEqual([]);
    expect(await index.search('absent')).toEqual([]);
    expect(await index.search('york new')).toHaveLength(1);
    expect(await index.search('  ,. ')).toEqual([]);
  });

  it('is idempotent: indexing the same messages again, or from a new instance, changes nothing', async () => {
    const db = freshDb();
    const first = msg('hello 世界');
    await new SearchIndex(db).add('r', [first]);
    const again = new SearchIndex(db); // as after a restart
    await again.add('r', [first, first]);
    await Promise.all([again.add('r', [first]), again.add('r', [first])]);
    expect(await db.search.count()).toBe(1);
    expect(await again.search('世界')).toHaveLength(1);
  });

  it('finds a message in another conversation, with its room', async () => {
    const { index } = await filled();
    const other = msg('我们明天在北京见面');
    await index.add('room-b', [other]);
    const hits = await index.search('北京见面');
    expect(hits.map((h) => [h.room, h.id])).toEqual([
      ['room-b', other.id],
      ['room-a', expect.any(String)],
    ]);
  });

  it('skips messages without text and keeps to the limit, newest first', async () => {
    const db = freshDb();
    const index = new SearchIndex(db);
    // More than the first read per token (400), so lists are cut and the window logic is used.
    const many = Array.from({ length: 1000 }, (_, i) => msg(`common word ${i}`));
    await index.add('r', [...many, { id: 'x', hlc: many[0]!.hlc, text: '' }]);
    const hits = await index.search('common', 20);
    expect(hits).toHaveLength(20);
    expect(hits[0]!.text).toBe('common word 999');
    expect(texts(await index.search('common word', 3))).toEqual(['common word 999', 'common word 998', 'common word 997']);
    // Both tokens common, their combination rare and old: the window grows until it is found.
    await index.add('r', [{ ...msg('rare common'), hlc: many[0]!.hlc, id: 'old' }]);
    expect(texts(await index.search('rare common'))).toEqual(['rare common']);
    expect(texts(await index.search('common rar'))).toEqual(['rare common']);
    expect(hits.map((h) => h.hlc)).toEqual([...hits.map((h) => h.hlc)].sort().reverse());
    // A rare term with a common one: the rare one leads, the common one filters.
    expect(texts(await index.search('word 171'))).toEqual(['common word 171']);
    expect(await index.search('word 17')).toHaveLength(11); // 17 and 170–179: words match by prefix
  });
});

describe('SearchIndex.remove (recalled messages)', () => {
  it('forgets recalled messages for good, also when added and removed in quick succession', async () => {
    const db = freshDb();
    const index = new SearchIndex(db);
    const kept = msg('lunch at noon');
    const recalled = msg('lunch secret plan');
    void index.add('r', [kept, recalled]);
    await index.remove('r', [recalled]);
    expect(texts(await index.search('lunch'))).toEqual(['lunch at noon']);
    // Removing an id that is not indexed, or one from another room, changes nothing.
    await index.remove('r', [msg('never indexed')]);
    await index.remove('other-room', [kept]);
    expect(texts(await index.search('lunch'))).toEqual(['lunch at noon']);
    expect(await db.search.count()).toBe(1);
  });
});
