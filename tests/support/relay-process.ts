// A real relay in a child process, for relay integration tests and browser e2e tests.
//
// `startRelay()` spawns `node --import tsx relay/cli.ts serve --port 0 ...`, waits for its
// `listening` log line and returns where it listens plus controls to stop, kill and restart it.
//
// Invariants:
// - Nothing is mocked: it is the same entry point an operator runs.
// - No orphans: every spawned relay is tracked and SIGKILLed when the test process exits,
//   even if a test failed before calling stop(). `stopAllRelays()` does it on demand.
// - `restart()` keeps the data directory and the port, so outage tests see the "same" relay
//   come back at the same URL.
// - A temporary data directory created here is removed when the test process exits (not on
//   stop, so a restart still finds its data).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartRelayOptions {
  /** Defaults to a fresh temporary directory, removed when the test process exits. */
  dataDir?: string;
  /** Defaults to $FLOE_DIST or the repository's dist/ (helpers building in parallel use their own). */
  staticDir?: string;
  /** Extra flags for `serve`, appended last so they override the defaults here. */
  args?: string[];
  /** Extra environment variables for the relay process. */
  env?: Record<string, string>;
  /** Port to bind; 0 (default) picks a free one. restart() passes the current one. */
  port?: number;
  /** How long to wait for the `listening` line. Default 20 s (a loaded 2-core machine). */
  startTimeoutMs?: number;
}

export interface RelayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RelayProcess {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT/signal` */
  readonly signalUrl: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Settles when the process has exited, however that happened. */
  readonly exited: Promise<RelayExit>;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). Idempotent. */
  stop(): Promise<RelayExit>;
  /** Send `signal` (default SIGKILL) and wait for exit. Idempotent. */
  kill(signal?: NodeJS.Signals): Promise<RelayExit>;
  /** Stop if running, then start again with the same data directory, port, flags and env. */
  restart(): Promise<RelayProcess>;
  /** Everything the process wrote so far: stdout (JSON log lines), then stderr. */
  logs(): string;
}

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HOST = '127.0.0.1';
const STOP_KILL_AFTER_MS = 10_000;
/** Keep at most this much output per process; relay logs in tests are far smaller. */
const MAX_LOG_CHARS = 4 * 1024 * 1024;

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** SIGKILL every relay this process started and wait for them to exit. */
export async function stopAllRelays(): Promise<void> {
  await Promise.all([...live].map((child) => {
    const gone = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGKILL');
    return gone;
  }));
}

function appendCapped(buffer: string, chunk: string): string {
  const next = buffer + chunk;
  return next.length > MAX_LOG_CHARS ? next.slice(next.length - MAX_LOG_CHARS) : next;
}

export async function startRelay(opts: StartRelayOptions = {}): Promise<RelayProcess> {
  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), 'floe-relay-'));
    tempDirs.add(dataDir);
  }
  const staticDir = resolve(REPO_ROOT, opts.staticDir ?? process.env.FLOE_DIST ?? 'dist');
  const args = [
    '--import', 'tsx', 'relay/cli.ts', 'serve',
    '--port', String(opts.port ?? 0),
    '--host', HOST,
    '--data', dataDir,
    '--static', staticDir,
    '--log-level', 'info',
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);

  let stdout = '';
  let stderr = '';
  const exited = new Promise<RelayExit>((done) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      done({ code, signal });
    });
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = appendCapped(stderr, chunk);
  });

  const port = await new Promise<number>((ready, fail) => {
    let pending = '';
    const timeoutMs = opts.startTimeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`relay did not log "listening" within ${timeoutMs} ms\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: string) => {
      stdout = appendCapped(stdout, chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const port = listeningPort(line);
        if (port !== null) {
          clearTimeout(timer);
          ready(port);
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`relay exited before listening (code ${code}, signal ${signal})\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(new Error(`could not spawn the relay: ${err.message}`));
    });
  });

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<RelayExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const stop = async (): Promise<RelayExit> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_KILL_AFTER_MS);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  return {
    port,
    url: `http://${HOST}:${port}`,
    signalUrl: `ws://${HOST}:${port}/signal`,
    dataDir,
    pid: child.pid ?? -1,
    exited,
    stop,
    kill,
    restart: async () => {
      await stop();
      return startWithRetry({ ...opts, dataDir, port });
    },
    logs: () => `${stdout}${stderr}`,
  };
}

/** The port of a `{"msg":"listening","port":N}` log line, or null for any other line. */
function listeningPort(line: string): number | null {
  if (!line.includes('"listening"')) return null;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === 'listening' && typeof entry.port === 'number' ? entry.port : null;
  } catch {
    return null;
  }
}

/**
 * The port was just released by the previous process; on a busy machine another socket can
 * still hold it for a moment. Retry a few times before reporting the failure.
 */
async function startWithRetry(opts: StartRelayOptions): Promise<RelayProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startRelay(opts);
    } catch (err) {
      lastError = err;
      if (!String((err as Error).message).includes('EADDRINUSE')) throw err;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  throw lastError;
}
