/**
 * fast-check arbitraries for every D2M message, for round-trip and decoder
 * robustness properties.
 */
import fc from 'fast-check';
import {
    D2mPayloadType,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotState,
    ensureDeviceId,
    type D2mMessage,
    type DeviceId,
    type DevicesInfo,
} from '../../d2m/index.js';

export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const timestamp = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
export const deviceId: fc.Arbitrary<DeviceId> = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(ensureDeviceId);
export const bytes = (maxLength = 64): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
export const bytesOf = (length: number): fc.Arbitrary<Uint8Array> =>
    fc.uint8Array({ minLength: length, maxLength: length });

const expirationPolicy = fc.constantFrom(DeviceSlotExpirationPolicy.VOLATILE, DeviceSlotExpirationPolicy.PERSISTENT);
const slotState = fc.constantFrom(DeviceSlotState.NEW, DeviceSlotState.EXISTING);

const augmentedDeviceInfo: fc.Arbitrary<DevicesInfo.AugmentedDeviceInfo> = fc.record({
    encryptedDeviceInfo: bytes(),
    deviceSlotExpirationPolicy: expirationPolicy,
    connectionState: fc.oneof(
        fc.record({ type: fc.constant('connected' as const), connectedSince: timestamp }),
        fc.record({ type: fc.constant('disconnected' as const), lastDisconnectAt: timestamp, lastLoginAt: timestamp }),
    ),
});

const empty = fc.constant({});

/** One arbitrary per payload type, keyed by type, so a test can cover them all. */
export const MESSAGE_ARBITRARIES: ReadonlyMap<D2mPayloadType, fc.Arbitrary<D2mMessage>> = new Map<
    D2mPayloadType,
    fc.Arbitrary<D2mMessage>
>([
    [D2mPayloadType.PROXY, bytes(256).map((body) => ({ type: D2mPayloadType.PROXY, body }))],
    [
        D2mPayloadType.SERVER_HELLO,
        fc
            .record({ version: u32, esk: bytesOf(32), challenge: bytesOf(32) })
            .map((body) => ({ type: D2mPayloadType.SERVER_HELLO, body })),
    ],
    [
        D2mPayloadType.CLIENT_HELLO,
        fc
            .record({
                version: u32,
                response: bytesOf(72),
                deviceId,
                deviceSlotsExhaustedPolicy: fc.constantFrom(
                    DeviceSlotsExhaustedPolicy.REJECT,
                    DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
                ),
                deviceSlotExpirationPolicy: expirationPolicy,
                encryptedDeviceInfo: bytes(),
                expectedDeviceSlotState: fc.option(slotState, { nil: undefined }),
            })
            .map((body) => ({ type: D2mPayloadType.CLIENT_HELLO, body })),
    ],
    [
        D2mPayloadType.SERVER_INFO,
        fc
            .record({
                maxDeviceSlots: u32,
                deviceSlotState: slotState,
                encryptedSharedDeviceData: bytes(),
                currentTime: timestamp,
                reflectionQueueLength: u32,
            })
            .map((body) => ({ type: D2mPayloadType.SERVER_INFO, body })),
    ],
    [D2mPayloadType.REFLECTION_QUEUE_DRY, empty.map((body) => ({ type: D2mPayloadType.REFLECTION_QUEUE_DRY, body }))],
    [
        D2mPayloadType.ROLE_PROMOTED_TO_LEADER,
        empty.map((body) => ({ type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body })),
    ],
    [D2mPayloadType.GET_DEVICES_INFO, empty.map((body) => ({ type: D2mPayloadType.GET_DEVICES_INFO, body }))],
    [
        D2mPayloadType.DEVICES_INFO,
        fc
            .uniqueArray(fc.tuple(deviceId, augmentedDeviceInfo), { selector: ([id]) => id, maxLength: 8 })
            .map((entries) => ({ type: D2mPayloadType.DEVICES_INFO, body: { devices: new Map(entries) } })),
    ],
    [D2mPayloadType.DROP_DEVICE, fc.record({ deviceId }).map((body) => ({ type: D2mPayloadType.DROP_DEVICE, body }))],
    [
        D2mPayloadType.DROP_DEVICE_ACK,
        fc.record({ deviceId }).map((body) => ({ type: D2mPayloadType.DROP_DEVICE_ACK, body })),
    ],
    [
        D2mPayloadType.SET_SHARED_DEVICE_DATA,
        fc
            .record({ encryptedSharedDeviceData: bytes() })
            .map((body) => ({ type: D2mPayloadType.SET_SHARED_DEVICE_DATA, body })),
    ],
    [
        D2mPayloadType.BEGIN_TRANSACTION,
        fc
            .record({ encryptedScope: bytes(), ttl: u32 })
            .map((body) => ({ type: D2mPayloadType.BEGIN_TRANSACTION, body })),
    ],
    [D2mPayloadType.BEGIN_TRANSACTION_ACK, empty.map((body) => ({ type: D2mPayloadType.BEGIN_TRANSACTION_ACK, body }))],
    [D2mPayloadType.COMMIT_TRANSACTION, empty.map((body) => ({ type: D2mPayloadType.COMMIT_TRANSACTION, body }))],
    [
        D2mPayloadType.COMMIT_TRANSACTION_ACK,
        empty.map((body) => ({ type: D2mPayloadType.COMMIT_TRANSACTION_ACK, body })),
    ],
    [
        D2mPayloadType.TRANSACTION_REJECTED,
        fc
            .record({ deviceId, encryptedScope: bytes() })
            .map((body) => ({ type: D2mPayloadType.TRANSACTION_REJECTED, body })),
    ],
    [
        D2mPayloadType.TRANSACTION_ENDED,
        fc
            .record({ deviceId, encryptedScope: bytes() })
            .map((body) => ({ type: D2mPayloadType.TRANSACTION_ENDED, body })),
    ],
    [
        D2mPayloadType.REFLECT,
        fc
            .record({ flags: u16, reflectId: u32, envelope: bytes(512) })
            .map((body) => ({ type: D2mPayloadType.REFLECT, body })),
    ],
    [
        D2mPayloadType.REFLECT_ACK,
        fc.record({ reflectId: u32, timestamp }).map((body) => ({ type: D2mPayloadType.REFLECT_ACK, body })),
    ],
    [
        D2mPayloadType.REFLECTED,
        fc
            .record({ flags: u16, reflectedId: u32, timestamp, envelope: bytes(512) })
            .map((body) => ({ type: D2mPayloadType.REFLECTED, body })),
    ],
    [
        D2mPayloadType.REFLECTED_ACK,
        fc.record({ reflectedId: u32 }).map((body) => ({ type: D2mPayloadType.REFLECTED_ACK, body })),
    ],
]);

export const anyMessage: fc.Arbitrary<D2mMessage> = fc.oneof(...MESSAGE_ARBITRARIES.values());
