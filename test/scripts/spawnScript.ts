/** Runs an entry point of scripts/ as `npm run …` does, in a child process, with a clean environment. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { spawnText, type Ran } from '../spawnText.js';

export const ROOT = join(import.meta.dirname, '../..');
/** tsx's loader, found from the project whatever the child's working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

/**
 * `scripts/<script> …args` as package.json runs it (`node --import tsx`): one process, where the tsx
 * command started a second node to run it (about 0.3 s of CPU more at every run).
 */
export function scriptCommand(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', TSX_LOADER, join(ROOT, 'scripts', script), ...args]];
}

/** The test's environment without the settings a script reads (so only `env` sets them: npm's INIT_CWD too), and without DEBUG. */
function environment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(WORKFLOW_|PORT$|HOST$|LOG_LEVEL$|DEBUG$|NODE_ENV$|INIT_CWD$)/.test(key)),
  );
  return { ...inherited, ...env };
}

/** `scripts/<script> …args` (`scriptCommand`), waited for (without holding the event loop: see spawnText); killed after `timeoutMs`. */
export function runScript(script: string, args: string[], env: Record<string, string>, cwd = ROOT, timeoutMs = 60_000): Promise<Ran> {
  return spawnText(...scriptCommand(script, args), { cwd, env: environment(env), timeout: timeoutMs });
}

export interface RunningServer {
  child: ChildProcessWithoutNullStreams;
  /** The address the startup log names. */
  url: string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** What it has logged so far (stdout and stderr). */
  output(): string;
}

/**
 * The process `npm start` runs: package.json's `start` script, its first word found as npm finds it
 * (`node`, or a program of node_modules/.bin), without npm in between (npm only passes the signal on).
 */
export function npmStartCommand(): [string, string[]] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [program, ...args] = pkg.scripts.start.split(/\s+/);
  return [program === 'node' ? process.execPath : join(ROOT, 'node_modules/.bin', program!), args];
}

const START: [string, string[]] = [process.execPath, ['--import', 'tsx', 'scripts/start.ts']];

/**
 * The servers (and scripts) this test file spawned that are still running: killed after its tests. A test that
 * failed before stopping its server left it running after the whole suite (one, from a failed run,
 * was still up beside a benchmark an hour later).
 */
const running = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RunningScript {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** How it ended: its exit code, or the signal that killed it. */
  ended: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once `seen()` holds, looked at whenever it writes (and every 20 ms: files it makes); rejects if it ends first. */
  until(seen: () => boolean, timeoutMs?: number): Promise<void>;
}

/**
 * `scripts/<script> …args` (`scriptCommand`) as a child process, not waited for: to be sent a signal
 * part-way through its work. Killed after the test file if it is still running.
 */
export function spawnScript(script: string, args: string[], env: Record<string, string>): RunningScript {
  const child = spawn(...scriptCommand(script, args), { cwd: ROOT, env: environment(env) });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (status, signal) => {
      running.delete(child);
      resolve({ status, signal });
    }),
  );
  const until = (seen: () => boolean, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const look = () => {
        if (!seen()) return;
        stop();
        resolve();
      };
      const poll = setInterval(look, 20);
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`not seen within ${timeoutMs} ms:\n${stderr}`));
      }, timeoutMs);
      const stop = () => {
        clearInterval(poll);
        clearTimeout(timer);
        child.stderr.off('data', look);
        child.stdout.off('data', look);
      };
      // After the listeners above: the chunk is in stdout or stderr by then.
      child.stderr.on('data', look);
      child.stdout.on('data', look);
      void ended.then(({ status, signal }) => {
        stop();
        reject(new Error(`ended (${status ?? signal}) before it was seen:\n${stderr}`));
      });
      look();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, ended, until };
}

/** `npm start` (or `command`) as a child process, not waited for: its output so far, and its exit code once it ends. */
export function spawnServer(env: Record<string, string>, command = START): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(command[0], command[1], { cwd: ROOT, env: environment({ LOG_LEVEL: 'info', ...env }) });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited };
}

/**
 * `npm start` as docker-compose runs it (`node --import tsx scripts/start.ts`), or with `command` (say
 * `npmStartCommand()`), once it logs that it has started.
 */
export function startServer(env: Record<string, string>, command = START): Promise<RunningServer> {
  const { child, output, exited } = spawnServer(env, command);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output()}`)), 30_000);
    // After spawnServer's own listener: the chunk is in output() by then.
    const started = () => {
      const line = /工作流服务已启动：(\S+?)"/.exec(output());
      if (!line) return;
      child.stdout.off('data', started);
      clearTimeout(timer);
      resolve({
        child,
        url: line[1]!,
        output,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', started);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output()}`));
    });
  });
}

/** An answer of a server run by these tests, or the error that dropped its connection instead. */
export interface Answer {
  status: number;
  body: { id?: string; code?: string; reason?: string };
  /** Set when the connection was dropped instead of answered. */
  dropped?: string;
}

/** One request to a server run by these tests, with a bearer token and a JSON body, on `agent`'s connections. */
export function send(agent: Agent, url: string, method: string, token: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve) => {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent, headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Answer['body']) : {} }));
      res.on('error', (err) => resolve({ status: 0, body: {}, dropped: String(err) }));
    });
    req.on('error', (err) => resolve({ status: 0, body: {}, dropped: String(err) }));
    req.end(json);
  });
}
