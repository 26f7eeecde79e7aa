/**
 * `npm run rebuild [-- inbox sla cases audit]`: drops read models (all by default) and rebuilds
 * them from the event log, with progress. Safe to run beside a live server on the embedded
 * store: each batch commits with its checkpoint, so a crash mid-way resumes from the last batch.
 */
import { configOrExit } from './config.js';
import { Directory } from '../directory/directory.js';
import { openStore } from '../eventstore/open.js';
import { ALL_PROJECTIONS, openReadModels } from '../projections/index.js';
import { createProgress } from './progress.js';
import { systemClock } from '../infra/clock.js';

const known = ALL_PROJECTIONS.map((p) => p.name);
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !known.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`未知的读模型：${unknown.join('、')}。可选：${known.join('、')}\n`);
  process.exit(2);
}

const config = configOrExit();
const store = openStore({ store: config.store, dataDir: config.dataDir, synchronous: config.sqliteSynchronous, now: systemClock.now });
try {
  const readModels = await openReadModels({ store, dataDir: config.dataDir, directory: Directory.load(config.orgsPath) });
  const which = names.length > 0 ? names : known;
  let bar: ReturnType<typeof createProgress> | undefined;
  const { threads } = await readModels.rebuild(which, (done, total) => {
    bar ??= createProgress(`正在重建读模型 ${which.join('、')}`, total);
    bar.update(done);
  });
  bar?.done();
  process.stdout.write(`已重建 ${which.join('、')}，位置 ${readModels.position}（${threads} 个线程）\n`);
  await readModels.close();
} finally {
  await store.close();
}
