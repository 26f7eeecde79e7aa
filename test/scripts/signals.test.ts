/**
 * scripts/signals.ts: a signal received while the thread is busy, before it reaches a listener, is
 * handled by the listener that takes over (npm start's stop while starting → the server's stop).
 * In a child process: the signal is sent to it, by itself, while it is busy.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnText } from '../spawnText.js';
import { ROOT, TSX_LOADER } from './spawnScript.js';

const CHILD = `
import { handOverSignals } from ${JSON.stringify(pathToFileURL(join(ROOT, 'scripts/signals.ts')).href)};
const starting = (signal) => console.log('starting took', signal);
process.once('SIGTERM', starting);
process.kill(process.pid, 'SIGTERM');
// Busy (the start-up's synchronous work): the signal waits for the event loop.
const until = Date.now() + 100;
while (Date.now() < until);
handOverSignals(['SIGTERM'], starting, (signal) => {
  console.log('server took', signal);
  process.exit(0);
});
setTimeout(() => {
  console.log('no listener took it');
  process.exit(3);
}, 1000);
`;

describe('handOverSignals', () => {
  it('given a SIGTERM received while the thread is busy, when its handling is handed over before the thread lets it through, then the new listener takes it (it was lost: the process ran on)', async () => {
    const ran = await spawnText(process.execPath, ['--import', TSX_LOADER, '--input-type=module', '-e', CHILD], { cwd: ROOT, timeout: 30_000 });

    expect(ran.stdout.trim()).toBe('server took SIGTERM');
    expect(ran.status).toBe(0);
  });
});
