/**
 * `{ ...base, ...extra }`: the same object (own enumerable keys of `base`, then of `extra`, which win),
 * made so that V8 gives every such object one hidden class. On Node 20's V8 an object made by a spread
 * and then given a key `base` lacks (`{ ...event.data, at }`, `{ ...metadata, prevHash }`) gets a hidden
 * class of its own, each time: a map, its descriptors and the property handlers of every site that reads
 * it, made straight in the old generation, where they die. Under bench:api's usage reports that was
 * about one and a half maps a command (V8's object statistics of a full collection: descriptor arrays,
 * maps and load handlers 59 of the 174 MB it found dead); `Object.assign` onto `{}` shares one map for
 * all. It differs from a spread only for an own `__proto__` key (JSON.parse makes one), which it would
 * take for the prototype: such an object is spread as before.
 */
export function extended<B extends object, E extends object>(base: B, extra: E): Extended<B, E> {
  if (Object.hasOwn(base, '__proto__') || Object.hasOwn(extra, '__proto__')) return { ...base, ...extra } as unknown as Extended<B, E>;
  return Object.assign({}, base, extra) as unknown as Extended<B, E>;
}

/** The type of `{ ...base, ...extra }`, for each member of a union `B`. */
export type Extended<B, E> = B extends unknown ? Omit<B, keyof E> & E : never;
