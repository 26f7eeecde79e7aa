/**
 * The first GET of a version's BPMN diagram lays it out in turns of the event loop: a
 * conditionalApplication version, laid out in one go, held every other request of the server
 * 0.3–0.6 s. Proven by its turns, not by time: a request sent at the diagram's first turn is
 * answered before the diagram; the diagram is the one made in one go, to the byte; two first GETs
 * of one diagram at once lay it out once; a layout that fails is answered as today and not kept.
 * (A file of its own: the diagrams a process makes are kept for the module's life, and each test
 * here needs a version no GET has laid out yet.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_RULES } from '../../calendars/index.js';
import { toBpmn } from '../../machines/describe.js';
import { registry } from '../../machines/registry.js';
import { startTestApi, type TestApi } from './harness.js';

describe('the first GET of a BPMN diagram, laid out in turns', () => {
  let api: TestApi;
  let token: string;
  let turns = 0;
  /** Turns under way at once, and the most there were. */
  let pending = 0;
  let mostPending = 0;
  /** Run at the next turn a diagram gives, once. */
  let atNextTurn: (() => Promise<void>) | undefined;
  /** The next turn fails with this, once. */
  let failNextTurn: Error | undefined;

  beforeAll(async () => {
    api = await startTestApi({
      diagramTurn: async () => {
        turns++;
        pending++;
        mostPending = Math.max(mostPending, pending);
        try {
          const run = atNextTurn;
          atNextTurn = undefined;
          if (run) await run();
          const failure = failNextTurn;
          failNextTurn = undefined;
          if (failure) throw failure;
          await new Promise<void>((resolve) => setImmediate(resolve));
        } finally {
          pending--;
        }
      },
    });
    token = await api.token('applicant', 'person-1');
  });
  afterAll(() => api.close());

  const diagram = (version: number) => api.call('GET', `/v1/processes/conditionalApplication/diagram?format=bpmn&version=${version}`, { as: token });
  /** The diagram made in one go: rules of equal content under another identity are laid out afresh, not read from the cache. */
  const inOneGo = (version: number) => toBpmn(registry.get('conditionalApplication', version)!, { ...DEFAULT_DEADLINE_RULES });

  it('when GET /health is sent at the diagram’s first turn, then it is answered before the diagram, and the diagram is the one made in one go', async () => {
    const answered: string[] = [];
    atNextTurn = async () => {
      const health = await api.call('GET', '/health');
      answered.push(`health ${health.status}`);
    };
    const before = turns;
    const res = await diagram(6);
    answered.push(`diagram ${res.status}`);
    expect(answered).toEqual(['health 200', 'diagram 200']);
    expect(turns - before).toBeGreaterThanOrEqual(10);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(res.text).toBe(inOneGo(6));
    // Made once: the next GET gives no turn.
    const again = turns;
    expect((await diagram(6)).text).toBe(res.text);
    expect(turns).toBe(again);
  });

  it('when two first GETs of one diagram come at once, then it is laid out once: one turn under way at a time', async () => {
    mostPending = 0;
    const [a, b] = await Promise.all([diagram(5), diagram(5)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.text).toBe(b.text);
    expect(mostPending).toBe(1);
    expect(a.text).toBe(inOneGo(5));
  });

  it('when laying a diagram out fails, then it is answered as any internal failure (problem+json), and the next GET lays it out again', async () => {
    failNextTurn = new Error('a layout that fails');
    const failed = await diagram(4);
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(failed.body.code).toBe('INTERNAL');
    const before = turns;
    const res = await diagram(4);
    expect(res.status).toBe(200);
    expect(turns).toBeGreaterThan(before);
    expect(res.text).toBe(inOneGo(4));
  });
});
