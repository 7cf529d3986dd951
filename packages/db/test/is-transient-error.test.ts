import { describe, expect, it } from 'vitest';
import { classifyDatabaseError } from '../src/transient/classify-database-error.ts';
import { isDatabaseUnavailableError } from '../src/transient/is-database-unavailable-error.ts';
import { isTransientDatabaseError } from '../src/transient/is-transient-error.ts';
import { TransactionConflictError } from '../src/transient/store-errors.ts';

/** The shapes the errors take, as observed here (Prisma 7 over @prisma/adapter-pg, and pg itself). */
const prismaRaw = (originalCode: string, kind: string) =>
  Object.assign(new Error('Raw query failed'), {
    code: 'P2010',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, kind } } },
  });
const pgError = (code: string) => Object.assign(new Error('pg'), { code });

describe('isTransientDatabaseError', () => {
  it('retries a deadlock and a serialization failure, from Prisma or from pg', () => {
    expect(isTransientDatabaseError(classifyDatabaseError(prismaRaw('40P01', 'TransactionWriteConflict')))).toBe(true);
    expect(isTransientDatabaseError(classifyDatabaseError(pgError('40P01')))).toBe(true);
    expect(isTransientDatabaseError(classifyDatabaseError(pgError('40001')))).toBe(true);
  });

  it('retries a connection that was refused or dropped', () => {
    expect(isTransientDatabaseError(classifyDatabaseError(pgError('ECONNREFUSED')))).toBe(true);
    expect(isTransientDatabaseError(classifyDatabaseError(pgError('57P01')))).toBe(true);
    expect(isTransientDatabaseError(classifyDatabaseError(new Error('wrapper', { cause: pgError('08006') })))).toBe(
      true,
    );
  });

  it('does not retry what would fail again: a unique violation, a syntax error, a plain error', () => {
    expect(isTransientDatabaseError(classifyDatabaseError(pgError('23505')))).toBe(false);
    expect(isTransientDatabaseError(classifyDatabaseError(prismaRaw('42601', 'QueryError')))).toBe(false);
    expect(isTransientDatabaseError(classifyDatabaseError(new Error('deadlock detected')))).toBe(false);
  });
});

describe('the store error vocabulary', () => {
  it('names a conflict TransactionConflictError and an outage StoreUnavailableError, the original as cause', () => {
    const deadlock = pgError('40P01');
    expect(classifyDatabaseError(deadlock)).toMatchObject({ code: 'TRANSACTION_CONFLICT', cause: deadlock });
    expect(classifyDatabaseError(deadlock)).toBeInstanceOf(TransactionConflictError);
    const refused = pgError('ECONNREFUSED');
    expect(classifyDatabaseError(refused)).toMatchObject({ code: 'STORE_UNAVAILABLE', transient: true });
    expect(classifyDatabaseError(pgError('57014'))).toMatchObject({ code: 'STORE_UNAVAILABLE', transient: false });
  });

  it('leaves an error about the statement as it is', () => {
    const unique = pgError('23505');
    expect(classifyDatabaseError(unique)).toBe(unique);
  });

  it('classifies only what the store has named: a driver error as thrown is neither transient nor an outage', () => {
    expect(isTransientDatabaseError(pgError('40P01'))).toBe(false);
    expect(isDatabaseUnavailableError(pgError('ECONNREFUSED'))).toBe(false);
  });
});
