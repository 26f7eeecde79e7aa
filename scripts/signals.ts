import { constants } from 'node:os';
import { endProgressLine } from './progress.js';

/**
 * Moves the handling of `signals` from `from` to `to` with a listener in place throughout: `to` is
 * added before `from` is taken off. Node stops watching a signal when its last listener goes, and
 * a signal already received but not yet handed to a listener (sent while this thread ran the
 * start-up's synchronous work) went with it: `npm start` sent SIGTERM or Ctrl-C at that moment
 * started, and ran on.
 */
export function handOverSignals(signals: readonly NodeJS.Signals[], from: (signal: NodeJS.Signals) => void, to: (signal: NodeJS.Signals) => void): void {
  for (const signal of signals) process.on(signal, to);
  for (const signal of signals) process.off(signal, from);
}

/** The signals that stop a command: Ctrl-C, and SIGTERM (kill, a service manager, docker stop). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

/**
 * Ends a command stopped by `signal` (Ctrl-C or SIGTERM) with `line` on stderr, and the exit code a
 * shell gives a command the signal killed (128 + its number: 130, 143) — a script, a cron job or CI
 * tells the stop from a failure as before, and the operator reads what the stop left. A progress bar
 * drawn part-way on a terminal has its line ended first: the words were written after the bar, on its line.
 */
export function exitStopped(signal: NodeJS.Signals, line: string): never {
  endProgressLine();
  process.stderr.write(`${line}\n`);
  process.exit(128 + constants.signals[signal]);
}
