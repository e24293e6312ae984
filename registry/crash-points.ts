/**
 * Crash points for the fault-injection tests (test/e2e/crash-safety.test.ts):
 * GOREGISTRY_CRASH_AT=<point> makes the process SIGKILL itself when it reaches that
 * point, as an OOM kill or a node failure would at that instant. Read once at start;
 * without the variable every point is a comparison and nothing else.
 */
export type CrashPoint =
  | 'publish:received'
  | 'publish:validated'
  | 'publish:row-inserted'
  | 'publish:blob-placed'
  | 'publish:committed'
  | 'delete:row-removed'
  | 'delete:committed'
  | 'delete:files-removed'
  | 'owner-delete:rows-removed'
  | 'owner-delete:committed'
  | 'owner-delete:files-removed';

const armed = process.env.GOREGISTRY_CRASH_AT;

export function crashPoint(point: CrashPoint): void {
  if (point === armed) process.kill(process.pid, 'SIGKILL');
}
