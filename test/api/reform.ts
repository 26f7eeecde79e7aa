/**
 * 机构改革 in tests: cases stored under one organisation directory (the shipped one plus `before`),
 * then the server opened again on the same data folder under the reformed one (the shipped one plus
 * `after`, where abolished entries name their `successor`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTestApi, type TestApi } from './harness.js';

export type Org = { code: string; name: string; kind: string; level: string; region: string; successor?: string };

const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8')) as Org[];

/**
 * Runs `store` on a server under the directory with `before`, then answers a server on the same folder
 * under the one with `after` — or, given a function, the directory it makes of the shipped one (an
 * entry of it given a `successor`) — (`close` removes the folder).
 */
export async function acrossReform(
  before: Org[],
  after: Org[] | ((shipped: readonly Org[]) => Org[]),
  store: (api: TestApi) => Promise<void>,
): Promise<{ api: TestApi; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wf-reform-'));
  const file = (name: string, orgs: Org[] | ((shipped: readonly Org[]) => Org[])) => {
    const path = join(dataDir, name);
    writeFileSync(path, JSON.stringify(typeof orgs === 'function' ? orgs(shipped) : [...shipped, ...orgs]));
    return path;
  };
  const old = await openTestApi(dataDir, { orgs: file('before.json', before), now: '2026-03-02T02:00:00Z' });
  try {
    await store(old);
  } finally {
    await old.close();
  }
  const api = await openTestApi(dataDir, { orgs: file('after.json', after), now: '2026-03-03T02:00:00Z' });
  return {
    api,
    async close() {
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
