import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Child-process crash tests and 1 MB events need more than the 5 s default on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // By default vitest runs as many files at once as there are cores less one: on our 2-core machines
    // and CI, one at a time, though much of a file's time is spent waiting on a child process, a socket
    // or a flush. Two at a time there: the whole suite in 392 s against 546 s, every test passing, also
    // in a run beside three exploratory helpers loading the host (690 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
