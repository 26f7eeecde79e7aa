/**
 * The work index's idempotency keys after a restart (`WorkIndex.keysRead`): a keyed request waits
 * until the index holds every key the log stored before it. The keys are read from the log's end
 * backwards, as far as they can matter, then forwards from there; the start-up's catch-up of the
 * whole log remembers only the keys after those.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseEventMetadata } from '../../engine/events.js';
import { ServerStoppingError } from '../../engine/errors.js';
import { idempotencyScope } from '../../engine/fold.js';
import { streamOf } from '../../engine/ids.js';
import { WorkIndex } from '../../engine/workIndex.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { registry } from '../../machines/registry.js';
import { createWorld, given, when, type World } from './world.js';

const DAY = 24 * 3600_000;

describe('the idempotency keys of a restarted server', () => {
  let dir: string;
  let w: World;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'work-index-keys-'));
    w = await createWorld({ path: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The last event of an application's stream. */
  async function lastEventOf(caseId: string): Promise<RecordedEvent> {
    const events = await w.store.readStream(streamOf('conditionalApplication', caseId));
    return events[events.length - 1]!;
  }

  it('given a key used on a case three days ago and on another today, when the index reads the keys and then the catch-up passes the older use, then the key names today’s case', async () => {
    const [a, b] = [await given(w, 'conditionalApplication'), await given(w, 'conditionalApplication')];
    await when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'reused-after-days' });
    w.clock.advance(3 * DAY);
    await when(w, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'reused-after-days' });
    const older = await lastEventOf(a.caseId);
    const scope = idempotencyScope((older.metadata as unknown as CaseEventMetadata).actor, 'reused-after-days');

    const index = new WorkIndex(w.store, registry);
    await index.keysRead();
    expect(index.keyUse(scope, w.clock.now().getTime())?.caseId).toBe(b.caseId);
    // The start-up's catch-up reaching the older use, after the keys were read: it is not remembered over today's.
    index.apply(older);
    expect(index.keyUse(scope, w.clock.now().getTime())?.caseId).toBe(b.caseId);
  });

  it('given an event the way back cannot read, when the index reads the keys, then it reads the whole log instead, and the key is known', async () => {
    const [a, b] = [await given(w, 'conditionalApplication'), await given(w, 'conditionalApplication')];
    await when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'before-damage' });
    await when(w, b.caseId, 'PASS_NORMATIVE_REVIEW');
    const used = await lastEventOf(a.caseId);
    const damaged = await lastEventOf(b.caseId);
    // Test-only write: the newest event's metadata no longer parses.
    w.store.database.prepare('UPDATE events SET metadata = substr(metadata, 1, 5) WHERE position = ?').run(damaged.position);
    const scope = idempotencyScope((used.metadata as unknown as CaseEventMetadata).actor, 'before-damage');

    const index = new WorkIndex(w.store, registry, () => {});
    await index.keysRead();
    expect(index.loaded).toBe(true);
    expect(index.keyUse(scope, w.clock.now().getTime())?.caseId).toBe(a.caseId);
  });

  it('given the keys read, when a key is stored that the index was not told of (its catch-up not done), then the next request waits for it to be read', async () => {
    const [a, b] = [await given(w, 'conditionalApplication'), await given(w, 'conditionalApplication')];
    await when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'first-key' });
    const index = new WorkIndex(w.store, registry);
    await index.keysRead();
    expect(index.loaded).toBe(false);

    await when(w, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'second-key' });
    const used = await lastEventOf(b.caseId);
    const scope = idempotencyScope((used.metadata as unknown as CaseEventMetadata).actor, 'second-key');
    expect(index.keyUse(scope, w.clock.now().getTime())).toBeUndefined();
    await index.keysRead();
    expect(index.keyUse(scope, w.clock.now().getTime())?.caseId).toBe(b.caseId);
  });

  // The server stopping while a keyed request waits for the keys: the read ends where it is, and the
  // request is turned away (503 shuttingDown), not let through to be decided on keys half read.
  it('given a keyed request waiting for the keys, when the server begins to stop meanwhile, then it is refused with ServerStoppingError, as one that comes after is', async () => {
    const a = await given(w, 'conditionalApplication');
    await when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'before-the-stop' });
    const index = new WorkIndex(w.store, registry);
    const waiting = index.keysRead();
    index.stopKeyReads();
    await expect(waiting).rejects.toBeInstanceOf(ServerStoppingError);
    await expect(index.keysRead()).rejects.toBeInstanceOf(ServerStoppingError);
  });
});
