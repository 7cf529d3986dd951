import type { GridSpec } from './sweep-spec.ts';

/**
 * Most dimensions (keys) of a grid: every point is built key by key, so the work is points × dimensions, and a
 * grid of thousands of single-valued keys would cost seconds while expanding to one point.
 */
export const MAX_GRID_DIMENSIONS = 32;
/** Most values along one dimension. */
export const MAX_GRID_VALUES = 256;

/** One point of the grid: path → value, in the grid's key order. */
export type GridPoint = ReadonlyArray<readonly [path: string, value: unknown]>;

/** Number of points in the cartesian product (1 for an empty grid). */
export function gridSize(grid: GridSpec | undefined): number {
  return Object.values(grid ?? {}).reduce((n, values) => n * values.length, 1);
}

/** The cartesian product, first key varying slowest, so the order is the one the researcher wrote. */
export function gridPoints(grid: GridSpec | undefined): GridPoint[] {
  let points: GridPoint[] = [[]];
  for (const [path, values] of Object.entries(grid ?? {})) {
    points = points.flatMap((p) => values.map((v) => [...p, [path, v] as const]));
  }
  return points;
}

/** A deep copy of `base` with each grid value written at its dotted path (numeric segments index arrays). */
export function applyGridPoint<T>(base: T, point: GridPoint): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of point) {
    const keys = path.split('.');
    let node: Record<string, unknown> = out;
    for (const key of keys.slice(0, -1)) {
      // Own properties only: a path segment such as `constructor` must not reach into the prototype.
      const next = Object.hasOwn(node, key) ? node[key] : undefined;
      if (typeof next !== 'object' || next === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1) as string] = structuredClone(value);
  }
  return out as T;
}
