/**
 * Process entry point: configuration from the environment, then the registry until a
 * signal. With WORKERS > 1 this process is the primary (cluster/primary.ts) and every
 * worker it forks runs this file again, as a worker. With arguments it runs a command
 * instead (cli/commands.ts: check-storage, backup).
 */
import cluster from 'node:cluster';
import { runCommand } from './cli/commands.js';
import { runPrimary } from './cluster/primary.js';
import { workerCount } from './cluster/worker-count.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './logger.js';
import { startRegistry, type RunningRegistry } from './server.js';
import { ChecksumLogMismatch } from './service/checksum-log.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(2);
    }
    throw err;
  }
  const args = process.argv.slice(2);
  if (args.length > 0 && cluster.isPrimary) {
    const code = await runCommand(args, config, (line) => process.stdout.write(line + '\n'), (line) => process.stderr.write(line + '\n'));
    process.exit(code);
  }
  const root = createLogger(config.logLevel);
  const logger = cluster.isWorker ? root.child({ worker: cluster.worker!.id }) : root;
  let stopping = false;
  let registry: RunningRegistry | undefined;
  const stop = (reason: Record<string, unknown>, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger[code ? 'error' : 'info'](reason, 'shutting down');
    (registry?.close() ?? Promise.resolve()).then(
      () => process.exit(code),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  if (cluster.isWorker) {
    // The primary stops its workers (SIGTERM); Ctrl-C reaches the whole process group, and only the primary acts on it.
    process.on('SIGINT', () => {});
  } else {
    process.on('SIGINT', () => stop({ signal: 'SIGINT' }));
  }
  process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }));
  const workers = workerCount(config);
  registry =
    cluster.isPrimary && workers > 1
      ? await runPrimary(config, logger, workers, (err) => stop({ err }, 1))
      : await startRegistry(config, logger, { worker: cluster.isWorker });
}

main().catch((err) => {
  // A refusal that explains itself is printed as it is; anything else with its stack.
  const explained = err instanceof ChecksumLogMismatch;
  process.stderr.write(`go-registry failed to start: ${explained ? (err as Error).message : ((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
