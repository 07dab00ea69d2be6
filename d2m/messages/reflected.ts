/**
 * Reflected (0x82, server to client):
 *
 *   offset 0   u8      header_length (always 16 when sent: real clients read
 *                      the envelope at offset 16 whatever this says)
 *   offset 1   u8      reserved
 *   offset 2   u16 LE  flags (0x0001 ephemeral)
 *   offset 4   u32 LE  reflected_id (per device slot, wraps at 2^32)
 *   offset 8   u64 LE  timestamp: when the reflection was stored (Unix ms)
 *   offset HL  ...     envelope, exactly as the sender reflected it
 */
import { readU16LE, readU32LE, writeU16LE, writeU32LE, writeU53LE } from '../bytes.js';
import { PAYLOAD_MAX_BYTE_LENGTH } from '../frame.js';
import {
    checkTimestamp,
    checkU16,
    checkU32,
    ensureHeader,
    FLAG_EPHEMERAL,
    invalidStruct,
    readTimestamp,
} from './struct.js';

export const NAME = 'Reflected';
export const HEADER_BYTE_LENGTH = 16;
/** 65516: the largest envelope that fits a Reflected, and so the largest a mediator accepts. */
export const ENVELOPE_MAX_BYTE_LENGTH = PAYLOAD_MAX_BYTE_LENGTH - HEADER_BYTE_LENGTH;

export interface Type {
    readonly flags: number;
    readonly reflectedId: number;
    readonly timestamp: number;
    /** A view into the frame; copy it to keep it. */
    readonly envelope: Uint8Array;
}

export function isEphemeral(message: Pick<Type, 'flags'>): boolean {
    return (message.flags & FLAG_EPHEMERAL) !== 0;
}

export function decode(payload: Uint8Array): Type {
    const headerLength = ensureHeader(NAME, payload, HEADER_BYTE_LENGTH);
    return {
        flags: readU16LE(payload, 2),
        reflectedId: readU32LE(payload, 4),
        timestamp: readTimestamp(NAME, payload, 8),
        envelope: payload.subarray(headerLength),
    };
}

/** Writes the 16-byte header into `target` (at least 16 bytes). Used to build frames without copies. */
export function writeHeader(target: Uint8Array, message: Omit<Type, 'envelope'>): void {
    checkU16(NAME, 'flags', message.flags);
    checkU32(NAME, 'reflected_id', message.reflectedId);
    checkTimestamp(NAME, message.timestamp);
    target[0] = HEADER_BYTE_LENGTH;
    target[1] = 0;
    writeU16LE(target, 2, message.flags);
    writeU32LE(target, 4, message.reflectedId);
    writeU53LE(target, 8, message.timestamp);
}

export function encode(message: Type): Uint8Array {
    if (message.envelope.byteLength > ENVELOPE_MAX_BYTE_LENGTH) {
        throw invalidStruct(NAME, `envelope of ${message.envelope.byteLength} bytes is too long`);
    }
    const payload = new Uint8Array(HEADER_BYTE_LENGTH + message.envelope.byteLength);
    writeHeader(payload, message);
    payload.set(message.envelope, HEADER_BYTE_LENGTH);
    return payload;
}
