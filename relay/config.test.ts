import { describe, expect, it } from 'vitest';
import { OPTIONS, parseConfig, usage, type Config, type ParseOutcome } from './config.ts';

const CWD = '/srv/floe';

function ok(outcome: ParseOutcome): Config {
  if (outcome.kind !== 'config') throw new Error(`expected a config, got ${JSON.stringify(outcome)}`);
  return outcome.config;
}

function error(outcome: ParseOutcome): string {
  if (outcome.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.message;
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = ok(parseConfig([], {}, CWD));
    expect(c).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '/srv/floe/data',
      staticDir: '/srv/floe/dist',
      logLevel: 'info',
      signaling: {
        maxPayloadBytes: 65536,
        maxTopicsPerConnection: 1024,
        maxTopicLength: 256,
        maxTopicsTotal: 100_000,
        maxSubscriptionsTotal: 1_000_000,
        maxConnections: 10_000,
        rateLimitPerSecond: 100,
        rateLimitBurst: 200,
        heartbeatIntervalMs: 30_000,
      },
      mailbox: {
        retentionMs: 30 * 24 * 3600_000,
        maxUpdateBytes: 256 * 1024,
        maxSnapshotBytes: 8 * 1024 * 1024,
        maxRoomBytes: 64 * 1024 * 1024,
        maxRoomsPerConnection: 4096,
        framesPerSecond: 500,
        frameBurst: 2000,
        bytesPerSecond: 4 * 1024 * 1024,
        byteBurst: 32 * 1024 * 1024,
      },
      push: { enabled: true, subject: 'mailto:floe-relay@example.invalid', coalesceMs: 60_000, maxDevices: 100_000, allowLoopback: false },
      redpacketExpiryMs: 24 * 3600_000,
    });
  });

  it('reads the red packet expiry and refuses one under a second', () => {
    expect(ok(parseConfig(['--redpacket-expiry-ms', '3000'], {}, CWD)).redpacketExpiryMs).toBe(3000);
    expect(ok(parseConfig([], { FLOE_REDPACKET_EXPIRY_MS: '60000' }, CWD)).redpacketExpiryMs).toBe(60_000);
    expect(parseConfig(['--redpacket-expiry-ms', '10'], {}, CWD).kind).toBe('error');
  });

  it('reads the Web Push switch and subject, and refuses bad ones', () => {
    const c = ok(parseConfig(['--push', 'off', '--push-subject', 'https://chat.example.org/contact'], { FLOE_PUSH_COALESCE_MS: '5000' }, CWD));
    expect(c.push).toMatchObject({ enabled: false, subject: 'https://chat.example.org/contact', coalesceMs: 5000 });
    expect(error(parseConfig(['--push', 'maybe'], {}, CWD))).toBe('--push must be on or off, got "maybe"');
    expect(error(parseConfig(['--push-subject', 'ops@example.org'], {}, CWD))).toContain('--push-subject must be a mailto: address or an https: URL');
    expect(error(parseConfig(['--push-subject', 'http://example.org'], {}, CWD))).toContain('--push-subject');
    expect(error(parseConfig(['--push-allow-loopback', 'yes'], {}, CWD))).toContain('--push-allow-loopback must be on or off');
  });

  it('reads mailbox limits and refuses a byte burst below the largest snapshot', () => {
    const c = ok(parseConfig(['--retention-ms', '60000', '--max-update', '4096'], { FLOE_MAX_ROOM_BYTES: '1048576' }, CWD));
    expect(c.mailbox.retentionMs).toBe(60_000);
    expect(c.mailbox.maxUpdateBytes).toBe(4096);
    expect(c.mailbox.maxRoomBytes).toBe(1_048_576);
    const bad = parseConfig(['--max-snapshot', '1048576', '--v1-byte-burst', '4096'], {}, CWD);
    expect(bad).toEqual({ kind: 'error', message: 'the /v1 byte burst must be at least the largest snapshot' });
    const low = parseConfig(['--retention-ms', '5'], {}, CWD);
    expect(low.kind).toBe('error');
  });

  it('reads flags in both --flag value and --flag=value forms', () => {
    const c = ok(parseConfig(['--port', '0', '--host=0.0.0.0', '--data', 'var/d', '--static=/www', '--log-level', 'debug', '--rate-limit=5', '--rate-burst', '10'], {}, CWD));
    expect(c.port).toBe(0);
    expect(c.host).toBe('0.0.0.0');
    expect(c.dataDir).toBe('/srv/floe/var/d');
    expect(c.staticDir).toBe('/www');
    expect(c.logLevel).toBe('debug');
    expect(c.signaling.rateLimitPerSecond).toBe(5);
    expect(c.signaling.rateLimitBurst).toBe(10);
  });

  it('reads FLOE_* environment variables, and flags win over them', () => {
    const env = { FLOE_PORT: '9000', FLOE_HOST: '::1', FLOE_DATA: '/d', FLOE_LOG_LEVEL: 'warn', FLOE_MAX_TOPICS_PER_CONN: '7' };
    const fromEnv = ok(parseConfig([], env, CWD));
    expect([fromEnv.port, fromEnv.host, fromEnv.dataDir, fromEnv.logLevel, fromEnv.signaling.maxTopicsPerConnection]).toEqual([9000, '::1', '/d', 'warn', 7]);
    const flagWins = ok(parseConfig(['--port', '9001', '--max-topics-per-conn', '8'], env, CWD));
    expect([flagWins.port, flagWins.signaling.maxTopicsPerConnection]).toEqual([9001, 8]);
  });

  it('treats an empty environment variable as unset', () => {
    expect(ok(parseConfig([], { FLOE_PORT: '', FLOE_HOST: ' ' }, CWD))).toMatchObject({ port: 8787, host: '127.0.0.1' });
  });

  it.each([
    [['--port', 'abc'], '--port must be a whole number, got "abc"'],
    [['--port', '-1'], 'flag --port needs a value (write --port=VALUE if it starts with "-")'],
    [['--port=-1'], '--port must be a whole number, got "-1"'],
    [['--port', '65536'], '--port must be between 0 and 65535, got 65536'],
    [['--port', '80.5'], '--port must be a whole number, got "80.5"'],
    [['--port='], 'flag --port needs a value'],
    [['--port'], 'flag --port needs a value'],
    [['--frobnicate'], 'unknown flag --frobnicate'],
    [['-p', '1'], 'unknown flag -p'],
    [['--help=yes'], 'flag --help takes no value'],
    [['stray'], 'unexpected argument "stray"'],
    [['--log-level', 'loud'], 'log level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [['--max-payload', '10'], '--max-payload must be between 1024 and 16777216, got 10'],
    [['--heartbeat-ms', '0'], '--heartbeat-ms must be between 100 and 3600000, got 0'],
    [['--rate-limit', '1000', '--rate-burst', '1'], 'rate burst must be at least 1% of the rate limit'],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(error(parseConfig(argv, {}, CWD))).toBe(message);
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(error(parseConfig([], { FLOE_PORT: 'eighty' }, CWD))).toBe('FLOE_PORT must be a whole number, got "eighty"');
    expect(error(parseConfig([], { FLOE_LOG_LEVEL: 'chatty' }, CWD))).toMatch(/^log level must be one of/);
  });

  it('answers --help, even next to other flags', () => {
    expect(parseConfig(['--help'], {}, CWD)).toEqual({ kind: 'help' });
    expect(parseConfig(['--port', '1', '--help'], {}, CWD)).toEqual({ kind: 'help' });
  });

  it('documents every option, its variable and its default in usage()', () => {
    const text = usage();
    for (const o of OPTIONS) {
      expect(text).toContain(`--${o.flag}`);
      expect(text).toContain(o.env);
    }
    expect(text).toContain('default 8787');
  });
});
