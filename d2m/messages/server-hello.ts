/**
 * ServerHello (0x10, server to client): the authentication challenge.
 * Field 2 is `esk` (the seed revision calls it `tpk`; same bytes).
 */
import { KEY_BYTE_LENGTH } from '../types.js';
import { decodeProtobuf, ensureLength, ensureU32, pb, runtime } from './protobuf.js';

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
 * leave a zero version out), as ServerInfo does.
 */
export function encode(message: Type): Uint8Array {
    return runtime.Writer.create()
        .uint32(/* field 1, varint */ 8)
        .uint32(message.version)
        .uint32(/* field 2, length-delimited */ 18)
        .bytes(message.esk)
        .uint32(/* field 3, length-delimited */ 26)
        .bytes(message.challenge)
        .finish();
}
