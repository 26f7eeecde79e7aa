/**
 * A tiny progress bar for long work, written to stderr so that stdout stays clean for results.
 * On a terminal it redraws one line (at most ten times a second, and every second while nothing
 * moves, so that its clock does); elsewhere (CI logs, pipes, a service's journal) it writes a line at
 * every tenth of the way, so logs stay short, and one whenever `quietMs` have passed without a line:
 * at every tenth alone, `npm run demo | tee demo.log` said nothing for its first 10 s and then 6 s at a
 * time, `npm run rebuild` of 400,000 events 7.6 s while its workers wrote their last rows.
 */
import { elapsedMs } from '../infra/clock.js';

export interface Progress {
  /** `n` more items done (default 1). */
  tick(n?: number): void;
  /** Sets how many items are done, and (`total`) how many there are now, when the work grew. */
  update(done: number, total?: number): void;
  /** Finishes the bar (draws 100 % of what was done) and ends its line. */
  done(): void;
}

/** Where the bar is written: stderr, or a test's stand-in. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** False: nothing is written (tests, quiet runs). */
  enabled?: boolean;
  /** Redraw at most this often on a terminal. */
  intervalMs?: number;
  /** The language of the figures around the label (the label is the caller's): Chinese by default. */
  lang?: 'zh' | 'en';
  /** Off a terminal, the longest the bar stays without a line (ms); 0: only at every tenth. Default 5,000. */
  quietMs?: number;
}

const QUIET_MS = 5_000;
/** How often the bar looks whether it has been quiet too long (or, on a terminal, redraws its clock). */
const HEARTBEAT_MS = 1_000;

const SILENT: Progress = { tick() {}, update() {}, done() {} };

/** The terminal a bar was last drawn on and not yet finished: its line is open (the bar redraws it with `\r`). */
let openLine: ProgressStream | undefined;

/**
 * Ends the line of a bar left part-way on a terminal (a command stopped by Ctrl-C mid-work), so that
 * what is written next starts a line of its own instead of running on after the bar. Off a terminal
 * every line is already ended.
 */
export function endProgressLine(): void {
  openLine?.write('\n');
  openLine = undefined;
}

/** How the figures around the label are written, in each language. */
const WORDING = {
  zh: {
    seconds: (m: number, s: number) => (m > 0 ? `${m}分${String(s).padStart(2, '0')}秒` : `${s}秒`),
    left: (time: string) => `，约剩 ${time}`,
    bar: (figures: string, time: string) => `${figures}（${time}）`,
    line: (label: string, percent: number, counts: string, time: string) => `${label}：${percent}%（${counts}，${time}）`,
  },
  en: {
    seconds: (m: number, s: number) => (m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`),
    left: (time: string) => `, about ${time} left`,
    bar: (figures: string, time: string) => `${figures} (${time})`,
    line: (label: string, percent: number, counts: string, time: string) => `${label}: ${percent}% (${counts}, ${time})`,
  },
} as const;

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  if (options.enabled === false) return SILENT;
  const stream: ProgressStream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const interval = options.intervalMs ?? 100;
  const started = elapsedMs();
  let safeTotal = Math.max(0, total);
  const words = WORDING[options.lang ?? 'zh'];
  const seconds = (ms: number) => {
    const s = Math.max(0, Math.round(ms / 1000));
    return words.seconds(Math.floor(s / 60), s % 60);
  };
  const quietMs = options.quietMs ?? QUIET_MS;
  let done = 0;
  let lastDraw = -Infinity;
  let lastLine = started;
  let lastTenth = 0;
  let finished = false;

  const fraction = () => (safeTotal === 0 ? 1 : Math.min(1, done / safeTotal));

  const drawBar = () => {
    const f = fraction();
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length * 2 - 40));
    const filled = Math.round(f * width);
    const spent = elapsedMs() - started;
    const eta = f > 0 && f < 1 ? words.left(seconds((spent / f) * (1 - f))) : '';
    const pct = `${Math.floor(f * 100)}`.padStart(3);
    stream.write(`\r${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${words.bar(`${pct}% ${done}/${safeTotal}`, `${seconds(spent)}${eta}`)}\x1b[K`);
    openLine = stream;
  };

  const line = (percent: number) => {
    lastLine = elapsedMs();
    stream.write(`${words.line(label, percent, `${done}/${safeTotal}`, seconds(lastLine - started))}\n`);
  };

  const render = (force: boolean) => {
    if (finished) return;
    if (tty) {
      const now = elapsedMs();
      if (force || now - lastDraw >= interval) {
        lastDraw = now;
        drawBar();
      }
      return;
    }
    const tenth = Math.floor(fraction() * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      line(tenth * 10);
    } else if (quietMs > 0 && elapsedMs() - lastLine >= quietMs) {
      line(Math.floor(fraction() * 100));
    }
  };
  // Work that stops telling for a while (a worker writing its rows, a long query) still shows its clock moving.
  const heartbeat = tty || quietMs > 0 ? setInterval(() => render(tty), HEARTBEAT_MS) : undefined;
  heartbeat?.unref();

  return {
    tick(n = 1) {
      done += n;
      render(false);
    },
    update(value, grown) {
      done = value;
      if (grown !== undefined) safeTotal = Math.max(0, grown);
      render(false);
    },
    done() {
      if (finished) return;
      clearInterval(heartbeat);
      if (tty) {
        drawBar();
        stream.write('\n');
        openLine = undefined;
      } else if (lastTenth < 10) {
        // Stopped short of the end: the last line says where.
        line(Math.floor(fraction() * 100));
      }
      finished = true;
    },
  };
}

/** Work in parts done in turn, one bar each (`labels` in their order): a rebuild folds, copies, then makes indexes. */
export interface PhasedProgress<P extends string> {
  /** Where part `phase` has come; a part before the one under way is not shown again, unless it starts over at 0. */
  update(done: number, total: number, phase: P): void;
  /** Finishes the bar of the part under way. */
  done(): void;
}

export function createPhasedProgress<P extends string>(labels: Readonly<Record<P, string>>, options: ProgressOptions = {}): PhasedProgress<P> {
  const order = Object.keys(labels) as P[];
  let current: { phase: P; bar: Progress; done: number } | undefined;
  return {
    update(done, total, phase) {
      // A part that starts over (at 0 after it had begun, or an earlier part again) gets a new bar; an
      // earlier part's later word (a rebuild's last position) is not shown again.
      const earlier = current !== undefined && order.indexOf(phase) < order.indexOf(current.phase);
      if (earlier && done !== 0) return;
      const again = current?.phase === phase && done === 0 && current.done > 0;
      if (current?.phase !== phase || again) {
        current?.bar.done();
        current = { phase, bar: createProgress(labels[phase], total, options), done: 0 };
      }
      current.done = done;
      // The total as it stands: a rebuild beside a server folds the events appended meanwhile too (race QA:
      // 100%（2860/2857）, the bar's total fixed at its first word).
      current.bar.update(done, total);
    },
    done() {
      current?.bar.done();
    },
  };
}
