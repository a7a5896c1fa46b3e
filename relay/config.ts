// The relay's configuration: command-line flags, then FLOE_* environment variables, then
// defaults, parsed into one typed, validated Config.
//
// Invariants:
// - Pure: `parseConfig` reads only its arguments (argv, env) and never touches the file
//   system; creating the data directory is the caller's job (cli.ts).
// - Expected failures are values: a bad flag yields { kind: 'error', message } with one line a
//   person can act on. The CLI prints it and exits 2; nothing here throws for bad input.
// - Every option is declared once in OPTIONS; the parser, the env lookup and `usage()` all read
//   that table, so help text cannot drift from behaviour. docs/operations.md mirrors it.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SignalingLimits {
  /** Largest WebSocket frame accepted, in bytes; larger ones close the socket with 1009. */
  maxPayloadBytes: number;
  maxTopicsPerConnection: number;
  maxTopicLength: number;
  /** Distinct topics across the whole relay: bounds memory no matter how many clients. */
  maxTopicsTotal: number;
  /** (connection, topic) pairs across the whole relay. */
  maxSubscriptionsTotal: number;
  maxConnections: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  heartbeatIntervalMs: number;
}

/** Limits of the /v1 mailbox; see docs/operations.md. */
export interface MailboxLimits {
  retentionMs: number;
  maxUpdateBytes: number;
  maxSnapshotBytes: number;
  maxRoomBytes: number;
  maxRoomsPerConnection: number;
  framesPerSecond: number;
  frameBurst: number;
  bytesPerSecond: number;
  byteBurst: number;
}

/** Web Push (relay/push/); see docs/operations.md. */
export interface PushConfig {
  enabled: boolean;
  /** VAPID subject (RFC 8292): a mailto: or https: contact for push services. */
  subject: string;
  /** At most one push per device per this many milliseconds. */
  coalesceMs: number;
  maxDevices: number;
  /** Accept http endpoints on 127.0.0.1 (tests standing in for a push service); never in production. */
  allowLoopback: boolean;
}

export interface Config {
  port: number;
  host: string;
  /** Absolute path. */
  dataDir: string;
  /** Absolute path. */
  staticDir: string;
  logLevel: LogLevel;
  signaling: SignalingLimits;
  mailbox: MailboxLimits;
  /** How long a red packet stays open before what is left goes back to its sender. */
  redpacketExpiryMs: number;
  push: PushConfig;
}

export type ParseOutcome =
  | { kind: 'config'; config: Config }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

type IntKey = 'port' | 'redpacketExpiryMs' | keyof SignalingLimits | keyof MailboxLimits | 'coalesceMs' | 'maxDevices';
type StrKey = 'host' | 'dataDir' | 'staticDir' | 'logLevel' | 'push' | 'subject' | 'allowLoopback';

interface OptionSpec {
  flag: string;
  env: string;
  help: string;
  key: IntKey | StrKey;
  /** Integers carry their range; strings are taken as given (after trimming). */
  int?: { def: number; min: number; max: number };
  str?: { def: string; arg: string };
}

const MiB = 1024 * 1024;

export const OPTIONS: readonly OptionSpec[] = [
  { flag: 'port', env: 'FLOE_PORT', key: 'port', int: { def: 8787, min: 0, max: 65535 }, help: 'TCP port; 0 picks a free one' },
  { flag: 'host', env: 'FLOE_HOST', key: 'host', str: { def: '127.0.0.1', arg: 'HOST' }, help: 'interface to bind (0.0.0.0 for all)' },
  { flag: 'data', env: 'FLOE_DATA', key: 'dataDir', str: { def: './data', arg: 'DIR' }, help: 'data directory, created if missing' },
  { flag: 'static', env: 'FLOE_STATIC', key: 'staticDir', str: { def: 'dist', arg: 'DIR' }, help: 'built PWA to serve at /' },
  { flag: 'log-level', env: 'FLOE_LOG_LEVEL', key: 'logLevel', str: { def: 'info', arg: 'LEVEL' }, help: LOG_LEVELS.join('|') },
  { flag: 'max-payload', env: 'FLOE_MAX_PAYLOAD', key: 'maxPayloadBytes', int: { def: 64 * 1024, min: 1024, max: 16 * MiB }, help: 'largest /signal frame, bytes' },
  { flag: 'max-topics-per-conn', env: 'FLOE_MAX_TOPICS_PER_CONN', key: 'maxTopicsPerConnection', int: { def: 1024, min: 1, max: 1_000_000 }, help: 'topics one connection may subscribe to' },
  { flag: 'max-topic-length', env: 'FLOE_MAX_TOPIC_LENGTH', key: 'maxTopicLength', int: { def: 256, min: 1, max: 65536 }, help: 'longest topic name, characters' },
  { flag: 'max-topics', env: 'FLOE_MAX_TOPICS', key: 'maxTopicsTotal', int: { def: 100_000, min: 1, max: 100_000_000 }, help: 'distinct topics on the relay' },
  { flag: 'max-subscriptions', env: 'FLOE_MAX_SUBSCRIPTIONS', key: 'maxSubscriptionsTotal', int: { def: 1_000_000, min: 1, max: 1_000_000_000 }, help: 'subscriptions on the relay' },
  { flag: 'max-connections', env: 'FLOE_MAX_CONNECTIONS', key: 'maxConnections', int: { def: 10_000, min: 1, max: 1_000_000 }, help: 'concurrent /signal sockets' },
  { flag: 'rate-limit', env: 'FLOE_RATE_LIMIT', key: 'rateLimitPerSecond', int: { def: 100, min: 1, max: 1_000_000 }, help: 'sustained frames/s per connection' },
  { flag: 'rate-burst', env: 'FLOE_RATE_BURST', key: 'rateLimitBurst', int: { def: 200, min: 1, max: 1_000_000 }, help: 'burst of frames per connection' },
  { flag: 'retention-ms', env: 'FLOE_RETENTION_MS', key: 'retentionMs', int: { def: 30 * 24 * 3600_000, min: 1000, max: 10 * 365 * 24 * 3600_000 }, help: 'how long the mailbox keeps an update (30 days)' },
  { flag: 'max-update', env: 'FLOE_MAX_UPDATE', key: 'maxUpdateBytes', int: { def: 256 * 1024, min: 1024, max: 16 * MiB }, help: 'largest sealed update, bytes' },
  { flag: 'max-snapshot', env: 'FLOE_MAX_SNAPSHOT', key: 'maxSnapshotBytes', int: { def: 8 * MiB, min: 4096, max: 256 * MiB }, help: 'largest sealed snapshot, bytes' },
  { flag: 'max-room-bytes', env: 'FLOE_MAX_ROOM_BYTES', key: 'maxRoomBytes', int: { def: 64 * MiB, min: 4096, max: 64 * 1024 * MiB }, help: 'bytes one room may hold' },
  { flag: 'max-rooms-per-conn', env: 'FLOE_MAX_ROOMS_PER_CONN', key: 'maxRoomsPerConnection', int: { def: 4096, min: 1, max: 1_000_000 }, help: 'rooms one /v1 connection may open' },
  { flag: 'v1-rate-limit', env: 'FLOE_V1_RATE_LIMIT', key: 'framesPerSecond', int: { def: 500, min: 1, max: 1_000_000 }, help: 'sustained /v1 frames/s per connection' },
  { flag: 'v1-rate-burst', env: 'FLOE_V1_RATE_BURST', key: 'frameBurst', int: { def: 2000, min: 1, max: 10_000_000 }, help: 'burst of /v1 frames per connection' },
  { flag: 'v1-bytes-per-second', env: 'FLOE_V1_BYTES_PER_SECOND', key: 'bytesPerSecond', int: { def: 4 * MiB, min: 1024, max: 1024 * MiB }, help: 'sustained /v1 bytes/s per connection' },
  { flag: 'v1-byte-burst', env: 'FLOE_V1_BYTE_BURST', key: 'byteBurst', int: { def: 32 * MiB, min: 4096, max: 4096 * MiB }, help: 'burst of /v1 bytes per connection' },
  { flag: 'push', env: 'FLOE_PUSH', key: 'push', str: { def: 'on', arg: 'on|off' }, help: 'send Web Push to subscribed devices' },
  { flag: 'push-subject', env: 'FLOE_PUSH_SUBJECT', key: 'subject', str: { def: 'mailto:floe-relay@example.invalid', arg: 'URI' }, help: 'VAPID contact (mailto: or https:) push services may use' },
  { flag: 'push-coalesce-ms', env: 'FLOE_PUSH_COALESCE_MS', key: 'coalesceMs', int: { def: 60_000, min: 0, max: 86_400_000 }, help: 'at most one push per device per this many ms' },
  { flag: 'push-max-devices', env: 'FLOE_PUSH_MAX_DEVICES', key: 'maxDevices', int: { def: 100_000, min: 1, max: 100_000_000 }, help: 'push subscriptions the relay keeps' },
  { flag: 'push-allow-loopback', env: 'FLOE_PUSH_ALLOW_LOOPBACK', key: 'allowLoopback', str: { def: 'off', arg: 'on|off' }, help: 'accept http push endpoints on 127.0.0.1 (tests only)' },
  { flag: 'redpacket-expiry-ms', env: 'FLOE_REDPACKET_EXPIRY_MS', key: 'redpacketExpiryMs', int: { def: 24 * 3600_000, min: 1000, max: 30 * 24 * 3600_000 }, help: 'how long a red packet stays open (24 h)' },
  { flag: 'heartbeat-ms', env: 'FLOE_HEARTBEAT_MS', key: 'heartbeatIntervalMs', int: { def: 30_000, min: 100, max: 3_600_000 }, help: 'ping interval; no pong by the next one ends the socket' },
];

export function usage(): string {
  const rows = OPTIONS.map((o) => {
    const left = `  --${o.flag} ${o.str ? o.str.arg : 'N'}`;
    const def = o.str ? o.str.def : String(o.int?.def);
    return `${left.padEnd(30)}${o.help} (env ${o.env}, default ${def})`;
  });
  return [
    'Usage: floe-relay [serve] [flags]',
    '',
    'Serves the Floe PWA, /healthz, WebRTC signaling at /signal and the mailbox and ledger at /v1 on one port.',
    'Flags override environment variables, which override defaults.',
    '',
    ...rows,
    '  --help                      print this and exit',
    '',
    'Ledger commands (docs/operations.md, "Coins"):',
    '  floe-relay mint --data DIR --to ACCOUNT_ID --amount N [--memo TEXT] [--json]',
    '  floe-relay balance --data DIR --account ACCOUNT_ID [--json]',
    '  floe-relay ledger verify --data DIR',
    '',
  ].join('\n');
}

function parseInt10(text: string, spec: NonNullable<OptionSpec['int']>, name: string): number | string {
  if (!/^\d+$/.test(text.trim())) return `${name} must be a whole number, got "${text}"`;
  const n = Number(text.trim());
  if (n < spec.min || n > spec.max) return `${name} must be between ${spec.min} and ${spec.max}, got ${n}`;
  return n;
}

/** Parse flags (argv without the subcommand) and environment into a Config. */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): ParseOutcome {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const o of OPTIONS) options[o.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    if (parsed.positionals.length > 0) return { kind: 'error', message: `unexpected argument "${parsed.positionals[0]}"` };
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (err) {
    return { kind: 'error', message: describeParseArgsError(err) };
  }
  if (values.help === true) return { kind: 'help' };

  const ints: Partial<Record<IntKey, number>> = {};
  const strs: Partial<Record<StrKey, string>> = {};
  for (const o of OPTIONS) {
    const fromFlag = values[o.flag];
    const raw = typeof fromFlag === 'string' ? fromFlag : env[o.env];
    const name = typeof fromFlag === 'string' ? `--${o.flag}` : o.env;
    // An empty environment variable means "unset"; an empty flag (`--port=`) is a mistake.
    if (fromFlag === '') return { kind: 'error', message: `flag --${o.flag} needs a value` };
    if (o.int) {
      if (raw === undefined || raw === '') ints[o.key as IntKey] = o.int.def;
      else {
        const n = parseInt10(raw, o.int, name);
        if (typeof n === 'string') return { kind: 'error', message: n };
        ints[o.key as IntKey] = n;
      }
    } else if (o.str) {
      const s = raw === undefined || raw.trim() === '' ? o.str.def : raw.trim();
      strs[o.key as StrKey] = s;
    }
  }

  const logLevel = strs.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    return { kind: 'error', message: `log level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"` };
  }
  const int = (k: IntKey): number => ints[k] ?? 0; // every int option has a default above
  const signaling: SignalingLimits = {
    maxPayloadBytes: int('maxPayloadBytes'),
    maxTopicsPerConnection: int('maxTopicsPerConnection'),
    maxTopicLength: int('maxTopicLength'),
    maxTopicsTotal: int('maxTopicsTotal'),
    maxSubscriptionsTotal: int('maxSubscriptionsTotal'),
    maxConnections: int('maxConnections'),
    rateLimitPerSecond: int('rateLimitPerSecond'),
    rateLimitBurst: int('rateLimitBurst'),
    heartbeatIntervalMs: int('heartbeatIntervalMs'),
  };
  const mailbox: MailboxLimits = {
    retentionMs: int('retentionMs'),
    maxUpdateBytes: int('maxUpdateBytes'),
    maxSnapshotBytes: int('maxSnapshotBytes'),
    maxRoomBytes: int('maxRoomBytes'),
    maxRoomsPerConnection: int('maxRoomsPerConnection'),
    framesPerSecond: int('framesPerSecond'),
    frameBurst: int('frameBurst'),
    bytesPerSecond: int('bytesPerSecond'),
    byteBurst: int('byteBurst'),
  };
  const onOff = (key: 'push' | 'allowLoopback', flag: string): boolean | string => {
    const value = strs[key];
    return value === 'on' ? true : value === 'off' ? false : `--${flag} must be on or off, got "${value}"`;
  };
  const pushOn = onOff('push', 'push');
  const loopback = onOff('allowLoopback', 'push-allow-loopback');
  if (typeof pushOn === 'string') return { kind: 'error', message: pushOn };
  if (typeof loopback === 'string') return { kind: 'error', message: loopback };
  const subject = strs.subject ?? '';
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s/]+\S*)$/.test(subject)) {
    return { kind: 'error', message: `--push-subject must be a mailto: address or an https: URL, got "${subject}"` };
  }
  const push: PushConfig = { enabled: pushOn, subject, coalesceMs: int('coalesceMs'), maxDevices: int('maxDevices'), allowLoopback: loopback };
  if (mailbox.byteBurst < mailbox.maxSnapshotBytes) {
    return { kind: 'error', message: 'the /v1 byte burst must be at least the largest snapshot' };
  }
  if (signaling.rateLimitBurst < signaling.rateLimitPerSecond / 100) {
    // A bucket smaller than 10 ms of traffic would refuse legitimate bursts of two frames.
    return { kind: 'error', message: 'rate burst must be at least 1% of the rate limit' };
  }
  return {
    kind: 'config',
    config: {
      port: int('port'),
      host: strs.host ?? '127.0.0.1',
      dataDir: resolve(cwd, strs.dataDir ?? './data'),
      staticDir: resolve(cwd, strs.staticDir ?? 'dist'),
      logLevel: logLevel as LogLevel,
      signaling,
      mailbox,
      redpacketExpiryMs: int('redpacketExpiryMs'),
      push,
    },
  };
}

/** node:util's messages are long and suggest `--` tricks; say only what was wrong. */
function describeParseArgsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^']*)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = flag.split(' ')[0];
    if (message.includes('does not take an argument')) return `flag ${name} takes no value`;
    if (message.includes('ambiguous')) return `flag ${name} needs a value (write ${name}=VALUE if it starts with "-")`;
    return `flag ${name} needs a value`;
  }
  return message.split('\n')[0] ?? 'bad arguments';
}
