/**
 * ServerHello (0x10, server to client): the authentication challenge.
 * Field 2 is `esk` (the seed revision calls it `tpk`; same bytes).
 */
import { KEY_BYTE_LENGTH } from '../types.js';
import { isU32 } from '../bytes.js';
import {
    decodeProtobuf,
    ensureLength,
    ensureU32,
    pb,
    runtime,
    varintByteLength,
    writeBytesField,
    writeVarint,
} from './protobuf.js';

export const NAME = 'ServerHello';
export const CHALLENGE_BYTE_LENGTH = 32;

export interface Type {
    /** Highest protocol version the server supports. */
    readonly version: number;
    /** Ephemeral server public key, 32 bytes. */
    readonly esk: Uint8Array;
    /** 32 random bytes. */
    readonly challenge: Uint8Array;
}

export function decode(payload: Uint8Array): Type {
    const raw = decodeProtobuf(NAME, payload, (bytes) => pb.ServerHello.decode(bytes));
    return {
        version: ensureU32(NAME, 'version', raw.version),
        esk: ensureLength(NAME, 'esk', raw.esk, KEY_BYTE_LENGTH),
        challenge: ensureLength(NAME, 'challenge', raw.challenge, CHALLENGE_BYTE_LENGTH),
    };
}

/**
 * Writes all three fields, version 0 included (the generated encoder would
 * leave a zero version out), as ServerInfo does. Sent on every connection:
 * written directly into one exact-size array.
 */
export function encode(message: Type): Uint8Array {
    const { version, esk, challenge } = message;
    // A version that is no u32: whatever protobufjs makes of it, as before.
    if (!isU32(version)) return encodeWithWriter(message);
    const out = new Uint8Array(
        1 +
            varintByteLength(version) +
            1 +
            varintByteLength(esk.byteLength) +
            esk.byteLength +
            1 +
            varintByteLength(challenge.byteLength) +
            challenge.byteLength,
    );
    out[0] = /* field 1, varint */ 8;
    let at = writeVarint(out, 1, version);
    at = writeBytesField(out, at, /* field 2, length-delimited */ 18, esk);
    writeBytesField(out, at, /* field 3, length-delimited */ 26, challenge);
    return out;
}

/** The same fields through protobufjs's Writer (the reference the direct encoder matches). */
export function encodeWithWriter(message: Type): Uint8Array {
    return runtime.Writer.create()
        .uint32(/* field 1, varint */ 8)
        .uint32(message.version)
        .uint32(/* field 2, length-delimited */ 18)
        .bytes(message.esk)
        .uint32(/* field 3, length-delimited */ 26)
        .bytes(message.challenge)
        .finish();
}
