import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb.js';
import { SqliteEventStore, type SqliteSynchronous } from './sqlite.js';
import type { EventStore } from './types.js';

export interface StoreSpec {
  /** `sqlite`, or an EventStoreDB connection string (`esdb://…`, `esdb+discover://…`). */
  store: string;
  /** The data folder: the SQLite store lives at `<dataDir>/events.db`. */
  dataDir: string;
  synchronous?: SqliteSynchronous;
  /** Stamps the SQLite store's `created` bookkeeping (EventStoreDB stamps its own): the caller's clock. */
  now: () => Date;
}

/** The configured store: `sqlite` (embedded, the default) or EventStoreDB. */
export function openStore(spec: StoreSpec): EventStore {
  if (spec.store === 'sqlite') {
    mkdirSync(spec.dataDir, { recursive: true });
    return new SqliteEventStore({
      path: join(spec.dataDir, 'events.db'),
      ...(spec.synchronous ? { synchronous: spec.synchronous } : {}),
      now: spec.now,
    });
  }
  if (spec.store.startsWith('esdb')) return new EsdbEventStore({ connectionString: spec.store });
  throw new RangeError(`unknown event store "${spec.store}": use "sqlite" or an esdb:// connection string`);
}
