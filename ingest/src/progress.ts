/** A progress bar on stderr when it is a terminal, periodic log lines otherwise. */
import cliProgress from 'cli-progress';

export interface Progress {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

export function createProgress(enabled = true): Progress {
  if (!enabled) return { start() {}, update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: '{label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | {duration_formatted}',
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let t0 = 0;
    return {
      start(label, total) {
        t0 = Date.now();
        bar.start(total, 0, { label, rate: 0 });
      },
      update(done) {
        bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - t0) / 1000)) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let label = '';
  let total = 0;
  let last = 0;
  return {
    start(l, t) {
      label = l;
      total = t;
      last = 0;
      process.stderr.write(`${label}: 0/${total}\n`);
    },
    update(done) {
      const pct = Math.floor((done / Math.max(1, total)) * 10);
      if (pct > last) {
        last = pct;
        process.stderr.write(`${label}: ${done}/${total} (${pct * 10}%)\n`);
      }
    },
    stop() {},
  };
}
