import { describe, expect, it } from 'vitest';
import { fold, hasTokens, indexTokens, matchesTerms, MAX_TOKEN, parseQuery, snippet } from './search.ts';

describe('search tokens', () => {
  it('indexes Chinese as overlapping bigrams plus single characters', () => {
    expect(indexTokens('我们明天')).toEqual(['我', '我们', '们', '们明', '明', '明天', '天']);
    const tokens = indexTokens('我们明天在北京见面');
    expect(tokens.filter((t) => t.length === 2)).toEqual(['我们', '们明', '明天', '天在', '在北', '北京', '京见', '见面']);
    expect(tokens.filter((t) => t.length === 1).join('')).toBe('我们明天在北京见面');
  });

  it('bigrams Japanese kana and kanji together, with ー and 々 inside the run', () => {
    const bigrams = (t: string) => indexTokens(t).filter((x) => x.length === 2);
    expect(bigrams('東京で会いましょう')).toEqual(['東京', '京で', 'で会', '会い', 'いま', 'まし', 'しょ', 'ょう']);
    expect(indexTokens('コーヒー')).toEqual(['コ', 'コー', 'ー', 'ーヒ', 'ヒ', 'ヒー']);
    expect(indexTokens('時々')).toEqual(['時', '時々', '々']);
  });

  it('bigrams Korean Hangul per space-separated run', () => {
    expect(indexTokens('서울에서 만나요')).toEqual(['서', '서울', '울', '울에', '에', '에서', '만', '만나', '나', '나요', '요']);
  });

  it('indexes Latin scripts by lower-cased word and drops punctuation', () => {
    expect(indexTokens('See you in Paris, OK? (café 2024!)')).toEqual(['see', 'you', 'in', 'paris', 'ok', 'café', '2024']);
    expect(indexTokens('...!!! ---')).toEqual([]);
  });

  it('splits Thai, written without spaces, into words with Intl.Segmenter', () => {
    const tokens = indexTokens('สวัสดีครับ');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe('สวัสดีครับ');
  });

  it('splits mixed runs at the script boundary and at CJK punctuation', () => {
    expect(indexTokens('iPhone15和北京')).toEqual(['iphone15', '和', '和北', '北', '北京', '京']);
    expect(indexTokens('北京。東京「大阪」')).toEqual(['北', '北京', '京', '東', '東京', '大', '大阪', '阪']);
  });

  it('folds with NFKC: full-width Latin, half-width katakana and ligatures match their plain forms', () => {
    expect(fold('ＰＡＲＩＳ')).toBe('paris');
    expect(indexTokens('ﾃｽﾄ')).toEqual(indexTokens('テスト'));
    expect(indexTokens('ﬁne')).toEqual(['fine']);
    expect(matchesTerms('See you in ＰＡＲＩＳ', parseQuery('paris').terms)).toBe(true);
  });

  it('cuts very long words so queries cut the same way still meet them', () => {
    const long = 'x'.repeat(100);
    expect(indexTokens(long)).toEqual(['x'.repeat(MAX_TOKEN)]);
    expect(parseQuery(long).tokens).toEqual([{ token: 'x'.repeat(MAX_TOKEN), prefix: true }]);
  });

  it('parses queries: bigrams and a lone CJK character exact, words by prefix, terms by whitespace', () => {
    expect(parseQuery('北京')).toEqual({ tokens: [{ token: '北京', prefix: false }], terms: ['北京'] });
    expect(parseQuery('京')).toEqual({ tokens: [{ token: '京', prefix: false }], terms: ['京'] });
    expect(parseQuery('See  Par')).toEqual({
      tokens: [
        { token: 'see', prefix: true },
        { token: 'par', prefix: true },
      ],
      terms: ['see', 'par'],
    });
    expect(parseQuery('  ,. ')).toEqual({ tokens: [], terms: [',.'] });
  });

  it('every character of a CJK run is a token, so a one-character query finds it', () => {
    const tokens = indexTokens('我们明天在北京见面');
    for (const c of '我们明天在北京见面') expect(hasTokens(tokens, parseQuery(c).tokens)).toBe(true);
    expect(hasTokens(tokens, parseQuery('东').tokens)).toBe(false);
  });

  it('AND of tokens, then containment of every term', () => {
    const text = '我们明天在北京见面';
    expect(hasTokens(indexTokens(text), parseQuery('北京 见面').tokens)).toBe(true);
    expect(matchesTerms(text, parseQuery('北京 见面').terms)).toBe(true);
    // Each bigram of 北京面 occurs (北京 … 见面 has no 京面), but not as one string.
    expect(hasTokens(indexTokens(text), parseQuery('北京面').tokens)).toBe(false);
    // Bigrams can all be present while the phrase is not: the containment check decides.
    const scattered = '北京很大，京都也是';
    expect(hasTokens(indexTokens(scattered), parseQuery('北京都').tokens)).toBe(true);
    expect(matchesTerms(scattered, parseQuery('北京都').terms)).toBe(false);
  });

  it('makes a snippet around the first term', () => {
    const text = `${'a '.repeat(100)}needle ${'b '.repeat(100)}`;
    const s = snippet(text, ['needle'], 40);
    expect(s).toContain('needle');
    expect(s.startsWith('…')).toBe(true);
    expect(snippet('short', ['x'])).toBe('short');
  });
});
