import { describe, expect, it } from 'vitest';
import { DatabaseConnectError, DatabaseQueryTimeoutError } from '../src/connection/database-connection-errors.ts';
import { isDatabaseUnavailableError } from '../src/transient/is-database-unavailable-error.ts';
import { isTransientDatabaseError } from '../src/transient/is-transient-error.ts';

/** The shapes the errors take, as observed here (Prisma 7 over @prisma/adapter-pg, and pg itself). */
const prismaKnown = (code: string, cause?: Record<string, unknown>) =>
  Object.assign(new Error('Invalid invocation'), {
    code,
    meta: cause === undefined ? {} : { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });
const pgError = (code: string) => Object.assign(new Error('pg'), { code });

describe('isDatabaseUnavailableError', () => {
  it('recognises an unreachable server, from Prisma (P1001, DatabaseNotReachable) or from pg (ECONNREFUSED)', () => {
    expect(isDatabaseUnavailableError(prismaKnown('P1001', { kind: 'DatabaseNotReachable' }))).toBe(true);
    expect(isDatabaseUnavailableError(pgError('ECONNREFUSED'))).toBe(true);
  });

  it("recognises the pool's own connect and statement timeouts, as classes and as the codes Prisma carries over", () => {
    expect(isDatabaseUnavailableError(new DatabaseConnectError(5000))).toBe(true);
    expect(isDatabaseUnavailableError(new DatabaseQueryTimeoutError(35_000))).toBe(true);
    expect(isDatabaseUnavailableError(prismaKnown('DATABASE_CONNECT_FAILED'))).toBe(true);
    expect(isDatabaseUnavailableError(prismaKnown('DATABASE_QUERY_TIMEOUT'))).toBe(true);
    expect(isTransientDatabaseError(new DatabaseConnectError(5000))).toBe(true);
  });

  it('recognises a server that is shutting down, overloaded or cancelled a statement for its timeout', () => {
    for (const code of ['57P01', '57P03', '53300', '57014', '08006']) {
      expect(isDatabaseUnavailableError(pgError(code)), code).toBe(true);
    }
    expect(isDatabaseUnavailableError(prismaKnown('P2010', { originalCode: '57014', kind: 'postgres' }))).toBe(true);
    expect(isDatabaseUnavailableError(new Error('wrapper', { cause: pgError('08006') }))).toBe(true);
  });

  it('does not call a wrong statement or a conflict an outage', () => {
    expect(isDatabaseUnavailableError(pgError('23505'))).toBe(false);
    expect(isDatabaseUnavailableError(pgError('42P01'))).toBe(false);
    expect(isDatabaseUnavailableError(pgError('40P01'))).toBe(false);
    expect(
      isDatabaseUnavailableError(prismaKnown('P2002', { originalCode: '23505', kind: 'UniqueConstraintViolation' })),
    ).toBe(false);
    expect(isDatabaseUnavailableError(new Error('connection timeout'))).toBe(false);
  });
});
