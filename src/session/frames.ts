/**
 * The frames a session sends most often, built in one piece of the frame
 * pool (src/transport/byte-pool.ts) each: they live only until uWS has
 * copied them to the socket, so a fresh ArrayBuffer per frame would cost
 * more than the frame.
 */
import { D2mPayloadType, FRAME_HEADER_BYTE_LENGTH, ReflectAck, Reflected } from '../../d2m/index.js';
import { framePool } from '../transport/byte-pool.js';

/** A Reflected frame: header and a copy of the envelope. */
export function reflectedFrame(
    flags: number,
    reflectedId: number,
    timestamp: number,
    envelope: Uint8Array,
): Uint8Array {
    const frame = framePool.alloc(FRAME_HEADER_BYTE_LENGTH + Reflected.HEADER_BYTE_LENGTH + envelope.byteLength);
    frame[0] = D2mPayloadType.REFLECTED;
    const header = frame.subarray(FRAME_HEADER_BYTE_LENGTH);
    Reflected.writeHeader(header, { flags, reflectedId, timestamp });
    frame.set(envelope, FRAME_HEADER_BYTE_LENGTH + Reflected.HEADER_BYTE_LENGTH);
    return frame;
}

/** A ReflectAck frame. */
export function reflectAckFrame(message: ReflectAck.Type): Uint8Array {
    const frame = framePool.alloc(FRAME_HEADER_BYTE_LENGTH + ReflectAck.BYTE_LENGTH);
    frame[0] = D2mPayloadType.REFLECT_ACK;
    ReflectAck.write(frame.subarray(FRAME_HEADER_BYTE_LENGTH), message);
    return frame;
}
