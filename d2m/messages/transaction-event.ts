/**
 * The shape shared by TransactionRejected (0x44) and TransactionEnded (0x45):
 * the lock holder's device id and its encrypted scope, as it sent it.
 */
import { u64ToProtobuf } from '../bytes.js';
import type { DeviceId } from '../types.js';
import type { pb } from './protobuf.js';
import { decodeProtobuf, deviceIdFromProtobuf, finish } from './protobuf.js';

export interface Type {
    /** The device that holds (Rejected) or held (Ended) the lock. */
    readonly deviceId: DeviceId;
    /** That device's encrypted d2d.TransactionScope. */
    readonly encryptedScope: Uint8Array;
}

type Codec = typeof pb.TransactionRejected | typeof pb.TransactionEnded;

export function decodeWith(name: string, codec: Codec, payload: Uint8Array): Type {
    const raw = decodeProtobuf(name, payload, (bytes) => codec.decode(bytes));
    return { deviceId: deviceIdFromProtobuf(raw.deviceId), encryptedScope: raw.encryptedScope };
}

export function encodeWith(codec: Codec, message: Type): Uint8Array {
    return finish(codec.encode({ deviceId: u64ToProtobuf(message.deviceId), encryptedScope: message.encryptedScope }));
}
