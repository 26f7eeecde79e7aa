/**
 * The canonical JSON every event's hash is made over. Hashes stored years ago must verify for ever,
 * so the text must stay exactly what it always was: `JSON.stringify` of a copy with every object's
 * keys sorted and `undefined` members left out (the reference below, as engine/hashChain.ts first
 * wrote it). A faster way to write it must pass these; one that wrote keys in sorted order alone
 * did not (`JSON.stringify` lists array-index keys first).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, eventHash } from '../../engine/hashChain.js';

function referenceSortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(referenceSortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = referenceSortKeys(v);
    }
    return out;
  }
  return value;
}
const reference = (value: unknown) => JSON.stringify(referenceSortKeys(value));

/** JSON values as events hold them, with members left undefined, odd keys, and text of every plane. */
const member = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'toJSON', '10', '2', '0', '01', '-1', '4294967294', '4294967295', '1e3', 'a', 'B', '身份证号', '')), tie('value'), { maxKeys: 6 }),
  ),
})).value;

describe('canonicalJson', () => {
  it('is the sorted copy stringified, for any value an event can hold', () => {
    fc.assert(
      fc.property(member, (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a stored member named __proto__ or toJSON as a key, as parsed JSON holds it', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":{"x":[1,{"toJSON":"t","a":null}]},"a":"甲"}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":[1,{"a":null,"toJSON":"t"}]},"a":"甲","b":1}');
    expect(canonicalJson(parsed)).toBe(reference(parsed));
  });

  it('lists array-index keys first, in numeric order, as the sorted copy listed them', () => {
    const value = { b: 1, 10: 'x', a: { 2: true, 1: false, '01': 0 }, 2: null, '-1': 3 };
    expect(canonicalJson(value)).toBe('{"2":null,"10":"x","-1":3,"a":{"1":false,"2":true,"01":0},"b":1}');
    expect(canonicalJson(value)).toBe(reference(value));
  });

  it('gives what it always gave for values no event holds (dates, non-finite numbers, holes, functions)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const odd: unknown[] = [new Date(0), Number.NaN, -Infinity, -0, [1, , 3], [undefined], { f: () => 1, s: Symbol('s'), u: undefined }, { toJSON: () => 'own' }, Object.assign(Object.create(null), { z: 1, a: 2 })];
    for (const value of odd) expect(canonicalJson(value)).toBe(reference(value));
    expect(canonicalJson({ nested: odd })).toBe(reference({ nested: odd }));
  });

  it('hashes an event as it always did', () => {
    // Made with the implementation before this one: stored hashes must keep verifying.
    const content = {
      streamId: 'objection-0b7c5bb4-6a39-4d33-9a63-1c1f2f1d8e21',
      revision: 0,
      id: '5f0d6b0e-8a52-5f3c-9b1e-2d6f4c3a1b00',
      type: 'ObjectionFiled',
      data: { dataset: '370100-gaj-ds-1', content: '数据中含有个人住址', contact: { name: '张三', phone: '13800000000' } },
      metadata: { prevHash: '0'.repeat(64), at: '2026-03-02T01:00:00.000Z', tasksOpened: [{ stage: 'handling', dueAt: undefined }], hash: 'ignored' },
    };
    expect(eventHash(content)).toBe(EXPECTED_HASH);
  });
});

const EXPECTED_HASH = '6386e995a5e20e7b699e021cec4af5b289485fa8c3a63946c94cb2faebee96f5';
