/**
 * The one mapping from PostgreSQL and pg-promise failures to `StorageError`.
 */
import pgPromise from 'pg-promise';
import { StorageError } from '../../errors.js';

/** SQLSTATE classes and codes after which the same call may succeed later. */
const RETRYABLE_SQLSTATE = /^(08|53|57P0[123]|40001|40P01|55P03)/u;

/** Socket errors (ECONNREFUSED, ...) and the driver's messages for lost or unobtainable connections. */
function isConnectionError(error: unknown, code: unknown): boolean {
    if (error instanceof pgPromise.errors.QueryResultError) return false;
    if (typeof code === 'string' && code.startsWith('E')) return true;
    const message = error instanceof Error ? error.message : '';
    return /connection|terminat|timeout/iu.test(message);
}

export function toPgStorageError(what: string, error: unknown): StorageError {
    if (error instanceof StorageError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    // A SQLSTATE is five characters and no SQLSTATE class starts with E (errno names such as EPIPE do).
    const sqlState = typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/u.test(code) ? code : undefined;
    const retryable = sqlState === undefined ? isConnectionError(error, code) : RETRYABLE_SQLSTATE.test(sqlState);
    return new StorageError(`${what} failed: ${message}`, { cause: error, retryable });
}
