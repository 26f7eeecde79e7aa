import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that need the modules as first loaded, each in a fresh module graph:
 * - those that replace a module for themselves (`vi.mock`): a file that mocks `node:fs` after another
 *   file in the same process loaded the store gets the store already bound to the real one
 *   (sqlite-flush.test.ts: its 17 tests failed so);
 * - those that need what a module keeps for its life still empty: diagramTurns.test.ts needs BPMN
 *   diagrams no GET has laid out yet (machines/describe.ts keeps them), and failed 3 tests in a run
 *   where another file had asked for them first.
 */
export const OWN_MODULES = ['test/eventstore/sqlite-flush.test.ts', 'test/api/diagramTurns.test.ts'];

export default defineConfig({
  test: {
    // Child-process crash tests and 1 MB events need more than the 5 s default on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // By default vitest runs as many files at once as there are cores less one: on our 2-core machines
    // and CI, one at a time, though much of a file's time is spent waiting on a child process, a socket
    // or a flush. Two at a time there: the whole suite in 392 s against 546 s, every test passing, also
    // in a run beside three exploratory helpers loading the host (690 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Files run one after another in a process keep the modules it loaded (fastify, zod, xstate, the
    // machines): each file loading them afresh cost 166 s of the suite's 497 in CI. Every file makes
    // its own stores, apps and clocks; none relies on a module's first load. (vitest 3 makes its pool
    // of processes once, from this root setting; a project's own `isolate` does not change it.)
    isolate: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...OWN_MODULES],
        },
      },
      // In processes of their own: vitest starts its processes afresh between one project's files and another's.
      { extends: true, test: { name: 'own-modules', include: OWN_MODULES, isolate: true } },
    ],
  },
});
