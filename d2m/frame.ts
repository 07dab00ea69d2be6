/**
 * The 4-byte D2M container: one WebSocket message is exactly one frame.
 *
 *   offset 0  u8       payload type
 *   offset 1  3 bytes  reserved (written as zeros, ignored on input)
 *   offset 4  ...      payload, 0 to 65532 bytes
 */
import { D2mProtocolError } from './errors.js';
import type { D2mPayloadType } from './payload-type.js';
import { isPayloadType } from './payload-type.js';

export const FRAME_HEADER_BYTE_LENGTH = 4;
export const FRAME_MIN_BYTE_LENGTH = 4;
export const FRAME_MAX_BYTE_LENGTH = 65536;
export const PAYLOAD_MAX_BYTE_LENGTH = FRAME_MAX_BYTE_LENGTH - FRAME_HEADER_BYTE_LENGTH;

export interface D2mFrame {
    readonly type: D2mPayloadType;
    /** A view into the frame's bytes; copy it to keep it beyond the frame's lifetime. */
    readonly payload: Uint8Array;
}

/** Splits a frame into type and payload. Throws {@link D2mProtocolError} only. */
export function decodeFrame(frame: Uint8Array): D2mFrame {
    if (frame.byteLength < FRAME_MIN_BYTE_LENGTH) {
        throw new D2mProtocolError('frame-too-short', `frame of ${frame.byteLength} bytes is shorter than its header`);
    }
    if (frame.byteLength > FRAME_MAX_BYTE_LENGTH) {
        throw new D2mProtocolError(
            'frame-too-long',
            `frame of ${frame.byteLength} bytes exceeds ${FRAME_MAX_BYTE_LENGTH} bytes`,
        );
    }
    const type = frame[0]!;
    if (!isPayloadType(type)) {
        throw new D2mProtocolError(
            'unknown-payload-type',
            `unknown payload type 0x${type.toString(16).padStart(2, '0')}`,
        );
    }
    return { type, payload: frame.subarray(FRAME_HEADER_BYTE_LENGTH) };
}

/** Builds a frame from a type and a payload. Throws when the payload is too long. */
export function encodeFrame(type: D2mPayloadType, payload: Uint8Array): Uint8Array {
    if (payload.byteLength > PAYLOAD_MAX_BYTE_LENGTH) {
        throw new D2mProtocolError(
            'frame-too-long',
            `payload of ${payload.byteLength} bytes exceeds ${PAYLOAD_MAX_BYTE_LENGTH} bytes`,
        );
    }
    const frame = new Uint8Array(FRAME_HEADER_BYTE_LENGTH + payload.byteLength);
    frame[0] = type;
    frame.set(payload, FRAME_HEADER_BYTE_LENGTH);
    return frame;
}
