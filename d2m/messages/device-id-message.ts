/**
 * The three messages that carry just a device id (field 1, fixed64):
 * DropDevice (0x32), DropDeviceAck (0x33), and the shared shape behind them.
 */
import { u64ToProtobuf } from '../bytes.js';
import type { DeviceId } from '../types.js';
import type { pb } from './protobuf.js';
import { decodeProtobuf, deviceIdFromProtobuf, runtime } from './protobuf.js';

export interface Type {
    readonly deviceId: DeviceId;
}

type Codec = typeof pb.DropDevice | typeof pb.DropDeviceAck;

export function decodeWith(name: string, codec: Codec, payload: Uint8Array): Type {
    const raw = decodeProtobuf(name, payload, (bytes) => codec.decode(bytes));
    return { deviceId: deviceIdFromProtobuf(raw.deviceId) };
}

/**
 * Writes the device id even when it is 0 (the generated encoder would leave
 * it out): current clients treat the field as required.
 */
export function encode(message: Type): Uint8Array {
    return runtime.Writer.create().uint32(/* field 1, fixed64 */ 9).fixed64(u64ToProtobuf(message.deviceId)).finish();
}
