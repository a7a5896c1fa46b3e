// A throwaway built-app directory for relay tests, inside a parent that also holds a secret
// file, so a path-traversal bug would have something real to leak.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StaticSite {
  root: string;
  staticDir: string;
  /** Content of the file next to (outside) the static directory. */
  secret: string;
  indexHtml: string;
  remove(): void;
}

// A 1×1 PNG, so the content-type check serves real bytes.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export function makeStaticSite(): StaticSite {
  const root = mkdtempSync(join(tmpdir(), 'floe-site-'));
  const staticDir = join(root, 'static');
  const secret = `SECRET-${Math.random().toString(36).slice(2)}`;
  const indexHtml = '<!doctype html><title>Floe test app</title><div id="app"></div>';
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(root, 'secret.txt'), secret);
  writeFileSync(join(staticDir, 'index.html'), indexHtml);
  writeFileSync(join(staticDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(staticDir, 'manifest.webmanifest'), '{"name":"Floe"}');
  writeFileSync(join(staticDir, 'icon.png'), PNG);
  writeFileSync(join(staticDir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(staticDir, 'data.json'), '{"ok":true}');
  writeFileSync(join(staticDir, 'assets', 'index-abc123.js'), 'console.log("app");');
  writeFileSync(join(staticDir, 'assets', 'index-abc123.css'), 'body{margin:0}');
  return { root, staticDir, secret, indexHtml, remove: () => rmSync(root, { recursive: true, force: true }) };
}
