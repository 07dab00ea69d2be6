/** SetSharedDeviceData (0x34, client to server): replace the group's shared device data. */
import { decodeProtobuf, finish, pb } from './protobuf.js';

export const NAME = 'SetSharedDeviceData';

export interface Type {
    /** Encrypted d2d.SharedDeviceData, opaque to the mediator. */
    readonly encryptedSharedDeviceData: Uint8Array;
}

export function decode(payload: Uint8Array): Type {
    const raw = decodeProtobuf(NAME, payload, (bytes) => pb.SetSharedDeviceData.decode(bytes));
    return { encryptedSharedDeviceData: raw.encryptedSharedDeviceData };
}

export function encode(message: Type): Uint8Array {
    return finish(pb.SetSharedDeviceData.encode({ encryptedSharedDeviceData: message.encryptedSharedDeviceData }));
}
