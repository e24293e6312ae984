/** Upload progress on stderr: a redrawn line on a terminal, a line per 10% otherwise (--progress). */
const MiB = 1024 * 1024;
const size = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

export function progressReporter(total: number, tty: boolean, write: (text: string) => void): (sent: number) => void {
  let lastStep = -1;
  let lastDraw = -Infinity;
  return (sent) => {
    const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
    if (tty) {
      const now = Date.now();
      if (sent < total && now - lastDraw < 100) return;
      lastDraw = now;
      write(`\rupload ${percent}% (${size(sent)} of ${size(total)})${sent >= total ? '\n' : ''}`);
      return;
    }
    const step = Math.floor(percent / 10);
    if (step === lastStep) return;
    lastStep = step;
    write(`upload ${percent}% (${size(sent)} of ${size(total)})\n`);
  };
}
