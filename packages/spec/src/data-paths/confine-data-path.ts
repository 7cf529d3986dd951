import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Where a data path leads. `inside`: its real location (symlinks resolved) and the root that holds it.
 * `outside`: nowhere allowed — and deliberately nothing more, so the answer never tells whether something
 * exists outside the roots.
 */
export type ConfinedPath = { inside: true; realPath: string; root: string } | { inside: false };

/**
 * The real location of `path` if it lies inside one of `roots`, symlinks included (a link inside a root that
 * points elsewhere is outside). A path that does not exist (yet) is resolved through its deepest existing
 * ancestor, so the API can check paths on a host that does not hold the files; the worker checks again when it
 * reads them. Relative paths resolve against `cwd`.
 */
export function confineDataPath(path: string, roots: readonly string[], cwd: string = process.cwd()): ConfinedPath {
  if (path.includes('\0')) return { inside: false };
  const real = realLocation(resolve(cwd, path));
  if (real === null) return { inside: false };
  for (const root of roots) {
    const realRoot = realLocation(resolve(cwd, root));
    if (realRoot !== null && isWithin(realRoot, real)) return { inside: true, realPath: real, root: realRoot };
  }
  return { inside: false };
}

/** Whether `child` is `parent` or below it (both absolute and normalized). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * `absolute` with every existing component's symlinks resolved: realpath of the deepest ancestor that resolves,
 * then the remaining names (which do not exist, so cannot be links). `resolve` already removed `..`. null when
 * a component exists but does not resolve (a dangling or looping link, a folder that cannot be searched):
 * nowhere, so that a broken link reads exactly like a link to an existing place outside.
 */
function realLocation(absolute: string): string | null {
  const tail: string[] = [];
  let at = absolute;
  for (;;) {
    try {
      return join(realpathSync.native(at), ...tail.reverse());
    } catch {
      if (exists(at)) return null;
      const parent = dirname(at);
      if (parent === at) return null;
      tail.push(basename(at));
      at = parent;
    }
  }
}

/** Whether something (a link included, dangling or not) is there; false when it is not, or cannot be seen. */
function exists(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}
