/** Concurrency helpers: a test API listening on a real port, requests sent over HTTP with fetch. */
import type { AddressInfo } from 'node:net';
import { startTestApi, type TestApi } from '../api/harness.js';
import { dumpReadModels } from '../projections/dump.js';
import { actors } from '../machines/examples.js';

export interface HttpApi extends TestApi {
  base: string;
  http(method: string, url: string, options?: { as?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
}

export async function startHttpApi(now?: string): Promise<HttpApi> {
  const api = await startTestApi(now ? { now } : {});
  await api.server.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}`;
  return {
    ...api,
    base,
    async http(method, url, { as, body, headers = {} } = {}) {
      const res = await fetch(base + url, {
        method,
        headers: { ...(as ? { authorization: `Bearer ${as}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text };
    },
  };
}

export const party = {
  provider: actors.provider,
  authority: actors.cityAuthority,
  applicant: actors.company,
};

/** Tokens of the examples' parties, two reviewers of the provider's authority, and an admin (who moves the test clock). */
export async function partyTokens(api: TestApi) {
  return {
    applicant: await api.token('applicant', party.applicant.org, party.applicant.sub),
    provider: await api.token('provider', party.provider.org, party.provider.sub),
    authority: await api.token('authority', party.authority.org, party.authority.sub),
    reviewer1: await api.token('authority', party.authority.org, 'reviewer-1'),
    reviewer2: await api.token('authority', party.authority.org, 'reviewer-2'),
    admin: await api.token('admin', '370000-dsj', 'admin'),
  };
}

/** The read models as stored, and as a rebuild from the log makes them. */
export async function rebuildEqualsIncremental(api: TestApi): Promise<{ incremental: Record<string, string[]>; rebuilt: Record<string, string[]> }> {
  const incremental = dumpReadModels(api.app.readModels.db as never);
  await api.app.readModels.rebuild();
  const rebuilt = dumpReadModels(api.app.readModels.db as never);
  return { incremental, rebuilt };
}
