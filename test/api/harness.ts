/** A running API on a temporary data folder and a test clock, driven with fastify's inject (no sockets). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { createApp, type App, type AppOverrides } from '../../api/app.js';
import { buildServer } from '../../api/server.js';
import { mintToken } from '../../api/auth.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import type { EventStore, SubscribeToAllOptions, Subscription } from '../../eventstore/types.js';
import { actors, commandData, startInputs } from '../machines/examples.js';

export const SECRET = 'test-secret-不要在生产中使用';

/**
 * The store behind a proxy: every call reaches it, but it is no `SqliteEventStore` to the read
 * models, which then follow it; each event its subscriptions deliver comes `lagMs` late (a network).
 */
function followedStore(store: SqliteEventStore, lagMs: number): EventStore {
  const lagging = (subscription: Subscription): Subscription => ({
    close: () => subscription.close(),
    async *[Symbol.asyncIterator]() {
      for await (const event of subscription) {
        await new Promise((resolve) => setTimeout(resolve, lagMs));
        yield event;
      }
    },
  });
  return new Proxy({} as EventStore, {
    get(_target, key) {
      if (key === 'subscribeToAll') return (options?: SubscribeToAllOptions) => lagging(store.subscribeToAll(options));
      const value = (store as unknown as Record<PropertyKey, unknown>)[key];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(store) : value;
    },
  });
}

export type Role = 'applicant' | 'provider' | 'authority' | 'supervisor' | 'auditor' | 'admin';

export interface TestApi {
  app: App;
  server: Awaited<ReturnType<typeof buildServer>>;
  clock: ManualClock;
  dataDir: string;
  token(role: Role, org: string, sub?: string): Promise<string>;
  /** Sends a request as a caller; `as` is a token or undefined. */
  call(method: string, url: string, options?: { as?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  now?: string;
  /**
   * The read models follow the store behind a subscription, as they follow EventStoreDB: the
   * embedded store, handed over as a store the read models do not know (a proxy), so they keep
   * their own database and catch up `lagMs` after each append (default 0).
   */
  follow?: { lagMs?: number };
  /** How reports made in turns give the event loop one, and how often (AppOverrides `reportTurns`). */
  reportTurns?: AppOverrides['reportTurns'];
  /** How a diagram laid out in turns gives the event loop one (AppOverrides `diagramTurn`). */
  diagramTurn?: AppOverrides['diagramTurn'];
  /** The processes this server knows (AppOverrides `registry`): an older build lacks the newest versions. */
  registry?: AppOverrides['registry'];
  /** The read models this server keeps (AppOverrides `projections`): an older build's are at lower versions. */
  projections?: AppOverrides['projections'];
  /** The organisation directory file (WORKFLOW_ORGS; default the shipped one): a restart with another is a 机构改革. */
  orgs?: string;
  /** More environment for loadConfig (WORKFLOW_CORS_ORIGINS, say). */
  env?: Record<string, string>;
  /** Where the server logs (default: nowhere): tests read its lines. */
  logger?: AppOverrides['logger'];
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wf-api-'));
  const api = await openTestApi(dataDir, options);
  return {
    ...api,
    async close() {
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A server on a data folder the caller owns (kept when it closes): a second one on the same folder is another node, or a restart. */
export async function openTestApi(dataDir: string, options: TestApiOptions = {}): Promise<TestApi> {
  const clock = new ManualClock(options.now ?? '2026-03-02T01:00:00.000Z');
  const config = loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_TEST_CLOCK: '1', WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF', ...(options.orgs ? { WORKFLOW_ORGS: options.orgs } : {}), ...options.env });
  const store = options.follow
    ? followedStore(new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: () => clock.now() }), options.follow.lagMs ?? 0)
    : undefined;
  const app = await createApp(config, { clock, logger: options.logger ?? createLogger({ level: 'silent' }), ...(store ? { store } : {}), ...(options.reportTurns ? { reportTurns: options.reportTurns } : {}), ...(options.diagramTurn ? { diagramTurn: options.diagramTurn } : {}), ...(options.registry ? { registry: options.registry } : {}), ...(options.projections ? { projections: options.projections } : {}) });
  const server = await buildServer(app);
  await server.ready();
  return {
    app,
    server,
    clock,
    dataDir,
    token: (role, org, sub) => mintToken(SECRET, { sub: sub ?? `${role}@${org}`, role, org }),
    async call(method, url, { as, body, headers = {} } = {}) {
      const res = await server.inject({
        method: method as 'GET',
        url,
        headers: { ...(as ? { authorization: `Bearer ${as}` } : {}), ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
        // A string or bytes as they are (a body in another encoding); anything else as JSON.
        ...(body !== undefined ? { payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, text: res.body, headers: res.headers };
    },
    async close() {
      await server.close();
      await app.close();
    },
  };
}

/**
 * A conditional-data application driven over HTTP to `active` (the examples' agreement: use from
 * 2025-03-01 to 2025-12-31), each party with its own token; answers its id and the applicant's token.
 */
export async function agreementInUse(api: TestApi): Promise<{ id: string; applicant: string }> {
  const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
  if (started.status !== 201) throw new Error(`start: ${started.status} ${started.text}`);
  const id: string = started.body.id;
  await grantAccess(api, id);
  return { id, applicant };
}

/** Takes a conditional application just started (the examples' input) to access granted, over HTTP, as the examples' authority and provider. */
export async function grantAccess(api: TestApi, id: string): Promise<void> {
  const authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
  const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  for (const [as, type] of [
    [authority, 'PASS_NORMATIVE_REVIEW'],
    [provider, 'APPROVE'],
    [provider, 'SIGN_AGREEMENT'],
    [provider, 'GRANT_ACCESS'],
  ] as const) {
    const data = (commandData.conditionalApplication as Record<string, unknown>)[type] ?? {};
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
    if (res.status !== 200) throw new Error(`${type}: ${res.status} ${res.text}`);
  }
}

/** A CSV answer's rows as cells by header (for reports whose cells hold no comma or quote). */
export function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i]!, cell])));
}
