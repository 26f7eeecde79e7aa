/**
 * The lists a case's context only appends to (machines/appendOnlyList.ts): values, whose appends
 * leave the list they started from as it was, shown in JSON as arrays, oldest first.
 */
import { describe, expect, it } from 'vitest';
import { AppendOnlyList } from '../../machines/appendOnlyList.js';
import { conditionalApplication, type ConditionalApplicationContext } from '../../machines/conditionalApplication.js';
import { send, start } from './harness.js';

describe('AppendOnlyList', () => {
  it('given the empty list, then it has no item, is one list for all, and is [] in JSON', () => {
    const empty = AppendOnlyList.empty<string>();
    expect(empty.length).toBe(0);
    expect(empty.toArray()).toEqual([]);
    expect([...empty]).toEqual([]);
    expect(JSON.stringify({ reports: empty })).toBe('{"reports":[]}');
    expect(AppendOnlyList.empty<number>()).toBe(empty);
  });

  it('given items appended one by one, then the list holds them oldest first, in an array, in iteration and in JSON', () => {
    const list = AppendOnlyList.empty<string>().append('一').append('二').append('三');
    expect(list.length).toBe(3);
    expect(list.toArray()).toEqual(['一', '二', '三']);
    expect([...list]).toEqual(['一', '二', '三']);
    expect(JSON.stringify(list)).toBe('["一","二","三"]');
  });

  it('given a list, when two items are appended to it apart, then it and both results each keep their own items', () => {
    const base = AppendOnlyList.empty<number>().append(1);
    const a = base.append(2);
    const b = base.append(3);
    expect(base.toArray()).toEqual([1]);
    expect(a.toArray()).toEqual([1, 2]);
    expect(b.toArray()).toEqual([1, 3]);
    // The array given out is the caller's: changing it changes no list.
    a.toArray().push(99);
    expect(a.toArray()).toEqual([1, 2]);
  });

  it('given two lists of the same items, then they compare equal; of other items, not (as arrays did in tests)', () => {
    const a = AppendOnlyList.empty<string>().append('x').append('y');
    expect(AppendOnlyList.empty<string>().append('x').append('y')).toEqual(a);
    expect(AppendOnlyList.empty<string>().append('x').append('z')).not.toEqual(a);
    expect(AppendOnlyList.empty<string>().append('x')).not.toEqual(a);
  });
});

describe('conditionalApplication: the reports in its context (附录5 协议)', () => {
  const def = conditionalApplication;
  const context = (snapshot: { context: unknown }) => snapshot.context as ConditionalApplicationContext;

  it('given an application in use with one usage report, when a second comes, then the state before still has one, and the new state two, oldest first', () => {
    let snapshot = start(def);
    for (const type of ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS', 'REPORT_USAGE'] as const) snapshot = send(def, snapshot, type);
    const before = snapshot;
    const after = send(def, before, 'REPORT_USAGE', { at: '2025-04-01T02:00:00.000Z' });
    expect(context(before).usageReports.length).toBe(1);
    expect(context(after).usageReports.length).toBe(2);
    const [first, second] = context(after).usageReports.toArray();
    expect(first).toEqual(context(before).usageReports.toArray()[0]);
    expect(second).toMatchObject({ at: '2025-04-01T02:00:00.000Z' });
    expect(JSON.parse(JSON.stringify(context(after))).usageReports).toEqual([first, second]);
  });
});
