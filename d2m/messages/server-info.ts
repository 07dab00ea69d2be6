/**
 * ServerInfo (0x12, server to client): the first non-Proxy frame after
 * ClientHello. The mediator always writes all five fields, zeros included; seed clients skip
 * fields 4 and 5. A decoder reads absent fields as zero.
 */
import { DEVICE_SLOT_STATES, type DeviceSlotState } from './enums.js';
import { isSafeU53, isU32 } from '../bytes.js';
import {
    decodeProtobuf,
    ensureEnum,
    ensureTimestamp,
    ensureU32,
    pb,
    runtime,
    varintByteLength,
    writeBytesField,
    writeVarint,
} from './protobuf.js';

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
 * leave zeros out), so that every client sees each field on the wire. Sent
 * on every login: written directly into one exact-size array when every
 * number is in range (always, from the mediator), else through protobufjs.
 */
export function encode(message: Type): Uint8Array {
    const { maxDeviceSlots, encryptedSharedDeviceData: data, currentTime } = message;
    const queueLength = message.reflectionQueueLength;
    // A one-byte varint (the enum's values are 0 and 1).
    const deviceSlotState: number = message.deviceSlotState;
    if (
        !isU32(maxDeviceSlots) ||
        !isU32(deviceSlotState) ||
        deviceSlotState > 0x7f ||
        !isSafeU53(currentTime) ||
        !isU32(queueLength)
    ) {
        return encodeWithWriter(message);
    }
    const out = new Uint8Array(
        1 +
            varintByteLength(maxDeviceSlots) +
            2 +
            1 +
            varintByteLength(data.byteLength) +
            data.byteLength +
            1 +
            varintByteLength(currentTime) +
            1 +
            varintByteLength(queueLength),
    );
    out[0] = /* field 1, varint */ 8;
    let at = writeVarint(out, 1, maxDeviceSlots);
    out[at++] = /* field 2, varint */ 16;
    out[at++] = deviceSlotState;
    at = writeBytesField(out, at, /* field 3, length-delimited */ 26, data);
    out[at++] = /* field 4, varint */ 32;
    at = writeVarint(out, at, currentTime);
    out[at++] = /* field 5, varint */ 40;
    writeVarint(out, at, queueLength);
    return out;
}

/** The same fields through protobufjs's Writer (the reference the direct encoder matches). */
export function encodeWithWriter(message: Type): Uint8Array {
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
