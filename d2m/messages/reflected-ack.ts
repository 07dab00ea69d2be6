/**
 * ReflectedAck (0x83, client to server), exactly 8 bytes:
 *
 *   offset 0  4 bytes  reserved (zeros)
 *   offset 4  u32 LE   reflected_id, copied from the Reflected
 */
import { readU32LE, writeU32LE } from '../bytes.js';
import { checkU32, ensureExactLength } from './struct.js';

export const NAME = 'ReflectedAck';
export const BYTE_LENGTH = 8;

export interface Type {
    readonly reflectedId: number;
}

export function decode(payload: Uint8Array): Type {
    ensureExactLength(NAME, payload, BYTE_LENGTH);
    return { reflectedId: readU32LE(payload, 4) };
}

export function encode(message: Type): Uint8Array {
    checkU32(NAME, 'reflected_id', message.reflectedId);
    const payload = new Uint8Array(BYTE_LENGTH);
    writeU32LE(payload, 4, message.reflectedId);
    return payload;
}
