/**
 * The conformance suite on EventStoreDB: against `WORKFLOW_TEST_ESDB` (a connection string) when
 * set, else against a throw-away `eventstore/eventstore:24.10` container when a container runtime
 * answers; otherwise the suite is reported as skipped, with the reason in its name.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { StartedTestContainer } from 'testcontainers';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { describeEventStoreConformance } from './conformance.js';

const IMAGE = 'eventstore/eventstore:24.10';
const RUNTIME_PROBE_MS = 5_000;

type Target = { kind: 'env'; connection: string } | { kind: 'container' } | { kind: 'skip'; reason: string };

async function probeContainerRuntime(): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${RUNTIME_PROBE_MS} ms`)), RUNTIME_PROBE_MS);
      timer.unref();
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  } finally {
    clearTimeout(timer);
  }
}

async function decide(): Promise<Target> {
  const connection = process.env.WORKFLOW_TEST_ESDB;
  if (connection) return { kind: 'env', connection };
  const failure = await probeContainerRuntime();
  if (failure === undefined) return { kind: 'container' };
  return { kind: 'skip', reason: `no container runtime answered (${failure}) and WORKFLOW_TEST_ESDB is unset` };
}

const target = await decide();

const factory = (connection: () => string) => async () => {
  const store = new EsdbEventStore({ connectionString: connection() });
  return { store, cleanup: () => store.close() };
};

if (target.kind === 'skip') {
  // The default reporter names no test of a wholly skipped file: say why where CI logs show it.
  console.warn(`EventStoreDB conformance suite SKIPPED: ${target.reason}`);
  describe.skip(`EventStoreDB conformance — skipped: ${target.reason}`, () => {
    describeEventStoreConformance('EsdbEventStore conformance', factory(() => ''));
  });
} else if (target.kind === 'env') {
  describe(`EventStoreDB conformance (WORKFLOW_TEST_ESDB)`, () => {
    describeEventStoreConformance('EsdbEventStore conformance', factory(() => target.connection));
  });
} else {
  describe(`EventStoreDB conformance (container ${IMAGE})`, () => {
    let container: StartedTestContainer | undefined;
    let connection = '';

    beforeAll(async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      container = await new GenericContainer(IMAGE)
        .withEnvironment({
          EVENTSTORE_INSECURE: 'true',
          // As in production (ARCHITECTURE.md: `$ce-<process>` category streams): the system projections
          // write `$>` links into $all between our events, which reads and subscriptions must skip.
          EVENTSTORE_RUN_PROJECTIONS: 'System',
          EVENTSTORE_START_STANDARD_PROJECTIONS: 'true',
          EVENTSTORE_CLUSTER_SIZE: '1',
          EVENTSTORE_MEM_DB: 'true',
        })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
        .withStartupTimeout(90_000)
        .start();
      connection = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    });

    afterAll(async () => {
      await container?.stop();
    });

    describeEventStoreConformance('EsdbEventStore conformance', factory(() => connection));
  });
}
