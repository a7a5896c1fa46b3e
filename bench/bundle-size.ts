// Benchmark 2: how much JavaScript the built app makes a first visit download before it can
// run, gzipped. "Initial" is exactly what dist/index.html asks for up front: its module script
// and every modulepreload link (Vite emits one for each static import of the entry). Everything
// else in dist/assets/*.js is loaded lazily (dynamic import) and listed separately, as are CSS
// and the service worker, which do not block the first screen's script.
//
// gzip level 9 approximates what a static host or CDN serves; brotli would be smaller still.
// Baseline, from the same run: the bench page that bundles only yjs + y-webrtc (bench/baseline/),
// i.e. what the sync stack alone costs before any Floe code.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { OUT_DIR } from './lib/build-pages.ts';
import type { BenchResult } from './lib/report.ts';
import { fmt } from './lib/stats.ts';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const TARGET_KB = 120;

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (bytes: number) => fmt(bytes / 1024, 'KB', 1);

/** Module script and modulepreload URLs of an index.html, in document order. */
export function initialScripts(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(tag)?.[1];
    if (/^<script/i.test(tag) && attr('type') === 'module' && attr('src')) urls.push(attr('src')!);
    if (/^<link/i.test(tag) && attr('rel') === 'modulepreload' && attr('href')) urls.push(attr('href')!);
  }
  return urls;
}

function stylesheets(html: string): string[] {
  return (html.match(/<link\b[^>]*rel=["']stylesheet["'][^>]*>/gi) ?? []).map((t) => /href=["']([^"']+)["']/i.exec(t)?.[1]).filter((h): h is string => !!h);
}

const local = (root: string, url: string) => join(root, url.replace(/^\//, '').split('?')[0]!);

export async function benchBundleSize(): Promise<BenchResult> {
  const started = performance.now();
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const initial = initialScripts(html);
  if (initial.length === 0) throw new Error('dist/index.html has no module script');
  const initialFiles = initial.map((u) => local(DIST, u));
  const initialBytes = initialFiles.map(gz).reduce((a, b) => a + b, 0);
  const rawBytes = initialFiles.map((f) => readFileSync(f).length).reduce((a, b) => a + b, 0);

  const initialSet = new Set(initialFiles);
  const lazy = readdirSync(join(DIST, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(DIST, 'assets', f))
    .filter((f) => !initialSet.has(f))
    .map((f) => ({ name: f.slice(DIST.length + 1), gz: gz(f), raw: readFileSync(f).length }))
    .sort((a, b) => b.gz - a.gz);
  const css = stylesheets(html).map((u) => ({ name: u, gz: gz(local(DIST, u)) }));
  const sw = existsSync(join(DIST, 'sw.js')) ? gz(join(DIST, 'sw.js')) : null;

  // The baseline page's JS: every script it loads (it has no lazy chunks of its own).
  const baseHtml = readFileSync(join(OUT_DIR, 'baseline', 'index.html'), 'utf8');
  const baseBytes = initialScripts(baseHtml).map((u) => gz(local(OUT_DIR, u))).reduce((a, b) => a + b, 0);

  const initialKb = initialBytes / 1024;
  return {
    title: '2. Initial JavaScript of the built app (gzip -9)',
    rows: [
      {
        figure: `initial JS: ${initial.length} file(s), ${initial.join(', ')}`,
        value: `${kb(initialBytes)} (raw ${kb(rawBytes)})`,
        baseline: `${kb(baseBytes)} (yjs + y-webrtc alone)`,
        target: `≤ ${TARGET_KB} KB`,
        met: initialKb <= TARGET_KB,
      },
      ...lazy.map((c) => ({ figure: `lazy chunk ${c.name}`, value: `${kb(c.gz)} (raw ${kb(c.raw)})`, baseline: '—', target: 'not counted', met: null })),
      ...css.map((c) => ({ figure: `stylesheet ${c.name}`, value: kb(c.gz), baseline: '—', target: 'not counted', met: null })),
      ...(sw === null ? [] : [{ figure: 'service worker sw.js', value: kb(sw), baseline: '—', target: 'not counted', met: null }]),
    ],
    notes: [
      'Initial = the `<script type="module">` of dist/index.html plus every `<link rel="modulepreload">`; each file gzipped separately at level 9 and summed. Lazy chunks are the other dist/assets/*.js files (dynamic imports, e.g. y-webrtc after the first screen).',
      'Baseline: bench/baseline/ bundled by Vite with only yjs + y-webrtc and the few lines that time them; it shows what the sync stack costs before any Floe code.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
