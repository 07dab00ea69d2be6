/**
 * ServerInfo (0x12, server to client): the first non-Proxy frame after
 * ClientHello. The mediator always writes all five fields, zeros included; seed clients skip
 * fields 4 and 5. A decoder reads absent fields as zero.
 */
import { DEVICE_SLOT_STATES, type DeviceSlotState } from './enums.js';
import { decodeProtobuf, ensureEnum, ensureTimestamp, ensureU32, pb, runtime } from './protobuf.js';

export const NAME = 'ServerInfo';

export interface Type {
    readonly maxDeviceSlots: number;
    readonly deviceSlotState: DeviceSlotState;
    /** Encrypted d2d.SharedDeviceData, or empty. */
    readonly encryptedSharedDeviceData: Uint8Array;
    /** Server time, Unix milliseconds. */
    readonly currentTime: number;
    /** Reflections queued for this slot, all sent before ReflectionQueueDry. */
    readonly reflectionQueueLength: number;
}

export function decode(payload: Uint8Array): Type {
    const raw = decodeProtobuf(NAME, payload, (bytes) => pb.ServerInfo.decode(bytes));
    return {
        maxDeviceSlots: ensureU32(NAME, 'max_device_slots', raw.maxDeviceSlots),
        deviceSlotState: ensureEnum(NAME, 'device_slot_state', raw.deviceSlotState, DEVICE_SLOT_STATES),
        encryptedSharedDeviceData: raw.encryptedSharedDeviceData,
        currentTime: ensureTimestamp(NAME, 'current_time', raw.currentTime),
        reflectionQueueLength: ensureU32(NAME, 'reflection_queue_length', raw.reflectionQueueLength),
    };
}

/**
 * Writes all five fields, zero values included (the generated encoder would
 * leave zeros out), so that every client sees each field on the wire.
 */
export function encode(message: Type): Uint8Array {
    return runtime.Writer.create()
        .uint32(/* field 1, varint */ 8)
        .uint32(message.maxDeviceSlots)
        .uint32(/* field 2, varint */ 16)
        .int32(message.deviceSlotState)
        .uint32(/* field 3, length-delimited */ 26)
        .bytes(message.encryptedSharedDeviceData)
        .uint32(/* field 4, varint */ 32)
        .uint64(message.currentTime)
        .uint32(/* field 5, varint */ 40)
        .uint32(message.reflectionQueueLength)
        .finish();
}
