// `npm start [-- --port P --data DIR --host H]`: builds the app when its sources are newer than
// dist/, then runs the relay, which serves it. Flags after `--` go to the relay unchanged.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, f) => Math.max(m, newest(join(path, f))), s.mtimeMs);
}

const sources = Math.max(...['src', 'sw', 'public', 'index.html', 'vite.config.ts'].map(newest));
const built = existsSync('dist/index.html') ? statSync('dist/index.html').mtimeMs : 0;
if (built < sources) {
  console.log('Building the app…');
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const relay = spawn(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'serve', '--static', 'dist', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => relay.kill(sig));
relay.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
