/**
 * The API benchmark's baseline: a bare fastify route that does one durable SQLite insert per
 * request (same pragmas as the event store), and nothing else. Started as a child process.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { applySqlitePragmas, SQLITE_SCHEMA } from '../../eventstore/sqlite.js';

const dir = process.argv[2]!;
const port = Number(process.argv[3]);
const db = new Database(join(dir, 'bare.db'));
applySqlitePragmas(db, 'FULL');
db.exec(SQLITE_SCHEMA);
const insert = db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
const revisions = new Map<string, number>();
let n = 0;

const server = Fastify();
server.post<{ Params: { id: string }; Body: unknown }>('/bare/:id', async (request) => {
  const stream = `bare-${request.params.id}`;
  const revision = (revisions.get(stream) ?? -1) + 1;
  revisions.set(stream, revision);
  db.transaction(() => insert.run(stream, revision, `id-${++n}`, 'UsageReported', JSON.stringify(request.body), '{}', new Date(0).toISOString())).immediate();
  return { revision };
});
await server.listen({ port, host: '127.0.0.1' });
