/**
 * The HTTPS server: the certificate and key come from files (a Kubernetes Secret
 * that cert-manager rotates in place), polled and swapped into the live server with
 * setSecureContext, so new handshakes get the new certificate and open connections
 * are never dropped.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import https from 'node:https';
import type { RequestListener } from 'node:http';
import type { Logger } from '../logger.js';

const POLL_MS = 2_000;

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

const readPair = (files: TlsFiles) => ({ cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) });

export function createTlsServer(files: TlsFiles, handler: RequestListener, logger: Logger): https.Server {
  const server = https.createServer(readPair(files), handler);
  const reload = () => {
    try {
      // A half-rotated pair fails here and the server keeps the previous one until both files agree.
      server.setSecureContext(readPair(files));
      logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'TLS certificate not reloaded; keeping the current one');
    }
  };
  watchFile(files.certFile, { interval: POLL_MS, persistent: false }, reload);
  watchFile(files.keyFile, { interval: POLL_MS, persistent: false }, reload);
  server.on('close', () => {
    unwatchFile(files.certFile, reload);
    unwatchFile(files.keyFile, reload);
  });
  return server;
}
