/**
 * Internal helpers for the d2d message files: decoding that turns any
 * protobufjs failure into a {@link D2mProtocolError}, and random padding.
 */
import type { CryptoBackend } from '../d2m/index.js';
import { d2dProtocolError } from './errors.js';
import { d2d } from './generated/d2d.js';

export { d2d as pb };

/** The largest padding any d2d message carries. */
export const PADDING_MAX_BYTE_LENGTH = 255;

/** Runs a generated decoder; any exception becomes an `invalid-protobuf` protocol error. */
export function decodeProtobuf<T>(name: string, bytes: Uint8Array, decode: (bytes: Uint8Array) => T): T {
    try {
        return decode(bytes);
    } catch (error) {
        throw d2dProtocolError('invalid-protobuf', `${name}: malformed protobuf`, { cause: error });
    }
}

/** A uniformly random integer in 0..255. */
export function randomU8(crypto: CryptoBackend): number {
    return crypto.randomBytes(1)[0] ?? 0;
}

/** Checks a padding length given by a caller: an integer in 0..255. */
export function ensurePaddingLength(name: string, byteLength: number): number {
    if (!Number.isInteger(byteLength) || byteLength < 0 || byteLength > PADDING_MAX_BYTE_LENGTH) {
        throw d2dProtocolError(
            'invalid-field',
            `${name}.padding length must be an integer in 0..${PADDING_MAX_BYTE_LENGTH}`,
        );
    }
    return byteLength;
}
