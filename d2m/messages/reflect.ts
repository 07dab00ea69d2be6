/**
 * Reflect (0x80, client to server):
 *
 *   offset 0  u8      header_length (8 when sent; at least 8 on input)
 *   offset 1  u8      reserved
 *   offset 2  u16 LE  flags (0x0001 ephemeral; the seed revision sends 0)
 *   offset 4  u32 LE  reflect_id (per connection, for the ack)
 *   offset HL ...     envelope: 24-byte nonce and secretbox, opaque to the mediator
 *
 * The envelope is read at `payload[header_length:]` so headers may grow.
 */
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../bytes.js';
import { checkU16, checkU32, ensureHeader, FLAG_EPHEMERAL, invalidStruct } from './struct.js';
import { PAYLOAD_MAX_BYTE_LENGTH } from '../frame.js';

export const NAME = 'Reflect';
export const HEADER_BYTE_LENGTH = 8;
/** The most a Reflect can carry; the mediator only accepts what fits a Reflected (65516). */
export const ENVELOPE_MAX_BYTE_LENGTH = PAYLOAD_MAX_BYTE_LENGTH - HEADER_BYTE_LENGTH;

export interface Type {
    readonly flags: number;
    readonly reflectId: number;
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
        reflectId: readU32LE(payload, 4),
        envelope: payload.subarray(headerLength),
    };
}

export function encode(message: Type): Uint8Array {
    checkU16(NAME, 'flags', message.flags);
    checkU32(NAME, 'reflect_id', message.reflectId);
    if (message.envelope.byteLength > ENVELOPE_MAX_BYTE_LENGTH) {
        throw invalidStruct(NAME, `envelope of ${message.envelope.byteLength} bytes is too long`);
    }
    const payload = new Uint8Array(HEADER_BYTE_LENGTH + message.envelope.byteLength);
    payload[0] = HEADER_BYTE_LENGTH;
    writeU16LE(payload, 2, message.flags);
    writeU32LE(payload, 4, message.reflectId);
    payload.set(message.envelope, HEADER_BYTE_LENGTH);
    return payload;
}
