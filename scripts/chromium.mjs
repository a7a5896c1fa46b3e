// Finds Debian's Chromium for the browser tests, installing it when running as root.
// Tests never download a browser of their own: they use /usr/bin/chromium or $CHROMIUM_PATH.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export function ensureChromium() {
  const path = chromiumPath();
  if (existsSync(path)) return path;
  const install = 'apt-get update && apt-get install -y chromium';
  if (process.getuid?.() !== 0) {
    console.error(`Chromium is missing at ${path}. Install it with:\n  sudo sh -c '${install}'\nor set CHROMIUM_PATH.`);
    process.exit(1);
  }
  console.log(`Chromium is missing at ${path}; installing Debian's package: ${install}`);
  const r = spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${install}`], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(path)) {
    console.error(`Could not install Chromium (exit ${r.status}). Run as root: ${install}`);
    process.exit(1);
  }
  return path;
}
