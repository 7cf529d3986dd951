import { describe, expect, it } from 'vitest';
import { isTransientDatabaseError } from '../src/transient/is-transient-error.ts';

/** The shapes the errors take, as observed here (Prisma 7 over @prisma/adapter-pg, and pg itself). */
const prismaRaw = (originalCode: string, kind: string) =>
  Object.assign(new Error('Raw query failed'), {
    code: 'P2010',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, kind } } },
  });
const pgError = (code: string) => Object.assign(new Error('pg'), { code });

describe('isTransientDatabaseError', () => {
  it('retries a deadlock and a serialization failure, from Prisma or from pg', () => {
    expect(isTransientDatabaseError(prismaRaw('40P01', 'TransactionWriteConflict'))).toBe(true);
    expect(isTransientDatabaseError(pgError('40P01'))).toBe(true);
    expect(isTransientDatabaseError(pgError('40001'))).toBe(true);
  });

  it('retries a connection that was refused or dropped', () => {
    expect(isTransientDatabaseError(pgError('ECONNREFUSED'))).toBe(true);
    expect(isTransientDatabaseError(pgError('57P01'))).toBe(true);
    expect(isTransientDatabaseError(new Error('wrapper', { cause: pgError('08006') }))).toBe(true);
  });

  it('does not retry what would fail again: a unique violation, a syntax error, a plain error', () => {
    expect(isTransientDatabaseError(pgError('23505'))).toBe(false);
    expect(isTransientDatabaseError(prismaRaw('42601', 'QueryError'))).toBe(false);
    expect(isTransientDatabaseError(new Error('deadlock detected'))).toBe(false);
  });
});
