/**
 * Logs written by earlier releases, kept as fixtures: each line a stored event exactly as a past
 * commit's engine wrote it (stream, revision, id, type, data, metadata with its hash chain, time of
 * storing), copied from that release's events.db. Written back as rows of the SQLite store's table.
 */
import { readFileSync } from 'node:fs';
import type { SqliteEventStore } from '../../eventstore/sqlite.js';

export interface StoredRow {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  metadata: { caseId: string } & Record<string, unknown>;
  created: string;
}

/** The rows of an NDJSON fixture file. */
export function readStoredRows(file: URL): StoredRow[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as StoredRow);
}

/** Writes the rows into the store's events table as the old engine left them. */
export function insertStoredRows(store: SqliteEventStore, rows: readonly StoredRow[]): void {
  const insert = store.database.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of rows) insert.run(r.streamId, r.revision, r.id, r.type, JSON.stringify(r.data), JSON.stringify(r.metadata), r.created);
}
