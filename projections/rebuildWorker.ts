/**
 * A worker thread of a parallel rebuild (runner.ts `ParallelRebuild`): folds its share of the cases
 * into the read models named in its job, then exits. `openReadModels` points the runner here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ALL_PROJECTIONS } from './index.js';
import { runRebuildWorker, type RebuildJob } from './runner.js';

runRebuildWorker(workerData as RebuildJob, ALL_PROJECTIONS, (folded) => parentPort?.postMessage({ folded }));
