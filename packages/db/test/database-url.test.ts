import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_URL,
  InvalidDatabaseUrlError,
  parseDatabaseUrl,
  redactDatabaseUrl,
  resolveDatabaseUrl,
} from '../src/index.ts';

describe('resolveDatabaseUrl', () => {
  it('uses DATABASE_URL when it is set', () => {
    expect(resolveDatabaseUrl({ DATABASE_URL: 'postgres://u:p@db:6543/results' })).toBe(
      'postgres://u:p@db:6543/results',
    );
  });

  it('falls back to the local default when DATABASE_URL is unset or empty', () => {
    expect(resolveDatabaseUrl({})).toBe(DEFAULT_DATABASE_URL);
    expect(resolveDatabaseUrl({ DATABASE_URL: '  ' })).toBe(DEFAULT_DATABASE_URL);
  });

  it('rejects another protocol with a message naming DATABASE_URL and the expected form', () => {
    expect(() => resolveDatabaseUrl({ DATABASE_URL: 'mysql://root@localhost/distillery' })).toThrow(
      'DATABASE_URL must start with postgresql:// or postgres://, got mysql://',
    );
  });

  it('rejects a URL without a database name', () => {
    const error = (() => {
      try {
        resolveDatabaseUrl({ DATABASE_URL: 'postgresql://postgres:secret@127.0.0.1:5432' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidDatabaseUrlError);
    expect(error).toMatchObject({ code: 'INVALID_DATABASE_URL' });
    expect((error as Error).message).toContain('must name a database');
    expect((error as Error).message).not.toContain('secret');
  });

  it('rejects text that is not a URL', () => {
    expect(() => resolveDatabaseUrl({ DATABASE_URL: 'distillery' })).toThrow(InvalidDatabaseUrlError);
  });
});

describe('parseDatabaseUrl', () => {
  it('reads host, port, database and user, defaulting the port to 5432', () => {
    expect(parseDatabaseUrl('postgresql://alice@db.example:6543/my%20db')).toMatchObject({
      host: 'db.example',
      port: 6543,
      database: 'my db',
      user: 'alice',
    });
    expect(parseDatabaseUrl(DEFAULT_DATABASE_URL)).toMatchObject({
      host: '127.0.0.1',
      port: 5432,
      database: 'distillery',
    });
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password', () => {
    expect(redactDatabaseUrl('postgresql://u:hunter2@h/d')).toBe('postgresql://u:***@h/d');
  });
});
