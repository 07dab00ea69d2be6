/**
 * Shared checks for the four struct (non-protobuf) payloads. All integers are
 * little-endian; timestamps are u64 Unix milliseconds.
 */
import { isSafeU53, isU16, isU32, readU53LE } from '../bytes.js';
import { D2mProtocolError } from '../errors.js';

/** Flag bit in Reflect/Reflected: deliver only to devices connected now; never acked. */
export const FLAG_EPHEMERAL = 0x0001;

export function invalidStruct(name: string, problem: string): D2mProtocolError {
    return new D2mProtocolError('invalid-struct', `${name}: ${problem}`);
}

export function ensureExactLength(name: string, payload: Uint8Array, byteLength: number): void {
    if (payload.byteLength !== byteLength) {
        throw invalidStruct(name, `expected ${byteLength} bytes, got ${payload.byteLength}`);
    }
}

/**
 * Checks a header that starts with its own length (u8, counting itself) and
 * returns the header length; the envelope starts there.
 */
export function ensureHeader(name: string, payload: Uint8Array, minHeaderLength: number): number {
    if (payload.byteLength < minHeaderLength) {
        throw invalidStruct(name, `expected at least ${minHeaderLength} header bytes, got ${payload.byteLength}`);
    }
    const headerLength = payload[0]!;
    if (headerLength < minHeaderLength) {
        throw invalidStruct(name, `header length ${headerLength} is below ${minHeaderLength}`);
    }
    if (headerLength > payload.byteLength) {
        throw invalidStruct(name, `header length ${headerLength} exceeds the payload (${payload.byteLength} bytes)`);
    }
    return headerLength;
}

export function readTimestamp(name: string, payload: Uint8Array, offset: number): number {
    const value = readU53LE(payload, offset);
    if (value === undefined) throw invalidStruct(name, 'timestamp exceeds 2^53 - 1');
    return value;
}

export function checkU16(name: string, field: string, value: number): void {
    if (!isU16(value)) throw invalidStruct(name, `${field} is not a u16`);
}

export function checkU32(name: string, field: string, value: number): void {
    if (!isU32(value)) throw invalidStruct(name, `${field} is not a u32`);
}

export function checkTimestamp(name: string, value: number): void {
    if (!isSafeU53(value)) throw invalidStruct(name, 'timestamp is not a non-negative safe integer');
}
