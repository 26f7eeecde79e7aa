/**
 * An API over the embedded store whose appends answer as EventStoreDB would in a case the embedded
 * store never meets (a write past MaxAppendSize, a stream an operator deleted for good): `refusal`
 * names the adapter's error for an append, or undefined to store it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../api/app.js';
import { buildServer } from '../../api/server.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import type { EventData, EventStore } from '../../eventstore/types.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { SECRET } from './harness.js';

export interface RefusingApi {
  app: App;
  server: Awaited<ReturnType<typeof buildServer>>;
  /** The store underneath, as it stands (what was stored). */
  sqlite: SqliteEventStore;
  close(): Promise<void>;
}

export async function apiOverRefusingStore(refusal: (stream: string, events: EventData[]) => Error | undefined): Promise<RefusingApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'refusing-store-'));
  const clock = new ManualClock('2025-03-03T01:30:00.000Z');
  const sqlite = new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
  const store = new Proxy({} as EventStore, {
    get(_target, key) {
      if (key === 'appendToStream')
        return (stream: string, events: EventData[], options?: unknown) => {
          const error = refusal(stream, events);
          return error ? Promise.reject(error) : sqlite.appendToStream(stream, events, options as never);
        };
      const value = (sqlite as unknown as Record<PropertyKey, unknown>)[key];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(sqlite) : value;
    },
  });
  const config = loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_TEST_CLOCK: '1', WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' });
  const app = await createApp(config, { clock, logger: createLogger({ level: 'silent' }), store });
  const server = await buildServer(app);
  await server.ready();
  return {
    app,
    server,
    sqlite,
    async close() {
      await server.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
