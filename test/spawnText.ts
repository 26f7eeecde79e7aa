/**
 * A child process run to its end, its output as text — spawnSync's answer, without blocking.
 *
 * A test that ran its scripts with spawnSync held its vitest worker's event loop for as long as they
 * ran (five failed starts in a row: 37 s on a busy CI machine). Vitest's worker waits 60 s for each
 * answer of the main process, and an answer that arrived meanwhile is read only once the loop turns:
 * past 60 s, the run ends "Timeout calling onTaskUpdate", exit 1, every test having passed.
 */
import { spawn, type SpawnOptions } from 'node:child_process';

export interface Ran {
  /** The exit code, or null when a signal ended it. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when it could not be started. */
  error?: Error;
}

/** Runs `command`; stdin is closed at once. After `timeout` ms it is sent SIGTERM (as spawnSync does). */
export function spawnText(command: string, args: readonly string[], options: SpawnOptions & { timeout?: number } = {}): Promise<Ran> {
  const { timeout, ...rest } = options;
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...rest, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = timeout === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), timeout);
    let ended = false;
    const end = (ran: Omit<Ran, 'stdout' | 'stderr'>) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      resolve({ ...ran, stdout, stderr });
    };
    child.once('error', (error) => end({ status: null, signal: null, error }));
    child.once('close', (status, signal) => end({ status, signal }));
    child.stdin!.end();
  });
}
