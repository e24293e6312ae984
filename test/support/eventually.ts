/** Polls a probe until it yields a value (anything but undefined or false), or fails with what did not happen. */
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Appended to the failure message, e.g. the tail of a process's log. */
  context?: () => string;
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 300, context } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err; // a probe may fail while the thing it waits for is not there yet
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const lastError = last ? ` (last error: ${(last as Error).message})` : '';
  throw new Error(`${what} did not happen in ${timeoutMs / 1000} s${lastError}${context ? `\n${context()}` : ''}`);
}
