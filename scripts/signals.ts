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
