import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore, type CommitDelay, type SqliteSynchronous } from './sqlite.js';
import type { EventStore } from './types.js';

export interface StoreSpec {
  /** `sqlite`, or an EventStoreDB connection string (`esdb://…`, `esdb+discover://…`). */
  store: string;
  /** The data folder: the SQLite store lives at `<dataDir>/events.db`. */
  dataDir: string;
  synchronous?: SqliteSynchronous;
  /** Stamps the SQLite store's `created` bookkeeping (EventStoreDB stamps its own): the caller's clock. */
  now: () => Date;
  /** The SQLite store's background checkpointer failed (`SqliteEventStoreOptions.onCheckpointerFailed`). */
  onCheckpointerFailed?: (error: unknown) => void;
  /** The SQLite store's group commit under a steady stream of appends (`SqliteEventStoreOptions.commitDelay`). */
  commitDelay?: CommitDelay;
  /** Reads only: the SQLite store's file must exist and is left as it was (`SqliteEventStoreOptions.readonly`); EventStoreDB is only ever read through it. */
  readonly?: boolean;
}

/**
 * The configured store: `sqlite` (embedded, the default) or EventStoreDB. The EventStoreDB client
 * (gRPC and its protocol buffers: 6.5 MB of heap, 0.2 s to load) is loaded only when it is configured.
 */
export async function openStore(spec: StoreSpec): Promise<EventStore> {
  if (spec.store === 'sqlite') {
    if (!spec.readonly) mkdirSync(spec.dataDir, { recursive: true });
    return new SqliteEventStore({
      path: join(spec.dataDir, 'events.db'),
      ...(spec.readonly ? { readonly: true } : {}),
      ...(spec.synchronous ? { synchronous: spec.synchronous } : {}),
      now: spec.now,
      ...(spec.onCheckpointerFailed ? { onCheckpointerFailed: spec.onCheckpointerFailed } : {}),
      ...(spec.commitDelay ? { commitDelay: spec.commitDelay } : {}),
    });
  }
  if (spec.store.startsWith('esdb')) {
    const { EsdbEventStore } = await import('./esdb.js');
    return new EsdbEventStore({ connectionString: spec.store });
  }
  throw new RangeError(`unknown event store "${spec.store}": use "sqlite" or an esdb:// connection string`);
}
