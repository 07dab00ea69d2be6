/** DropDeviceAck (0x33, server to client): the slot is gone (or never existed). */
import { decodeWith, encode as encodeFields, type Type as DeviceIdMessage } from './device-id-message.js';
import { pb } from './protobuf.js';

export const NAME = 'DropDeviceAck';
export type Type = DeviceIdMessage;

export function decode(payload: Uint8Array): Type {
    return decodeWith(NAME, pb.DropDeviceAck, payload);
}

export function encode(message: Type): Uint8Array {
    return encodeFields(message);
}
