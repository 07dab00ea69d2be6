/**
 * How domain values are stored in PostgreSQL.
 *
 * - Device id (u64): a `bigint` column holding the id's two's complement bit
 *   pattern, so ids from 2^63 up are stored negative. Chosen over
 *   `numeric(20)` for 8-byte keys and plain integer comparisons; SQL that
 *   needs unsigned order sorts by `device_id < 0, device_id`.
 * - Group id: the 32 bytes as `bytea` (SQL converts with decode/encode 'hex').
 * - Bytes: `bytea`. Times: `bigint` Unix ms (read back as decimal strings).
 */
import { ensureDeviceId, type DeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../errors.js';
import { ensureGroupId, type GroupId } from '../types.js';

export function deviceIdToDb(deviceId: DeviceId): bigint {
    return BigInt.asIntN(64, deviceId);
}

/** `deviceIdToDb` as a decimal string, for a parameter the driver binds (`$n::bigint`). */
export function deviceIdParam(deviceId: DeviceId): string {
    return BigInt.asIntN(64, deviceId).toString();
}

export function deviceIdFromDb(value: string | number | bigint): DeviceId {
    return ensureDeviceId(BigInt.asUintN(64, BigInt(value)));
}

export function groupIdFromDb(value: string): GroupId {
    return ensureGroupId(value);
}

/** A view of the bytes as a Buffer, which pg-promise formats as a bytea literal. */
export function bytesToDb(bytes: Uint8Array): Buffer {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array copy of a bytea value. */
export function bytesFromDb(value: Buffer): Uint8Array {
    return new Uint8Array(value);
}

/** Unix ms for a bigint column: whole milliseconds, unbounded values clamped. */
export function msToDb(value: number): number {
    if (Number.isNaN(value)) throw new StorageError('a time is NaN', { retryable: false });
    if (value >= Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    if (value <= Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
    return Math.trunc(value);
}

export function msFromDb(value: string | number): number {
    return Number(value);
}
