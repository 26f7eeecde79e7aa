/**
 * A worker thread of a parallel rebuild (runner.ts `ParallelRebuild`): folds its share of the cases
 * into the read models named in its job, then exits. `openReadModels` points the runner here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { knownCaseKeys } from './caseKeys.js';
import { ALL_PROJECTIONS } from './index.js';
import { runRebuildWorker, type RebuildJob } from './runner.js';

// A case whose first event the worker does not see keeps the key the read models' file gave it.
runRebuildWorker(workerData as RebuildJob, ALL_PROJECTIONS, (folded) => parentPort?.postMessage({ folded }), undefined, knownCaseKeys);
