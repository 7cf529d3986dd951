import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confineDataPath, escapeForMessage, isWithin, teamDataRoots } from '../src/index.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'distillery-spec-paths-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('confineDataPath', () => {
  const root = join(base, 'root');
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(base, 'root-evil'));

  it('finds a folder inside a root, existing or not, relative paths from the working directory', () => {
    expect(confineDataPath(join(root, 'data'), [root])).toEqual({ inside: true, realPath: join(root, 'data'), root });
    expect(confineDataPath('data/later', [root], root)).toMatchObject({
      inside: true,
      realPath: join(root, 'data/later'),
    });
  });

  it('does not mistake a sibling that shares the prefix for the root', () => {
    expect(isWithin(root, join(base, 'root-evil'))).toBe(false);
    expect(confineDataPath(join(base, 'root-evil'), [root])).toEqual({ inside: false });
  });

  it('resolves links: in through a link is in, out through a link is out, a dangling link is out', () => {
    symlinkSync(join(root, 'data'), join(base, 'into-root'));
    symlinkSync(base, join(root, 'out'));
    symlinkSync(join(base, 'nothing-here'), join(root, 'dangling'));
    expect(confineDataPath(join(base, 'into-root'), [root])).toMatchObject({ inside: true });
    expect(confineDataPath(join(root, 'out', 'root-evil'), [root])).toEqual({ inside: false });
    expect(confineDataPath(join(root, 'dangling'), [root])).toEqual({ inside: false });
    expect(confineDataPath(join(root, 'dangling', 'deeper'), [root])).toEqual({ inside: false });
  });

  it('refuses everything without roots, and a NUL byte anywhere', () => {
    expect(confineDataPath(root, [])).toEqual({ inside: false });
    expect(confineDataPath(`${root}/data\0`, [root])).toEqual({ inside: false });
  });
});

describe('teamDataRoots', () => {
  it("adds the team's own folder to the shared roots, and accepts only a team id as its name", () => {
    const team = '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b';
    expect(teamDataRoots({ shared: ['/data'], teamBase: '/teams' }, team)).toEqual(['/data', `/teams/${team}`]);
    expect(teamDataRoots({ shared: ['/data'], teamBase: null }, team)).toEqual(['/data']);
    expect(() => teamDataRoots({ shared: [], teamBase: '/teams' }, '../other')).toThrow(TypeError);
  });
});

describe('escapeForMessage', () => {
  it('quotes and escapes control characters and line separators', () => {
    expect(escapeForMessage('a\nb\u001b[2K\u2028"c"\u0085')).toBe('"a\\nb\\u001b[2K\\u2028\\"c\\"\\u0085"');
  });
});
