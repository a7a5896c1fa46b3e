// `floe-relay [serve] [flags]`: the relay's entry point. Wires config → logger → relay and owns
// the process: exit codes, signals, last-resort error handling. The operator's ledger commands
// (mint, balance, ledger verify) live in ledger/commands.ts and join the COMMANDS table.
//
// Exit codes: 0 clean stop (including SIGTERM/SIGINT), 1 runtime failure (port in use, crash,
// shutdown overran its deadline, second signal), 2 bad command line or configuration.
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, usage } from './config.ts';
import { createLogger } from './log.ts';
import { createRelay } from './server.ts';
import { ledgerCommands } from './ledger/commands.ts';
import { tuneV8ForRelay } from './v8-tuning.ts';

/** Sockets get this long to close after 1001 before they are cut. */
const GRACE_MS = 2_000;
/** If shutdown still has not finished by then, something is stuck: exit anyway, non-zero. */
const SHUTDOWN_DEADLINE_MS = 8_000;

type Command = (argv: string[]) => Promise<number>;

function fail(message: string): number {
  process.stderr.write(`floe-relay: ${message}\nRun "floe-relay --help" for usage.\n`);
  return 2;
}

const serve: Command = async (argv) => {
  const outcome = parseConfig(argv, process.env, process.cwd());
  if (outcome.kind === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (outcome.kind === 'error') return fail(outcome.message);
  const config = outcome.config;
  tuneV8ForRelay();
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (err) {
    return fail(`cannot create data directory ${config.dataDir}: ${(err as Error).message}`);
  }

  const logger = createLogger({ level: config.logLevel });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err, event: 'uncaught_exception' }, 'relay crashed');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err, event: 'unhandled_rejection' }, 'relay crashed');
    process.exit(1);
  });
  if (!existsSync(join(config.staticDir, 'index.html'))) {
    logger.warn({ event: 'no_app' }, 'static directory has no index.html; / answers 503 until the app is built');
  }

  const relay = createRelay(config, logger, { graceMs: GRACE_MS });
  // Signal handlers go in before listening: a supervisor (or a test) may send SIGTERM the
  // instant it reads the "listening" line, and an unhandled SIGTERM would kill the process
  // without closing sockets and with the wrong exit status.
  const listening = relay.listen();
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ event: 'forced_exit', signal }, 'second signal, exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ event: 'shutdown', signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error({ event: 'shutdown_timeout' }, 'shutdown did not finish in time');
        resolve(1);
      }, SHUTDOWN_DEADLINE_MS);
      listening
        .catch(() => undefined) // a failed listen is reported below; close still releases
        .then(() => relay.close())
        .then(
          () => {
            clearTimeout(deadline);
            logger.info({ event: 'stopped' }, 'stopped');
            resolve(0);
          },
          (err: unknown) => {
            logger.error({ err, event: 'shutdown_failed' }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  try {
    await listening;
  } catch (err) {
    logger.fatal({ err, event: 'listen_failed', port: config.port, host: config.host }, 'cannot listen');
    return 1;
  }
  return stopped;
};

const COMMANDS: Readonly<Record<string, Command>> = {
  serve,
  ...ledgerCommands({
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  }),
};

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return serve(argv);
  if (first === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) return fail(`unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`floe-relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
