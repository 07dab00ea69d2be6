/**
 * The six messages without fields: ReflectionQueueDry (0x20),
 * RolePromotedToLeader (0x21), GetDevicesInfo (0x30), BeginTransactionAck
 * (0x41), CommitTransaction (0x42) and CommitTransactionAck (0x43). They are
 * sent with an empty payload; on input, any valid protobuf is accepted (and
 * its unknown fields ignored), anything else is a protocol error.
 */
import { decodeProtobuf, pb } from './protobuf.js';

/** An empty message has no fields. */
export type Type = Readonly<Record<string, never>>;

export const EMPTY: Type = Object.freeze({});

export function decode(name: string, payload: Uint8Array): Type {
    if (payload.byteLength > 0) decodeProtobuf(name, payload, (bytes) => pb.GetDevicesInfo.decode(bytes));
    return EMPTY;
}

export function encode(): Uint8Array {
    return new Uint8Array(0);
}
