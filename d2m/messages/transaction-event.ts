/**
 * The shape shared by TransactionRejected (0x44) and TransactionEnded (0x45):
 * the lock holder's device id and its encrypted scope, as it sent it.
 */
import { u64ToProtobuf } from '../bytes.js';
import type { DeviceId } from '../types.js';
import type { pb } from './protobuf.js';
import { decodeProtobuf, deviceIdFromProtobuf, runtime } from './protobuf.js';

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

/**
 * Writes both fields, zero values included (the generated encoder would
 * leave out device id 0 and an empty scope): current clients treat the
 * device id as required.
 */
export function encode(message: Type): Uint8Array {
    return runtime.Writer.create()
        .uint32(/* field 1, fixed64 */ 9)
        .fixed64(u64ToProtobuf(message.deviceId))
        .uint32(/* field 2, length-delimited */ 18)
        .bytes(message.encryptedScope)
        .finish();
}
