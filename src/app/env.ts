// Where this app's relay is: the origin that served it, unless a build names another.
export interface RelayUrls {
  /** y-webrtc signaling. */
  signal: string;
  /** Floe's mailbox protocol. */
  mailbox: string;
}

export function relayUrlsFor(origin: string, override?: string): RelayUrls {
  const at = (path: string) => {
    const url = new URL(path, override || origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  };
  return { signal: at('/signal'), mailbox: at('/v1') };
}
