// Where this app's relay is: the origin that served it, unless a build names another.
export function signalingUrlFor(origin: string, override?: string): string {
  const base = override || origin;
  const url = new URL('/signal', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
