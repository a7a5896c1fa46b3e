import { describe, expect, it } from 'vitest';
import { parseRoute } from './router.svelte.ts';

describe('parseRoute', () => {
  const o = 'http://localhost:8787';
  it('maps hashes to screens', () => {
    expect(parseRoute('', o)).toEqual({ name: 'chats' });
    expect(parseRoute('#/chats/abc', o)).toEqual({ name: 'chats', room: 'abc' });
    expect(parseRoute('#/contacts', o)).toEqual({ name: 'contacts' });
    expect(parseRoute('#/settings', o)).toEqual({ name: 'settings' });
    expect(parseRoute('#/wallet', o)).toEqual({ name: 'wallet' });
    expect(parseRoute('#/nonsense/x', o)).toEqual({ name: 'chats' });
    expect(parseRoute('#/chats/abc?m=m_1-2', o)).toEqual({ name: 'chats', room: 'abc', message: 'm_1-2' });
    expect(parseRoute('#/chats/abc?x=1', o)).toEqual({ name: 'chats', room: 'abc' });
  });
  it('keeps an opened invite link whole for the Add contact box', () => {
    expect(parseRoute('#/invite/eyJ2IjoxfQ', o)).toEqual({ name: 'invite', link: `${o}/#/invite/eyJ2IjoxfQ` });
    expect(parseRoute('#/group/eyJ2IjoxfQ', o)).toEqual({ name: 'invite', link: `${o}/#/group/eyJ2IjoxfQ` });
    expect(parseRoute('#/link/ABCD-EFGH-JKMN-PQRS', o)).toEqual({ name: 'link', code: 'ABCD-EFGH-JKMN-PQRS' });
  });
});
