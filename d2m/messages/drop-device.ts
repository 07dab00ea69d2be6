/** DropDevice (0x32, client to server): drop a device slot, possibly the sender's own. */
import { decodeWith, encode as encodeFields, type Type as DeviceIdMessage } from './device-id-message.js';
import { pb } from './protobuf.js';

export const NAME = 'DropDevice';
export type Type = DeviceIdMessage;

export function decode(payload: Uint8Array): Type {
    return decodeWith(NAME, pb.DropDevice, payload);
}

export function encode(message: Type): Uint8Array {
    return encodeFields(message);
}
