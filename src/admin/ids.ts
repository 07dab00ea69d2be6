/**
 * Device group ids and device ids as the admin API reads and writes them.
 *
 * - Device group id: the 64 hex characters of the 32-byte id (either case
 *   on input, lowercase on output).
 * - Device id (a u64): a decimal string on output (JSON numbers cannot hold
 *   every u64), with `deviceIdHex` beside it (16 hex digits, as in the
 *   logs). On input: decimal, or `0x` followed by 1 to 16 hex digits.
 */
import { ensureDeviceId, type DeviceId } from '../../d2m/index.js';
import { deviceIdHex, ensureGroupId, type GroupId } from '../storage/types.js';
import { HttpError } from './http.js';

export function parseGroupId(text: string): GroupId {
    const lower = text.toLowerCase();
    if (!/^[0-9a-f]{64}$/u.test(lower)) {
        throw new HttpError(400, 'invalid-group-id', 'a device group id is 64 hex characters (the 32-byte id)', {
            value: text.slice(0, 80),
        });
    }
    return ensureGroupId(lower);
}

export function parseDeviceId(text: string): DeviceId {
    let value: bigint | undefined;
    if (/^[0-9]{1,20}$/u.test(text)) value = BigInt(text);
    else if (/^0x[0-9a-fA-F]{1,16}$/u.test(text)) value = BigInt(text);
    try {
        if (value !== undefined) return ensureDeviceId(value);
    } catch {
        // Out of the u64 range: reported below.
    }
    throw new HttpError(400, 'invalid-device-id', 'a device id is a u64: decimal, or 0x and 1 to 16 hex digits', {
        value: text.slice(0, 40),
    });
}

/** `{ deviceId, deviceIdHex }` for a JSON answer. */
export function deviceIdFields(deviceId: DeviceId): { readonly deviceId: string; readonly deviceIdHex: string } {
    return { deviceId: deviceId.toString(10), deviceIdHex: deviceIdHex(deviceId) };
}

/** Unix ms as an ISO 8601 string, `null` when unknown. */
export function isoTime(ms: number | undefined): string | null {
    return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}
