import { describe, expect, it } from 'vitest';
import { MentionPicker } from './mention-picker.svelte.ts';

const members = () => [
  { account: 'a', name: 'Alice' },
  { account: 'b', name: 'Bob' },
  { account: 'c', name: 'Ann' },
];

describe('MentionPicker', () => {
  it('offers members while "@…" is typed, moves with the keys and inserts the pick', () => {
    const p = new MentionPicker();
    p.update('hi ', 3, members);
    expect(p.open).toBe(false);
    p.update('hi @a', 5, members);
    expect(p.options.map((o) => o.name)).toEqual(['Alice', 'Ann']);
    p.move(1);
    expect(p.active).toBe(1);
    p.move(1);
    expect(p.active).toBe(0); // wraps
    p.move(-1);
    expect(p.pick('hi @a', 5)).toEqual({ text: 'hi @Ann ', caret: 8 });
    expect(p.open).toBe(false);
    expect(p.mentions('hi @Ann ')).toEqual(['c']);
  });

  it('keeps only mentions still in the text; reset and restore around a failed send', () => {
    const p = new MentionPicker();
    p.update('@b', 2, members);
    const r = p.pick('@b', 2)!;
    p.update(`${r.text}and @`, r.text.length + 5, members);
    const r2 = p.pick(`${r.text}and @`, r.text.length + 5, members()[0])!;
    expect(r2.text).toBe('@Bob and @Alice ');
    expect(p.mentions(r2.text)).toEqual(['b', 'a']);
    expect(p.mentions('@Bob only')).toEqual(['b']);
    const picked = p.reset();
    expect(p.mentions(r2.text)).toEqual([]);
    p.restore(picked);
    expect(p.mentions(r2.text)).toEqual(['b', 'a']);
    expect(p.pick('x', 1)).toBeNull(); // nothing being typed
  });
});
