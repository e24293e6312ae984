/** Small text formats the pages share. */
const UNITS = ['B', 'KiB', 'MiB', 'GiB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** An ISO time without milliseconds, in UTC: the same for every visitor, and what <time datetime> holds. */
export const formatTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ');
