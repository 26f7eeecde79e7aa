import { describe, expect, it } from 'vitest';
import { extended } from '../../machines/extended.js';

describe('extended(base, extra)', () => {
  it('given an object and extra keys, then it makes what { ...base, ...extra } makes: base\'s keys in order, then the new ones, extra winning, base untouched', () => {
    const base = { period: { from: '2026-12-01', to: '2026-12-31' }, summary: '按月使用', at: 'old' };
    const made = extended(base, { at: '2026-12-05T01:00:00.000Z', by: '370100-gaj' });
    expect(made).toEqual({ ...base, ...{ at: '2026-12-05T01:00:00.000Z', by: '370100-gaj' } });
    expect(JSON.stringify(made)).toBe(JSON.stringify({ ...base, at: '2026-12-05T01:00:00.000Z', by: '370100-gaj' }));
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(base.at).toBe('old');
    expect(made.period).toBe(base.period);
  });

  it('given an own __proto__ key (as JSON.parse makes one), then it is copied as data, as a spread copies it, and no prototype is set', () => {
    const parsed = JSON.parse('{"__proto__": {"admin": true}, "summary": "x"}') as Record<string, unknown>;
    const made = extended(parsed, { at: 'now' }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(made.admin).toBeUndefined();
    expect(Object.hasOwn(made, '__proto__')).toBe(true);
    expect(JSON.stringify(made)).toBe(JSON.stringify({ ...parsed, at: 'now' }));
    const fromExtra = extended({ summary: 'x' }, JSON.parse('{"__proto__": {"admin": true}}') as object) as Record<string, unknown>;
    expect(fromExtra.admin).toBeUndefined();
    expect(Object.hasOwn(fromExtra, '__proto__')).toBe(true);
  });
});
