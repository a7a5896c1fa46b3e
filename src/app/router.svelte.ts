// Hash routes, so a reload or an invite link opens the right screen and nothing about the route
// (an invite's keys least of all) is ever sent to the server.
export type Route =
  | { name: 'chats'; room?: string; message?: string }
  | { name: 'contacts' }
  | { name: 'wallet' }
  | { name: 'settings' }
  | { name: 'invite'; link: string }
  | { name: 'link'; code: string };

export function parseRoute(hash: string, origin: string): Route {
  const path = hash.replace(/^#/, '');
  if (path.startsWith('/invite/') || path.startsWith('/group/')) return { name: 'invite', link: `${origin}/#${path}` };
  if (path.startsWith('/link/')) return { name: 'link', code: decodeURIComponent(path.slice(6)) };
  // `?m=<message id>` opens a conversation at one message (a search result).
  const [route = '', query = ''] = path.split('?');
  const [, first, second] = route.split('/');
  if (first === 'contacts' || first === 'wallet' || first === 'settings') return { name: first };
  const message = new URLSearchParams(query).get('m');
  if (first === 'chats' && second) return { name: 'chats', room: decodeURIComponent(second), ...(message ? { message } : {}) };
  return { name: 'chats' };
}

export class Router {
  route = $state<Route>({ name: 'chats' });

  constructor(private readonly win: Pick<Window, 'location' | 'addEventListener'>) {
    this.route = parseRoute(win.location.hash, win.location.origin);
    win.addEventListener('hashchange', () => (this.route = parseRoute(win.location.hash, win.location.origin)));
  }

  go(hash: string): void {
    this.win.location.hash = hash;
  }
}
