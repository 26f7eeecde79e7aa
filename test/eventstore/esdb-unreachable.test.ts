/**
 * The EventStoreDB adapter when no server answers: the real client, pointed at a port nobody listens
 * on (it fails at once, ECONNREFUSED), so this runs on every machine. What the client throws then
 * differs by call (an append's plain gRPC error, a read's UnavailableError); the adapter answers
 * one error for all, `StoreUnreachableError`, which the API tells as 503 storeUnreachable.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { StoreUnreachableError } from '../../eventstore/types.js';

/** A loopback port that was just free: listened on, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let store: EsdbEventStore;
beforeAll(async () => {
  store = EsdbEventStore.open(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
});
afterAll(() => store.close());

/** The error a call rejects with. */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded with no server');
}

describe('given no EventStoreDB server at the address', () => {
  it.each([
    ['appendToStream', () => store.appendToStream(`case-${randomUUID()}`, [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }])],
    ['readStream', () => store.readStream(`case-${randomUUID()}`)],
    ['readAll', async () => {
      for await (const _ of store.readAll({ maxCount: 1 })) break;
    }],
    ['headPosition', () => store.headPosition()],
    ['countAfter', () => store.countAfter(0, 10)],
  ] as const)('when %s is called, then it rejects with StoreUnreachableError, the client error as its cause', async (_name, call) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect(((error as StoreUnreachableError).cause as { code?: unknown }).code).toBe(14);
    expect((error as Error).message).toMatch(/cannot be reached .*UNAVAILABLE/);
  });

  it('when a subscription to $all is read, then it ends with StoreUnreachableError', async () => {
    const subscription = store.subscribeToAll();
    const error = await failureOf(async () => {
      for await (const _ of subscription) break;
    });
    expect(error).toBeInstanceOf(StoreUnreachableError);
  });
});

describe('given a cluster connection string (gossip discovery) and no node answering', () => {
  let cluster: EsdbEventStore;
  beforeAll(async () => {
    cluster = EsdbEventStore.open(`esdb://127.0.0.1:${await closedPort()},127.0.0.1:${await closedPort()}?tls=false&maxDiscoverAttempts=2&discoveryInterval=10&gossipTimeout=1`);
  });
  afterAll(() => cluster.close());

  it.each([
    ['appendToStream', () => cluster.appendToStream(`case-${randomUUID()}`, [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }])],
    ['readStream', () => cluster.readStream(`case-${randomUUID()}`)],
    ['headPosition', () => cluster.headPosition()],
  ] as const)('when %s is called, then it rejects with StoreUnreachableError (503), not the client’s plain “Failed to discover” Error (500)', async (_name, call) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toMatch(/cannot be reached \(Failed to discover after 2 attempts/);
  });
});

describe('given an address that takes the connection and never answers (another service’s port, a proxy holding it)', () => {
  let silent: ReturnType<typeof createServer>;
  let quiet: EsdbEventStore;
  beforeAll(async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    quiet = new EsdbEventStore({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, firstAnswerMs: 300 });
  });
  afterAll(async () => {
    await quiet.close();
    silent.close();
  });

  // The client gives reads no deadline, nor its first look at what the server supports (which an
  // append awaits): without the adapter's own wait for a first answer each of these waited for good.
  it.each([
    ['appendToStream', () => quiet.appendToStream(`case-${randomUUID()}`, [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }])],
    ['readStream', () => quiet.readStream(`case-${randomUUID()}`)],
    ['readAll', async () => {
      for await (const _ of quiet.readAll({ maxCount: 1 })) break;
    }],
    ['headPosition', () => quiet.headPosition()],
  ] as const)('when %s is called, then it rejects with StoreUnreachableError saying no answer came', async (_name, call) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toMatch(/no answer within 300 ms/);
  });
});

describe('given an address that speaks HTTP/2 but is no EventStoreDB (a web server answering 404)', () => {
  let web: Http2Server;
  let other: EsdbEventStore;
  beforeAll(async () => {
    web = createHttp2Server((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const { port } = web.address() as { port: number };
    other = EsdbEventStore.open(`esdb://127.0.0.1:${port}?tls=false`);
  });
  afterAll(async () => {
    await other.close();
    web.close();
  });

  it.each([
    ['readStream', () => other.readStream(`case-${randomUUID()}`)],
    ['headPosition', () => other.headPosition()],
  ] as const)('when %s is called, then StoreUnreachableError (not the client’s English “12 UNIMPLEMENTED” unwrapped)', async (_name, call) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toMatch(/UNIMPLEMENTED/);
  });
});
