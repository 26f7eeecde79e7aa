/**
 * A diagram's edges for the BPMN export: orthogonal routes around its shapes — the cheapest path on a
 * sparse grid of lines beside and between the boxes, paying for length, for every bend and for running
 * along a stretch an earlier edge already uses — and a place for each edge's name beside its route.
 * No dependency; the same boxes and the same order of edges always give the same result.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Point = [number, number];

/** How far an edge keeps from every shape but where it leaves or enters one. */
const MARGIN = 10;
/** The spacing of parallel tracks in the free space between shapes. */
const TRACK = 10;
const BEND = 40;
/** Per unit of length run along an earlier edge: edges spread over the free tracks. */
const SHARED = 3;

type Side = 0 | 1 | 2 | 3;
const STEP: Record<Side, Point> = { 0: [1, 0], 1: [0, 1], 2: [-1, 0], 3: [0, -1] };
const SIDES: Side[] = [0, 1, 2, 3];
/** BPMN reads left to right: leave by the right and enter by the left unless a detour is cheaper. */
const LEAVE_COST: Record<Side, number> = { 0: 0, 1: 30, 2: 80, 3: 30 };
const ENTER_COST: Record<Side, number> = { 2: 0, 1: 30, 0: 80, 3: 30 };

const inflate = (box: Box): Box => ({ x: box.x - MARGIN, y: box.y - MARGIN, width: box.width + 2 * MARGIN, height: box.height + 2 * MARGIN });
const strictlyInside = (x: number, y: number, box: Box) => x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height;

/** The middle of a box's side: a task's, an event's and a gateway's connection point alike. */
function port(box: Box, side: Side): Point {
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  const [dx, dy] = STEP[side];
  return [cx + (dx * box.width) / 2, cy + (dy * box.height) / 2];
}

/** Coordinates along one axis: the given ones, and tracks every TRACK across each stretch no shape covers. */
function axis(lo: number, hi: number, covered: [number, number][], given: number[]): number[] {
  const values = new Set<number>([lo, hi, ...given.filter((v) => v >= lo && v <= hi)]);
  let from = lo;
  for (const [start, end] of [...covered].sort((a, b) => a[0] - b[0])) {
    if (start > from) for (let v = from; v < Math.min(start, hi); v += TRACK) values.add(v);
    from = Math.max(from, end);
  }
  for (let v = from; v < hi; v += TRACK) values.add(v);
  return [...values].sort((a, b) => a - b);
}

/** A binary heap of search states by cost, ties broken by insertion order so the result is deterministic. */
class Queue {
  #items: [number, number, number][] = [];
  #seq = 0;
  get size() {
    return this.#items.length;
  }
  push(cost: number, state: number) {
    const items = this.#items;
    items.push([cost, this.#seq++, state]);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): [number, number] {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let least = i;
        if (l < items.length && before(items[l]!, items[least]!)) least = l;
        if (r < items.length && before(items[r]!, items[least]!)) least = r;
        if (least === i) break;
        [items[i], items[least]] = [items[least]!, items[i]!];
        i = least;
      }
    }
    return [top[0], top[2]];
  }
}
const before = (a: [number, number, number], b: [number, number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * A router over `shapes` inside `area`: each call routes one edge from `source` to `target` (two of the
 * shapes) and remembers the stretches it took, so that later edges run beside it rather than on it.
 * Returns undefined when no path exists.
 */
export function orthogonalRouter(shapes: Box[], area: Box): (source: Box, target: Box) => Point[] | undefined {
  const blocks = shapes.map(inflate);
  const xs = axis(
    area.x,
    area.x + area.width,
    blocks.map((b) => [b.x, b.x + b.width]),
    shapes.flatMap((s) => [s.x - MARGIN, s.x + s.width / 2, s.x + s.width + MARGIN]),
  );
  const ys = axis(
    area.y,
    area.y + area.height,
    blocks.map((b) => [b.y, b.y + b.height]),
    shapes.flatMap((s) => [s.y - MARGIN, s.y + s.height / 2, s.y + s.height + MARGIN]),
  );
  const [nx, ny] = [xs.length, ys.length];
  const free = (x: number, y: number) => !blocks.some((b) => strictlyInside(x, y, b));
  const open = Array.from({ length: nx * ny }, (_, p) => free(xs[p % nx]!, ys[Math.floor(p / nx)]!));
  // From each point to its neighbour on the right (0) and below (1): open when the stretch's middle is.
  const rightOpen = open.map((ok, p) => ok && p % nx < nx - 1 && open[p + 1]! && free((xs[p % nx]! + xs[(p % nx) + 1]!) / 2, ys[Math.floor(p / nx)]!));
  const downOpen = open.map((ok, p) => ok && p + nx < nx * ny && open[p + nx]! && free(xs[p % nx]!, (ys[Math.floor(p / nx)]! + ys[Math.floor(p / nx) + 1]!) / 2));
  const used = new Map<number, number>();
  const stretch = (p: number, side: Side) => (side === 0 ? 2 * p : side === 1 ? 2 * p + 1 : side === 2 ? 2 * (p - 1) : 2 * (p - nx) + 1);
  const neighbour = (p: number, side: Side): number | undefined => {
    if (side === 0) return rightOpen[p] ? p + 1 : undefined;
    if (side === 1) return downOpen[p] ? p + nx : undefined;
    if (side === 2) return p % nx > 0 && rightOpen[p - 1] ? p - 1 : undefined;
    return p >= nx && downOpen[p - nx] ? p - nx : undefined;
  };
  const pointAt = (x: number, y: number): number | undefined => {
    const [i, j] = [xs.indexOf(x), ys.indexOf(y)];
    return i < 0 || j < 0 || !open[j * nx + i] ? undefined : j * nx + i;
  };
  const distance = (a: number, b: number) => Math.abs(xs[a % nx]! - xs[b % nx]!) + Math.abs(ys[Math.floor(a / nx)]! - ys[Math.floor(b / nx)]!);

  return (source, target) => {
    // A search state is a grid point and the side it was last moving towards; one more state is the goal.
    const goal = nx * ny * 4;
    const cost = new Map<number, number>();
    const from = new Map<number, number>();
    const queue = new Queue();
    const leaves = new Map<number, Side>();
    for (const side of SIDES) {
      const [px, py] = port(source, side);
      const stub = pointAt(px + STEP[side][0] * MARGIN, py + STEP[side][1] * MARGIN);
      if (stub === undefined) continue;
      const state = stub * 4 + side;
      cost.set(state, LEAVE_COST[side] + MARGIN);
      leaves.set(state, side);
      queue.push(LEAVE_COST[side] + MARGIN, state);
    }
    const enters = new Map<number, Side>();
    for (const side of SIDES) {
      const [px, py] = port(target, side);
      const stub = pointAt(px + STEP[side][0] * MARGIN, py + STEP[side][1] * MARGIN);
      if (stub !== undefined) enters.set(stub, side);
    }
    const relax = (state: number, next: number, price: number) => {
      if (price >= (cost.get(next) ?? Infinity) || leaves.has(next)) return;
      cost.set(next, price);
      from.set(next, state);
      queue.push(price, next);
    };
    while (queue.size > 0) {
      const [spent, state] = queue.pop();
      if (spent > (cost.get(state) ?? Infinity)) continue;
      if (state === goal) break;
      const [p, heading] = [Math.floor(state / 4), (state % 4) as Side];
      const side = enters.get(p);
      // The last stretch runs into the target's side, heading away from that side's outward direction.
      if (side !== undefined) relax(state, goal, spent + MARGIN + ENTER_COST[side] + (heading === (((side + 2) % 4) as Side) ? 0 : BEND));
      for (const turn of SIDES) {
        if (turn === (heading + 2) % 4) continue;
        const q = neighbour(p, turn);
        if (q === undefined) continue;
        const length = distance(p, q);
        const shared = used.get(stretch(p, turn)) ?? 0;
        relax(state, q * 4 + turn, spent + length * (1 + SHARED * shared) + (turn === heading ? 0 : BEND));
      }
    }
    if (!from.has(goal)) return undefined;
    const states: number[] = [];
    for (let state: number | undefined = from.get(goal); state !== undefined; state = from.get(state)) states.unshift(state);
    const first = states[0]!;
    const last = states[states.length - 1]!;
    for (let i = 1; i < states.length; i++) {
      const key = stretch(Math.floor(states[i - 1]! / 4), (states[i]! % 4) as Side);
      used.set(key, (used.get(key) ?? 0) + 1);
    }
    const grid = states.map((state): Point => [xs[Math.floor(state / 4) % nx]!, ys[Math.floor(Math.floor(state / 4) / nx)]!]);
    const points: Point[] = [port(source, leaves.get(first)!), ...grid, port(target, enters.get(Math.floor(last / 4))!)];
    // Only the corners: drop every point on the straight line through its neighbours.
    return points.filter((point, i) => {
      const [a, b] = [points[i - 1], points[i + 1]];
      if (!a || !b) return true;
      return !((a[0] === point[0] && point[0] === b[0]) || (a[1] === point[1] && point[1] === b[1]));
    });
  };
}

/** A label wraps at the widest of these that finds room beside its route, in at most MAX_LINES lines. */
const LABEL_WIDTHS = [150, 110, 80];
const MAX_LINES = 3;
const LINE_HEIGHT = 14;
/** How far off its route a label may sit, nearest first. */
const AWAY = [2, 15, 30, 45, 60];
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const within = (a: Box, area: Box) => a.x >= area.x && a.y >= area.y && a.x + a.width <= area.x + area.width && a.y + a.height <= area.y + area.height;

/** The boxes an 11 px label of `text` may take, widest first: Latin about 6.5 px a character, Chinese 11. */
function labelSizes(text: string): { width: number; height: number }[] {
  const length = [...text].reduce((sum, c) => sum + (c.charCodeAt(0) < 0x2e80 ? 6.5 : 11), 0);
  const sizes = LABEL_WIDTHS.map((wrap) => {
    const lines = Math.ceil((length * 1.1) / wrap);
    return { width: lines > 1 ? wrap : Math.ceil(length) + 6, height: lines * LINE_HEIGHT };
  });
  // A long name (its rules spelled out) takes the widest box, however many lines that is.
  const short = sizes.filter((size) => size.height <= MAX_LINES * LINE_HEIGHT);
  return short.length > 0 ? short : sizes.slice(0, 1);
}

/** Where along a stretch a label goes: its middle and near it first, then every STEP_ALONG along it. */
const ALONG = [0.5, 0.3, 0.7, 0.15, 0.85];
const STEP_ALONG = 10;

/** Points along a stretch from `a` to `b`: the preferred fractions, then the rest every STEP_ALONG, nearest the middle first. */
function pointsAlong(a: Point, b: Point): Point[] {
  const length = Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1]);
  const at = (t: number): Point => [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t)];
  const more = length === 0 ? [] : Array.from({ length: Math.floor(length / STEP_ALONG) + 1 }, (_, i) => (i * STEP_ALONG) / length);
  more.sort((s, t) => Math.abs(s - 0.5) - Math.abs(t - 0.5));
  const seen = new Set<string>();
  return [...ALONG, ...more].map(at).filter((point) => !seen.has(`${point[0]},${point[1]}`) && Boolean(seen.add(`${point[0]},${point[1]}`)));
}

/** Boxes of a size touching the route at a point along one of its stretches, longest stretch first. */
function besideRoute(route: Point[], { width, height }: { width: number; height: number }): Box[] {
  const stretches = route
    .slice(1)
    .map((to, i): [Point, Point] => [route[i]!, to])
    .sort(([a, b], [c, d]) => Math.abs(d[0] - c[0]) + Math.abs(d[1] - c[1]) - (Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1])));
  return stretches.flatMap(([a, b]) =>
    pointsAlong(a, b).flatMap(([px, py]) => {
      // Touching the stretch or centred on it first, then further off it, up to the height of a task away.
      if (a[1] === b[1]) {
        const xs = [Math.round(px - width / 2), px + 2, px - width - 2];
        const ys = [Math.round(py - height / 2), ...AWAY.flatMap((d) => [py - height - d, py + d])];
        return ys.flatMap((y) => xs.map((x) => ({ x, y, width, height })));
      }
      const ys = [Math.round(py - height / 2), py + 2, py - height - 2];
      const xs = [Math.round(px - width / 2), ...AWAY.flatMap((d) => [px + d, px - width - d])];
      return xs.flatMap((x) => ys.map((y) => ({ x, y, width, height })));
    }),
  );
}

/** Every place for a label of `text` beside `route`, on no shape and inside `area`, in order of preference. */
function labelPlaces(text: string, route: Point[], shapes: Box[], area: Box): Box[] {
  // Only the shapes near the route can be under a label beside it: the widest label and the furthest off it.
  const reach = Math.max(...LABEL_WIDTHS) + Math.max(...AWAY) + MAX_LINES * LINE_HEIGHT;
  const [xs, ys] = [route.map((p) => p[0]), route.map((p) => p[1])];
  const [left, top] = [Math.min(...xs) - reach, Math.min(...ys) - reach];
  const near = { x: left, y: top, width: Math.max(...xs) + reach - left, height: Math.max(...ys) + reach - top };
  const nearby = shapes.filter((shape) => overlaps(shape, near));
  return labelSizes(text).flatMap((size) => besideRoute(route, size).filter((box) => within(box, area) && !nearby.some((shape) => overlaps(box, shape))));
}

/**
 * Where to put each edge's label of `text`: touching its route, on no shape, inside `area` and on no
 * other label. Each takes its first free place, in the order given; one that finds none is moved to
 * the front and all are placed again, up to once per label. Returns the boxes in the order of `labels`
 * and whether they all fit; where they do not, a label that found no free place sits on as few
 * labels as it can (undefined when every place beside its route is on a shape).
 */
export function placeLabels(labels: { text: string; route: Point[] }[], shapes: Box[], area: Box): { boxes: (Box | undefined)[]; fit: boolean } {
  return toEnd(placeLabelsInSteps(labels, shapes, area));
}

/** A computation in steps (a generator whose every `yield` is a place for a turn of the event loop), run to its end at once. */
export function toEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `placeLabels` in steps: a `yield` after each label's places are found and after each attempt to
 * place them all, the same result to the last box (the BPMN export lays a diagram out in turns of the
 * event loop: describe.ts `toBpmnInTurns`).
 */
export function* placeLabelsInSteps(labels: { text: string; route: Point[] }[], shapes: Box[], area: Box): Generator<void, { boxes: (Box | undefined)[]; fit: boolean }> {
  const places: Box[][] = [];
  for (const { text, route } of labels) {
    places.push(labelPlaces(text, route, shapes, area));
    yield;
  }
  // The label with the fewest places first: one with many can still go round it.
  let order = labels.map((_, i) => i).sort((i, j) => places[i]!.length - places[j]!.length || i - j);
  let best: { boxes: (Box | undefined)[]; misfits: number } | undefined;
  for (let attempt = 0; attempt <= labels.length; attempt++) {
    const boxes: (Box | undefined)[] = labels.map(() => undefined);
    const placed: Box[] = [];
    const misfits: number[] = [];
    for (const i of order) {
      const free = places[i]!.find((box) => !placed.some((other) => overlaps(box, other)));
      if (!free) misfits.push(i);
      boxes[i] = free;
      if (free) placed.push(free);
    }
    if (misfits.length === 0) return { boxes, fit: true };
    for (const i of misfits) {
      const clashes = (box: Box) => placed.filter((other) => overlaps(box, other)).length;
      boxes[i] = places[i]!.reduce<Box | undefined>((least, box) => (least && clashes(least) <= clashes(box) ? least : box), undefined);
    }
    if (!best || misfits.length < best.misfits) best = { boxes, misfits: misfits.length };
    order = [...misfits, ...order.filter((i) => !misfits.includes(i))];
    yield;
  }
  return { boxes: best?.boxes ?? [], fit: false };
}
