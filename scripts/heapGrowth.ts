/**
 * How far the server's heap may grow past what a full (mark-compact) collection left alive before
 * V8 starts the next one: a factor of 4 (`--heap-growing-percent=300`, V8's own largest factor).
 *
 * What a command leaves behind outlives the young generation's collections: the folded case the
 * engine keeps until that case's next command, the context its machine copied, the request's pieces
 * held while the store commits. V8 moves them to the old generation, where they die. With its own
 * factor (here 1.3–1.5: each collection finds little, so V8 keeps the heap small) a server taking
 * bench:api's commands at 900/s started a full collection every 5–10 s; each stopped the thread for
 * 5–19 ms and took CPU while marking, and at 70–90% of a core the requests queued behind it take tens
 * of milliseconds to drain. Two servers loaded in turn, sixteen 5 s rounds each over two runs, one with
 * this factor: 3 full collections in its rounds against 11; its rounds' p99 median 17.2 and 10.5 ms
 * against 40.5 and 27.2 ms (a round with a collection still read 48–90 ms; the host's own stalls remain).
 * The cost is memory: the heap grew to about 250 MB before a collection, against about 140 MB.
 *
 * An operator who gave node a factor of their own (`node --heap-growing-percent=N`; 0 keeps V8's
 * own) keeps it.
 *
 * Tried and not kept: a full collection whenever the server went idle (V8's `gc` through
 * `--expose-gc`, once a whole second passed with no request and the heap had grown by half). No full
 * collection fell in bench:api's trials any more, but in the seconds of load after each such
 * collection the server spent about 20% more CPU a command (four interleaved runs of two servers,
 * 5 s rounds at 1,000/s: the median of the rounds' ratios 1.20, higher in 34 of 36; in the run that
 * read /proc, all of it user time, not system time or page faults; the same with V8's young
 * generation kept at 16 MB, or with code flushing off; the request hooks alone, collecting nothing,
 * cost nothing measurable), and its p99 read worse (26.5–34.5 ms in three bench:api runs). V8's own
 * collector for an idle heap (the memory reducer) never ran in this server: through every idle
 * second watched it judged the allocation rate high (`--trace-gc-verbose`).
 */
import { setFlagsFromString } from 'node:v8';

export const SERVER_HEAP_GROWING_PERCENT = 300;

const FLAG = /^--heap[-_]growing[-_]percent(?:=(.*))?$/;

/**
 * Sets V8's heap growing factor for this process unless node's command line (`execArgv`) set one,
 * and answers the percent in force (`null`: V8's own, as an operator's `=0` or a flag without a
 * value leaves it). V8 reads the flag at every full collection, so setting it at start takes effect.
 */
export function applyServerHeapGrowth(execArgv: readonly string[] = process.execArgv, set: (flag: string) => void = setFlagsFromString): number | null {
  for (let i = execArgv.length - 1; i >= 0; i--) {
    const given = FLAG.exec(execArgv[i]!);
    if (!given) continue;
    const value = given[1] ?? execArgv[i + 1];
    const percent = Number(value);
    return Number.isInteger(percent) && percent > 0 ? percent : null;
  }
  set(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
  return SERVER_HEAP_GROWING_PERCENT;
}
