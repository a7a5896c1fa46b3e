// The relay's HTTP side against a real process: static files with their types and caching,
// SPA fallback, path traversal refused, /healthz, the one error shape, upgrades off /signal.
import { readFileSync, renameSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay, type RelayProcess } from '../support/relay-process.ts';
import { expectStillServing } from './signal-client.ts';
import { makeStaticSite, type StaticSite } from './static-site.ts';

let relay: RelayProcess;
let site: StaticSite;

beforeAll(async () => {
  site = makeStaticSite();
  relay = await startRelay({ staticDir: site.staticDir });
});

afterAll(async () => {
  await relay?.stop();
  site?.remove();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http sends the path exactly as given; fetch would normalize `..` away before sending. */
function rawGet(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: relay.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', 'no-cache'],
    ['/index.html', 'text/html; charset=utf-8', 'no-cache'],
    ['/sw.js', 'text/javascript; charset=utf-8', 'no-cache'],
    ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8', 'no-cache'],
    ['/assets/index-abc123.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/assets/index-abc123.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/icon.png', 'image/png', 'no-cache'],
    ['/logo.svg', 'image/svg+xml', 'no-cache'],
    ['/data.json', 'application/json; charset=utf-8', 'no-cache'],
  ])('%s is served as %s with Cache-Control %s', async (path, type, cache) => {
    const res = await fetch(`${relay.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('cache-control')).toBe(cache);
    const file = path === '/' ? 'index.html' : path.slice(1);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(readFileSync(join(site.staticDir, file)));
  });

  it('falls back to index.html for client-side routes, with a query string too', async () => {
    for (const path of ['/chats', '/chats/42/messages', '/settings?tab=devices']) {
      const res = await fetch(`${relay.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(site.indexHtml);
    }
  });

  it('answers a missing asset with a JSON 404, not with the app shell', async () => {
    for (const path of ['/assets/gone-123.js', '/missing.png', '/assets/deeper']) {
      const res = await fetch(`${relay.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no such file' } });
    }
  });

  it.each([
    '/../secret.txt',
    '/../../package.json',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt',
    '/index.html%00.js',
    '/%ff%fe',
  ])('refuses the traversal attempt %s with 400', async (path) => {
    const res = await rawGet(path);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'bad_path', message: 'request path is not allowed' } });
    expect(res.body).not.toContain(site.secret);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await rawGet('/assets/index-abc123.js', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(readFileSync(join(site.staticDir, 'assets/index-abc123.js')).length));
    expect(res.body).toBe('');
  });

  it('revalidates with ETag: a matching If-None-Match gets 304', async () => {
    const first = await fetch(`${relay.url}/index.html`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await rawGet('/index.html', 'GET', { 'If-None-Match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('refuses other methods with 405 and the one error shape', async () => {
    const res = await fetch(`${relay.url}/index.html`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: 'only GET and HEAD are served here' } });
  });

  it('shows a clear 503 page while the static directory has no index.html', async () => {
    const index = join(site.staticDir, 'index.html');
    renameSync(index, `${index}.away`);
    try {
      const res = await fetch(`${relay.url}/chats`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('The Floe app is not built');
      expect((await fetch(`${relay.url}/`)).status).toBe(503);
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    } finally {
      renameSync(`${index}.away`, index);
    }
    expect((await fetch(`${relay.url}/chats`)).status).toBe(200);
  });
});

describe('/healthz and /signal over plain HTTP', () => {
  it('/healthz answers 200 {status:"ok", version} and is never cached', async () => {
    const res = await fetch(`${relay.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await res.json()).toEqual({ status: 'ok', version: pkg.version });
  });

  it('/metrics answers Prometheus text with live connection gauges, and nothing identifying', async () => {
    const scrape = async () => {
      const res = await fetch(`${relay.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    const before = await scrape();
    expect(before).toMatch(/^floe_relay_build_info\{version="[^"]+"\} 1$/m);
    expect(before).toMatch(/^floe_relay_process_resident_memory_bytes \d+/m);
    expect(before).toMatch(/^floe_relay_nodejs_eventloop_lag_p99_seconds /m);
    const room = 'secret-looking-topic-name';
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/signal`);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.send(JSON.stringify({ type: 'subscribe', topics: [room] }));
    let during = await scrape();
    for (let i = 0; i < 40 && gauge(during, 'floe_relay_signal_topics') === gauge(before, 'floe_relay_signal_topics'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      during = await scrape();
    }
    expect(gauge(during, 'floe_relay_signal_connections')).toBe(gauge(before, 'floe_relay_signal_connections') + 1);
    expect(gauge(during, 'floe_relay_signal_topics')).toBe(gauge(before, 'floe_relay_signal_topics') + 1);
    expect(during).not.toContain(room);
    ws.close();
    expect((await fetch(`${relay.url}/metrics`, { method: 'HEAD' })).status).toBe(200);
  });

  it('GET /signal without an upgrade answers 426', async () => {
    const res = await fetch(`${relay.url}/signal`);
    expect(res.status).toBe(426);
    expect((await res.json()) as unknown).toMatchObject({ error: { code: 'upgrade_required' } });
  });
});

describe('WebSocket upgrades', () => {
  it.each(['/', '/other', '/signal/extra', '/healthz'])('refuses an upgrade on %s with 404', async (path) => {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}${path}`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('upgrade was accepted')));
      ws.once('error', reject);
    });
    expect(status).toBe(404);
  });

  it('destroys the socket after refusing the upgrade', async () => {
    const socket = connect(relay.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (received += c));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write([
      'GET /nope HTTP/1.1',
      'Host: 127.0.0.1',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      '',
      '',
    ].join('\r\n'));
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    await expectStillServing(relay.url, relay.signalUrl);
  });

  it('answers garbage HTTP with 400 and keeps serving', async () => {
    const socket = connect(relay.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (received += c));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('\x00\x01 not http at all\r\n\r\n');
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    await expectStillServing(relay.url, relay.signalUrl);
  });
});
