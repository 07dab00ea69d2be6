/**
 * Error taxonomy of the protocol library. Every error carries a stable
 * string `code` (see docs/protocol.md, "Error codes") and an optional
 * `cause`. Messages never contain key material or payload bytes.
 *
 * The library never maps errors to close codes itself: the session boundary
 * (server or client) does that in one place.
 */

/** Base class of every error this project raises on purpose. */
export class D2mError extends Error {
    public readonly code: string;

    public constructor(code: string, message: string, options?: { readonly cause?: unknown }) {
        super(message, options);
        this.code = code;
        this.name = new.target.name;
    }
}

/** Stable codes of {@link D2mProtocolError}. */
export const PROTOCOL_ERROR_CODES = [
    /** A frame shorter than the 4-byte container header. */
    'frame-too-short',
    /** A frame longer than 65536 bytes. */
    'frame-too-long',
    /** A payload type that is not in the protocol. */
    'unknown-payload-type',
    /** A struct payload (Reflect, ReflectAck, Reflected, ReflectedAck) of the wrong size or shape. */
    'invalid-struct',
    /** Bytes that are not a valid protobuf message. */
    'invalid-protobuf',
    /** A well-formed message whose field has a bad length, range or enum value. */
    'invalid-field',
    /** A URL path that does not carry a valid ClientUrlInfo. */
    'invalid-client-url-info',
    /** A message that is valid on its own but not allowed in the current state. */
    'unexpected-message',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

/** The protocol an error is about: device to mediator (d2m/) or device to device (d2d/, client side only). */
export type ProtocolName = 'd2m' | 'd2d';

/**
 * The peer (or the input) broke the protocol. Decoders throw only this, for
 * any input whatsoever. `protocol` says which one: d2m frames and messages,
 * or the d2d payloads inside them (which only devices read).
 */
export class D2mProtocolError extends D2mError {
    declare public readonly code: ProtocolErrorCode;
    public readonly protocol: ProtocolName;

    public constructor(
        code: ProtocolErrorCode,
        message: string,
        options?: { readonly cause?: unknown; readonly protocol?: ProtocolName },
    ) {
        super(code, message, options);
        this.protocol = options?.protocol ?? 'd2m';
    }
}

/** Stable codes of {@link D2mCryptoError}. */
export const CRYPTO_ERROR_CODES = ['decryption-failed', 'invalid-key', 'invalid-input'] as const;

export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

/** Decryption or key handling failed. Never carries key material. */
export class D2mCryptoError extends D2mError {
    declare public readonly code: CryptoErrorCode;

    public constructor(code: CryptoErrorCode, message: string, options?: { readonly cause?: unknown }) {
        super(code, message, options);
    }
}

/** For exhaustive switches: compile error when a case is missing. */
export function unreachable(value: never, message = 'unreachable code reached'): never {
    throw new Error(`${message}: ${String(value)}`);
}
