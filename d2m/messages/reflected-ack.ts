/**
 * ReflectedAck (0x83, client to server), exactly 8 bytes:
 *
 *   offset 0  4 bytes  reserved (zeros)
 *   offset 4  u32 LE   reflected_id, copied from the Reflected
 */
import { dataView } from '../bytes.js';
import { checkU32, ensureExactLength } from './struct.js';

export const NAME = 'ReflectedAck';
export const BYTE_LENGTH = 8;

export interface Type {
    readonly reflectedId: number;
}

export function decode(payload: Uint8Array): Type {
    const view = ensureExactLength(NAME, payload, BYTE_LENGTH);
    return { reflectedId: view.getUint32(4, true) };
}

export function encode(message: Type): Uint8Array {
    checkU32(NAME, 'reflected_id', message.reflectedId);
    const payload = new Uint8Array(BYTE_LENGTH);
    dataView(payload).setUint32(4, message.reflectedId, true);
    return payload;
}
