// Serving the built PWA from one directory: GET/HEAD, content types, caching, SPA fallback.
//
// Invariants:
// - Nothing outside `root` is ever read: a path with a `..` segment (raw or percent-encoded),
//   a backslash or a NUL byte is refused with 400 before touching the file system, and the
//   resolved path is checked to lie inside `root` as well. (Symlinks inside `root` are the
//   operator's choice and are followed.)
// - index.html, sw.js and manifest.webmanifest are revalidated on every load (`no-cache` +
//   ETag), so a new deployment reaches clients; /assets/* are content-hashed by Vite and
//   cached for a year.
// - Unknown paths without a file extension get index.html (client-side routes); unknown asset
//   paths get a JSON 404, so a missing script is an error, not HTML parsed as JavaScript.
// - The index is looked up per request: building the app while the relay runs just works,
//   and a missing build answers a clear 503 page instead of a bare 404.
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep, isAbsolute } from 'node:path';
import { sendError } from './http-errors.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

const NO_CACHE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATED = new Set(['/index.html', '/sw.js', '/manifest.webmanifest']);

const MISSING_APP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Floe relay: app not built</title></head>
<body><h1>The Floe app is not built</h1>
<p>This relay is running, but its static directory has no <code>index.html</code>.
Run <code>npm run build</code> (or start the relay with <code>--static DIR</code> pointing at a
built app) and reload.</p>
<p>Signaling at <code>/signal</code> and <code>/healthz</code> work without the app.</p>
</body></html>
`;

/** Decode and vet a request path; null means it must be refused. */
export function safeRelativePath(rawUrl: string): string | null {
  const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  return decoded;
}

function cacheControl(urlPath: string): string {
  if (urlPath.startsWith('/assets/')) return IMMUTABLE;
  if (REVALIDATED.has(urlPath)) return NO_CACHE;
  // Anything else (icons, robots.txt) is small and not content-hashed: revalidate, never stale.
  return NO_CACHE;
}

async function fileStats(path: string): Promise<Stats | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string, stats: Stats, cache: string): void {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  res.setHeader('Content-Type', CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Cache-Control', cache);
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', stats.mtime.toUTCString());
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Length', stats.size);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  // A file removed or unreadable mid-response: headers are gone, so the only honest signal
  // left is to cut the connection rather than send a truncated body as if complete.
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Serve `req` from `root`. The caller has already routed /healthz and /signal and checked
 * the method is GET or HEAD.
 */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const urlPath = safeRelativePath(req.url ?? '/');
  if (urlPath === null) return sendError(res, 400, 'bad_path', 'request path is not allowed');

  const target = join(root, urlPath === '/' ? 'index.html' : urlPath);
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel)) return sendError(res, 400, 'bad_path', 'request path is not allowed');

  const direct = await fileStats(target);
  if (direct) return sendFile(req, res, target, direct, cacheControl(`/${rel.split(sep).join('/')}`));

  const isAsset = (urlPath.startsWith('/assets/') || extname(urlPath) !== '') && urlPath !== '/index.html';
  if (isAsset) return sendError(res, 404, 'not_found', 'no such file');

  const indexPath = join(root, 'index.html');
  const index = await fileStats(indexPath);
  if (!index) {
    res.writeHead(503, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Retry-After': '30',
    });
    res.end(req.method === 'HEAD' ? undefined : MISSING_APP_PAGE);
    return;
  }
  sendFile(req, res, indexPath, index, NO_CACHE);
}
