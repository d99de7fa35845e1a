/**
 * @module cli/progress
 * A one-line progress bar with rate and ETA, on stderr, only when it is a terminal.
 */
export interface Progress {
  tick(): void;
  finish(): void;
}

const fmtDuration = (s: number): string =>
  !Number.isFinite(s) ? '?' : s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`;

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total < 2) return { tick() {}, finish() {} };
  const started = Date.now();
  let done = 0;
  let lastDraw = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(1)}/s ETA ${fmtDuration(eta)}\x1b[K`);
  };
  return {
    tick() {
      done++;
      draw(done === total);
    },
    finish() {
      stream.write('\r\x1b[K');
    },
  };
}
