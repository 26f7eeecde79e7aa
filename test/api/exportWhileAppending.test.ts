/**
 * An audit export taken while commands keep being appended (API.md `GET /v1/audit/export`): the
 * period's events are read up to the last position the trail held when the export began, so the file
 * is every event of the period (the caller may see) up to one point of the log, in log order, each
 * once — never one appended mid-stream after a gap, never a line twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSee, type Viewer } from '../../directory/index.js';
import { registry } from '../../machines/registry.js';
import { actors, startInputs, type ProcessName } from '../machines/examples.js';
import { actorOf, PROVIDERS, prng, startInput } from '../projections/harness.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
const random = prng(5);
const pick = <X>(xs: readonly X[]): X => xs[Math.floor(random() * xs.length)]!;

async function startSome(): Promise<void> {
  const process = pick(Object.keys(startInputs) as ProcessName[]);
  const provider = pick(PROVIDERS);
  const applicant = pick([actors.company, actors.person]);
  const starter = registry.latest(process)!.start.actors[0]!.role === 'provider' ? actorOf(provider, 'provider') : applicant;
  await api.app.engine.start({ process, input: startInput(process, provider, applicant), actor: starter });
  api.clock.advance(1000);
}

beforeAll(async () => {
  api = await startTestApi();
  // More than the 200 events an export reads between the turns it gives other requests.
  for (let i = 0; i < 700; i++) await startSome();
});
afterAll(() => api.close());

describe('an audit export while cases keep starting', () => {
  it.each([
    ['an admin', { role: 'admin', org: '370000-dsj' }],
    ['an auditor of Jinan', { role: 'auditor', org: '370100-dsj' }],
  ] as const)('given 700 events, when %s exports the year while starts are appended, then the file is the period’s events it may see up to one position, in order, each once', async (_who, viewer: Viewer) => {
    const token = await api.token(viewer.role as 'admin', viewer.org);
    const asked = api.app.readModels.position;
    let done = false;
    let appendedDuring = 0;
    const exporting = api.call('GET', '/v1/audit/export?from=2026-01-01T00:00:00.000Z&to=2027-01-01T00:00:00.000Z', { as: token }).finally(() => (done = true));
    while (!done) {
      await startSome();
      appendedDuring++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const res = await exporting;
    expect(res.status).toBe(200);
    const positions = res.text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { position: number }).position);
    const last = positions[positions.length - 1]!;
    // Every event of the log the caller may see, in order.
    const visible: number[] = [];
    for await (const e of api.app.store.readAll()) {
      const caseId = (e.metadata as { caseId?: string }).caseId;
      if (!caseId) continue;
      if (viewer.role === 'admin' || canSee(api.app.directory, viewer, api.app.readModels.case(caseId)!.parties)) visible.push(e.position);
    }
    // The file reaches at least the log as it was when asked: its last line is the last event the caller
    // may see up to then, or later (not `asked` itself: the events just before it may be others' cases).
    expect(last).toBeGreaterThanOrEqual(visible.filter((p) => p <= asked).at(-1)!);
    expect(positions).toEqual(visible.filter((p) => p <= last));
    expect(appendedDuring).toBeGreaterThan(0);
    expect(api.app.readModels.position).toBeGreaterThan(last);
  });
});
