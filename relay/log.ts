// The relay's logger: pino, one JSON object per line on stdout.
//
// Invariants (the privacy rule of the relay):
// - Never log secrets, topic names (they are room ids: logging them would tell who shares a
//   room), frame contents, or request bodies. Callers log counts, codes and fixed strings only.
// - `redact` below is a second line of defence for keys that must never appear even if a
//   caller slips; it is not the policy itself.
// - Writes are synchronous so the last lines (shutdown, fatal errors) are on stdout before the
//   process exits; the relay logs per connection event, not per frame, so the cost is small.
// - No module-level logger: each relay gets its own, so several can run in one test process.
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/**
 * Keys that may carry room ids, secrets or user content, at the top level and one level down.
 * (Not `message`: that would hide `err.message`, which operators need and which holds no input.)
 */
const REDACTED_KEYS = [
  'topic',
  'topics',
  'data',
  'frame',
  'password',
  'secret',
  'token',
  'capability',
  'authorization',
  'cookie',
];

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to inspect output. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      name: options.name ?? 'floe-relay',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((k) => `*.${k}`)],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
