/**
 * DevicesInfo (0x31, server to client): every device slot of the group.
 *
 * Wire encoding serves both revisions: field 2 carries the connection time of
 * an online device, or the last login of an offline one; field 4 (last
 * disconnect) follows it for offline devices only. A current client's oneof
 * `connection_state` keeps the last of the two on the wire, so it reads
 * "disconnected"; a seed client reads field 2 as `last_login_at`.
 *
 * Decoding: field 4 present means disconnected; otherwise field 2 is the
 * connection time.
 */
import { u64ToProtobuf } from '../bytes.js';
import { D2mProtocolError } from '../errors.js';
import type { DeviceId } from '../types.js';
import { DEVICE_SLOT_EXPIRATION_POLICIES, type DeviceSlotExpirationPolicy } from './enums.js';
import { decodeProtobuf, deviceIdFromProtobuf, ensureEnum, ensureTimestamp, pb, runtime } from './protobuf.js';
import type { d2m } from '../generated/d2m.js';
import Long from 'long';

export const NAME = 'DevicesInfo';

export type ConnectionState =
    | { readonly type: 'connected'; readonly connectedSince: number }
    | { readonly type: 'disconnected'; readonly lastDisconnectAt: number; readonly lastLoginAt: number };

export interface AugmentedDeviceInfo {
    /** Encrypted d2d.DeviceInfo from the device's latest ClientHello. */
    readonly encryptedDeviceInfo: Uint8Array;
    readonly deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy;
    readonly connectionState: ConnectionState;
}

export interface Type {
    readonly devices: ReadonlyMap<DeviceId, AugmentedDeviceInfo>;
}

/** protobufjs keys 64-bit map entries by an 8-character binary hash, or "0" for an absent key. */
function keyToDeviceId(key: string): DeviceId {
    if (key.length === 8) {
        const bits = runtime.util.LongBits.fromHash(key);
        return deviceIdFromProtobuf(Long.fromBits(bits.lo, bits.hi, true));
    }
    if (/^[0-9]+$/u.test(key)) return deviceIdFromProtobuf(Long.fromString(key, true));
    throw new D2mProtocolError('invalid-field', `${NAME}.augmented_device_info has a malformed key`);
}

function decodeEntry(raw: d2m.DevicesInfo.AugmentedDeviceInfo): AugmentedDeviceInfo {
    const field = 'augmented_device_info';
    const field2 = ensureTimestamp(NAME, `${field}.connected_since`, raw.connectedSince);
    const lastDisconnect = raw.lastDisconnectAt;
    return {
        encryptedDeviceInfo: raw.encryptedDeviceInfo,
        deviceSlotExpirationPolicy: ensureEnum(
            NAME,
            `${field}.device_slot_expiration_policy`,
            raw.deviceSlotExpirationPolicy,
            DEVICE_SLOT_EXPIRATION_POLICIES,
        ),
        connectionState:
            lastDisconnect === null || lastDisconnect === undefined
                ? { type: 'connected', connectedSince: field2 }
                : {
                      type: 'disconnected',
                      lastDisconnectAt: ensureTimestamp(NAME, `${field}.last_disconnect_at`, lastDisconnect),
                      lastLoginAt: field2,
                  },
    };
}

export function decode(payload: Uint8Array): Type {
    const raw = decodeProtobuf(NAME, payload, (bytes) => pb.DevicesInfo.decode(bytes));
    const devices = new Map<DeviceId, AugmentedDeviceInfo>();
    for (const [key, entry] of Object.entries(raw.augmentedDeviceInfo)) {
        // Decoded entries are instances with every default filled in.
        devices.set(keyToDeviceId(key), decodeEntry(entry as d2m.DevicesInfo.AugmentedDeviceInfo));
    }
    return { devices };
}

export function encode(message: Type): Uint8Array {
    // Map entries are written by hand (as the generated encoder does) so that
    // 64-bit keys never go through protobufjs' string keys.
    const writer = runtime.Writer.create();
    for (const [deviceId, info] of message.devices) {
        const state = info.connectionState;
        const entry: d2m.DevicesInfo.AugmentedDeviceInfo.$Properties = {
            encryptedDeviceInfo: info.encryptedDeviceInfo,
            connectedSince: state.type === 'connected' ? state.connectedSince : state.lastLoginAt,
            deviceSlotExpirationPolicy: info.deviceSlotExpirationPolicy,
            ...(state.type === 'disconnected' ? { lastDisconnectAt: state.lastDisconnectAt } : {}),
        };
        writer.uint32(/* field 1, length-delimited */ 10).fork();
        writer.uint32(/* key: field 1, fixed64 */ 9).fixed64(u64ToProtobuf(deviceId));
        pb.DevicesInfo.AugmentedDeviceInfo.encode(entry, writer.uint32(/* value: field 2 */ 18).fork()).ldelim();
        writer.ldelim();
    }
    return writer.finish();
}
