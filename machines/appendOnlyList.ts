/**
 * A list a case's context only ever appends to (a conditional application's usage reports, results
 * and security incidents), kept as a chain: appending makes one link that points at the list before
 * it. `[...list, item]` copied every item at every such command, and the copy outlived the young
 * generation (the engine keeps a case's folded state until its next command), so V8 moved it to the
 * old generation, where it died: under bench:api's 900–1,000 reports/s over 200 cases (a few hundred
 * reports each by its end) the copies were 41% of the bytes the server promoted (an allocation
 * profile). Two servers loaded in turn (`--trace-gc`): the old generation grew 3.0 MB a second of the
 * run with the copies and 1.9 with the chain, full collections 40 and 53 s apart against 71 s. A case
 * in use reports monthly or so, dozens of reports in its life, where the copies cost little.
 *
 * Lists are values: appending leaves the list it started from as it was, so a state the engine keeps
 * (or drops, when an append loses a race) never changes under it. In JSON (the case view, GET
 * /v1/cases/{id}) a list is the array of its items, oldest first, as before.
 */
export class AppendOnlyList<T> implements Iterable<T> {
  static readonly #EMPTY = new AppendOnlyList<never>(undefined, undefined, 0);

  /** The list with no item (one for all: it never changes). */
  static empty<T>(): AppendOnlyList<T> {
    return AppendOnlyList.#EMPTY;
  }

  /**
   * `last` and `before` are public so that two lists of the same items compare equal item by item
   * (vitest's `toEqual`), as arrays did.
   */
  private constructor(
    /** The newest item (none in the empty list). */
    readonly last: T | undefined,
    /** The list this one appended to (none for the empty list). */
    readonly before: AppendOnlyList<T> | undefined,
    readonly length: number,
  ) {}

  /** This list with `item` after its items; this one is left as it is. */
  append(item: T): AppendOnlyList<T> {
    return new AppendOnlyList(item, this, this.length + 1);
  }

  /** The items, oldest first, in a new array. */
  toArray(): T[] {
    if (this.length === 0) return [];
    const items = new Array<T>(this.length);
    items[this.length - 1] = this.last as T;
    let link = this.before;
    for (let i = this.length - 2; i >= 0; i--) {
      items[i] = link!.last as T;
      link = link!.before;
    }
    return items;
  }

  /** JSON shows the array of items, oldest first. */
  toJSON(): T[] {
    return this.toArray();
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}
