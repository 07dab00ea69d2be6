/**
 * ClientHello (0x11, client to server): challenge response and login data.
 *
 * `expectedDeviceSlotState` (field 7) exists only in the current revision. It
 * is decoded presence-aware: `undefined` means the field was not on the wire
 * (a seed client), which the server must not treat as NEW.
 */
import { u64ToProtobuf } from '../bytes.js';
import type { DeviceId } from '../types.js';
import {
    DEVICE_SLOT_EXPIRATION_POLICIES,
    DEVICE_SLOT_STATES,
    DEVICE_SLOTS_EXHAUSTED_POLICIES,
    type DeviceSlotExpirationPolicy,
    type DeviceSlotsExhaustedPolicy,
    type DeviceSlotState,
} from './enums.js';
import { decodeProtobuf, deviceIdFromProtobuf, ensureEnum, ensureLength, ensureU32, finish, pb } from './protobuf.js';

export const NAME = 'ClientHello';
/** 24-byte nonce, 16-byte MAC and the 32-byte challenge. */
export const RESPONSE_BYTE_LENGTH = 72;

export interface Type {
    readonly version: number;
    readonly response: Uint8Array;
    readonly deviceId: DeviceId;
    readonly deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy;
    readonly deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy;
    /** Encrypted d2d.DeviceInfo, opaque to the mediator. */
    readonly encryptedDeviceInfo: Uint8Array;
    /** `undefined` when field 7 was absent on the wire. */
    readonly expectedDeviceSlotState: DeviceSlotState | undefined;
}

export function decode(payload: Uint8Array): Type {
    const raw = decodeProtobuf(NAME, payload, (bytes) => pb.ClientHello.decode(bytes));
    const expected = raw.expectedDeviceSlotState;
    return {
        version: ensureU32(NAME, 'version', raw.version),
        response: ensureLength(NAME, 'response', raw.response, RESPONSE_BYTE_LENGTH),
        deviceId: deviceIdFromProtobuf(raw.deviceId),
        deviceSlotsExhaustedPolicy: ensureEnum(
            NAME,
            'device_slots_exhausted_policy',
            raw.deviceSlotsExhaustedPolicy,
            DEVICE_SLOTS_EXHAUSTED_POLICIES,
        ),
        deviceSlotExpirationPolicy: ensureEnum(
            NAME,
            'device_slot_expiration_policy',
            raw.deviceSlotExpirationPolicy,
            DEVICE_SLOT_EXPIRATION_POLICIES,
        ),
        encryptedDeviceInfo: raw.encryptedDeviceInfo,
        expectedDeviceSlotState:
            expected === null || expected === undefined
                ? undefined
                : ensureEnum(NAME, 'expected_device_slot_state', expected, DEVICE_SLOT_STATES),
    };
}

export function encode(message: Type): Uint8Array {
    return finish(
        pb.ClientHello.encode({
            version: message.version,
            response: message.response,
            deviceId: u64ToProtobuf(message.deviceId),
            deviceSlotsExhaustedPolicy: message.deviceSlotsExhaustedPolicy,
            deviceSlotExpirationPolicy: message.deviceSlotExpirationPolicy,
            encryptedDeviceInfo: message.encryptedDeviceInfo,
            ...(message.expectedDeviceSlotState === undefined
                ? {}
                : { expectedDeviceSlotState: message.expectedDeviceSlotState }),
        }),
    );
}
