/**
 * Summaries stored by an older build, read by this one (README "Two builds on one data folder"): a
 * case event carries the case's summary as it was written, and the inbox and case list show it. An
 * objection raised before d51d3e6 by a person whose token had no name claim named them by the full
 * ID number; after the upgrade the provider's inbox and case list must not go on showing it whole
 * (个人信息保护法 第六条: the masked number, as the current build writes it, is all triage needs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplication, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6 } from '../../machines/conditionalApplication.js';
import { datasetRelease, datasetReleaseV1 } from '../../machines/datasetRelease.js';
import { listAdjustment } from '../../machines/listAdjustment.js';
import { objection, type ObjectionContext } from '../../machines/objection.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { unopenedDataRequest } from '../../machines/unopenedDataRequest.js';
import { actors, personIdNumber, startInputs } from '../machines/examples.js';
import { openTestApi } from './harness.js';

/** The objection as yesterday's build (6f0b52e) summed it up: a nameless person by the ID number in full. */
const objectionOfOlderBuild = {
  ...objection,
  summary: (context: ObjectionContext) => ({ ...objection.summary(context), applicant: context.startedBy.name ?? context.startedBy.org }),
};
const olderRegistry = () =>
  new ProcessRegistry([datasetReleaseV1, datasetRelease, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, conditionalApplication, unopenedDataRequest, listAdjustment, objectionOfOlderBuild]);

const now = '2026-12-03T01:30:00.000Z';
let dir: string;
let caseId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'older-build-summary-'));
  const older = await openTestApi(dir, { now, registry: olderRegistry() });
  try {
    // The harness's tokens carry no name claim.
    const person = await older.token('applicant', personIdNumber);
    const started = await older.call('POST', '/v1/cases', { as: person, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
    caseId = started.body.id;
    // What the older build stored: the number whole, in the event every row is projected from.
    const [event] = await older.app.store.readStream(`objection-${caseId}`);
    expect((event?.metadata as { summary: { applicant: string } }).summary.applicant).toBe(personIdNumber);
  } finally {
    await older.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('given an objection a nameless person raised on an older build, its summary naming them by the full ID number', () => {
  it('then after the upgrade the provider\'s inbox and case list name them by the masked number, as a case started today is', async () => {
    const current = await openTestApi(dir, { now });
    try {
      const provider = await current.token('provider', actors.provider.org);
      const inbox = await current.call('GET', '/v1/inbox', { as: provider });
      const list = await current.call('GET', '/v1/cases', { as: provider });
      const row = await current.call('GET', `/v1/cases?process=objection`, { as: provider });
      for (const answer of [inbox, list, row]) expect(answer.status, answer.text).toBe(200);
      const inboxRow = inbox.body.items.find((i: { caseId: string }) => i.caseId === caseId);
      const listRow = list.body.items.find((i: { id: string }) => i.id === caseId);
      expect(inboxRow.summary.applicant).toBe('个人（身份证号 370*************31）');
      expect(listRow.summary.applicant).toBe('个人（身份证号 370*************31）');
      // The inbox names the case only by its summary; the case list's applicantOrg is the case's party (a filter key), not its summary.
      expect(inbox.text).not.toContain(personIdNumber);
      for (const answer of [list, row]) expect(JSON.stringify(answer.body.items.map((i: { summary: unknown }) => i.summary))).not.toContain(personIdNumber);
    } finally {
      await current.close();
    }
  });
});
