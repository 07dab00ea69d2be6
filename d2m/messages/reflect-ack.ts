/**
 * ReflectAck (0x81, server to client), exactly 16 bytes:
 *
 *   offset 0  4 bytes  reserved (zeros)
 *   offset 4  u32 LE   reflect_id, copied from the Reflect
 *   offset 8  u64 LE   timestamp: when the reflection was stored (Unix ms)
 */
import { readU32LE, writeU32LE, writeU53LE } from '../bytes.js';
import { checkTimestamp, checkU32, ensureExactLength, readTimestamp } from './struct.js';

export const NAME = 'ReflectAck';
export const BYTE_LENGTH = 16;

export interface Type {
    readonly reflectId: number;
    readonly timestamp: number;
}

export function decode(payload: Uint8Array): Type {
    ensureExactLength(NAME, payload, BYTE_LENGTH);
    return { reflectId: readU32LE(payload, 4), timestamp: readTimestamp(NAME, payload, 8) };
}

/**
 * Writes the 16 bytes into `target` (at least 16 bytes, its first 4 already
 * zero). Used to build frames without copies.
 */
export function write(target: Uint8Array, message: Type): void {
    checkU32(NAME, 'reflect_id', message.reflectId);
    checkTimestamp(NAME, message.timestamp);
    writeU32LE(target, 4, message.reflectId);
    writeU53LE(target, 8, message.timestamp);
}

export function encode(message: Type): Uint8Array {
    const payload = new Uint8Array(BYTE_LENGTH);
    write(payload, message);
    return payload;
}
