import { describe, expect, it } from 'vitest';
import { receiptText } from './presence-labels.ts';

describe('receiptText', () => {
  it('says Read in a 1:1 and Read by N with names in a group', () => {
    expect(receiptText('delivered', [], 1)).toEqual({ label: 'Delivered', names: '' });
    expect(receiptText('read', ['Bob'], 1)).toEqual({ label: 'Read', names: '' });
    expect(receiptText('delivered', ['Bob', 'Carol'], 3)).toEqual({ label: 'Read by 2', names: 'Read by Bob, Carol' });
    expect(receiptText('pending', [], 3)).toEqual({ label: 'Pending', names: '' });
  });
});
