import { describe, expect, it } from 'vitest';
import { DatabaseConnectError, DatabaseQueryTimeoutError } from '../src/connection/database-connection-errors.ts';
import { classifyDatabaseError } from '../src/transient/classify-database-error.ts';
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
    expect(
      isDatabaseUnavailableError(classifyDatabaseError(prismaKnown('P1001', { kind: 'DatabaseNotReachable' }))),
    ).toBe(true);
    expect(isDatabaseUnavailableError(classifyDatabaseError(pgError('ECONNREFUSED')))).toBe(true);
  });

  it("recognises the pool's own connect and statement timeouts, as classes and as the codes Prisma carries over", () => {
    expect(isDatabaseUnavailableError(classifyDatabaseError(new DatabaseConnectError(5000)))).toBe(true);
    expect(isDatabaseUnavailableError(classifyDatabaseError(new DatabaseQueryTimeoutError(35_000)))).toBe(true);
    expect(isDatabaseUnavailableError(classifyDatabaseError(prismaKnown('DATABASE_CONNECT_FAILED')))).toBe(true);
    expect(isDatabaseUnavailableError(classifyDatabaseError(prismaKnown('DATABASE_QUERY_TIMEOUT')))).toBe(true);
    expect(isTransientDatabaseError(classifyDatabaseError(new DatabaseConnectError(5000)))).toBe(true);
  });

  it('recognises a server that is shutting down, overloaded or cancelled a statement for its timeout', () => {
    for (const code of ['57P01', '57P03', '53300', '57014', '08006']) {
      expect(isDatabaseUnavailableError(classifyDatabaseError(pgError(code))), code).toBe(true);
    }
    expect(
      isDatabaseUnavailableError(
        classifyDatabaseError(prismaKnown('P2010', { originalCode: '57014', kind: 'postgres' })),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailableError(classifyDatabaseError(new Error('wrapper', { cause: pgError('08006') })))).toBe(
      true,
    );
  });

  it('does not call a wrong statement or a conflict an outage', () => {
    expect(isDatabaseUnavailableError(classifyDatabaseError(pgError('23505')))).toBe(false);
    expect(isDatabaseUnavailableError(classifyDatabaseError(pgError('42P01')))).toBe(false);
    expect(isDatabaseUnavailableError(classifyDatabaseError(pgError('40P01')))).toBe(false);
    expect(
      isDatabaseUnavailableError(
        classifyDatabaseError(prismaKnown('P2002', { originalCode: '23505', kind: 'UniqueConstraintViolation' })),
      ),
    ).toBe(false);
    expect(isDatabaseUnavailableError(classifyDatabaseError(new Error('connection timeout')))).toBe(false);
  });
});
