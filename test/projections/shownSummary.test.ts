/**
 * A stored summary as an inbox or case-list row shows it (projections/metadata.ts `shownSummary`):
 * names cut at 200 characters and a nameless person's ID number masked, as today's build writes them
 * (events of older builds keep what they wrote) — and a summary whose names are not text, which no
 * build writes but a hand-written or foreign event can carry, shown as stored: one odd row must not
 * fail a whole page with a 500.
 */
import { describe, expect, it } from 'vitest';
import { shownSummary } from '../../projections/metadata.js';

describe('shownSummary', () => {
  it('given names of 250 characters and a nameless person’s ID number, then the names are cut at 200 and the number masked', () => {
    const long = '济'.repeat(250);
    expect(shownSummary(JSON.stringify({ title: long, applicant: '370102198803151231', provider: '济南市公安局' }))).toEqual({
      title: `${'济'.repeat(200)}…`,
      applicant: '个人（身份证号 370*************31）',
      provider: '济南市公安局',
    });
    expect(shownSummary(JSON.stringify({ title: '短标题', applicant: long })).applicant).toBe(`${'济'.repeat(200)}…`);
  });

  it('given a summary whose title and applicant are not text, then it is shown as stored, not thrown on', () => {
    expect(shownSummary('{"title":null,"applicant":null}')).toEqual({ title: null, applicant: null });
    expect(shownSummary('{"title":7,"applicant":{"name":"x"}}')).toEqual({ title: 7, applicant: { name: 'x' } });
  });
});
