/** Process entry point: configuration from the environment, then the registry until a signal. */
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './logger.js';
import { startRegistry } from './server.js';

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
  const logger = createLogger(config.logLevel);
  const registry = await startRegistry(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    registry.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`go-registry failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
