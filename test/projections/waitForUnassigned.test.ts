/**
 * A read's `minPosition` on the embedded store (README "minPosition"): the read models are never behind
 * a position a command was answered with, so one the log never gave is answered at once, behind — not
 * after the whole bound. Security QA: `?minPosition=99999999` held every read endpoint 2 s, a cheap way
 * to hold connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { world, type World } from './harness.js';

let w: World;
beforeAll(async () => {
  w = await world();
  await w.engine.start({ process: 'objection', input: startInputs.objection, actor: { sub: 'u-1', role: 'applicant', org: 'person-u-1' } });
});
afterAll(() => w.close());

describe('waiting for a position, inline', () => {
  it('given a position past every one the log gave, when a read waits for it (bound: 10 minutes), then it is told at once that the read models are not there', async () => {
    const head = await w.store.headPosition();
    expect(await w.models.waitFor(head + 1_000_000, 600_000)).toBe(false);
  }, 10_000);

  it('given the head, then at once that they are there', async () => {
    expect(await w.models.waitFor(await w.store.headPosition(), 600_000)).toBe(true);
  });
});
