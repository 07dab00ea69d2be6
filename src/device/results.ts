/**
 * Client-side views of mediator answers that carry encrypted data: the
 * device list of DevicesInfo with each device's info decrypted.
 */
import type { CryptoBackend, DeviceId, DeviceSlotExpirationPolicy, DevicesInfo } from '../../d2m/index.js';
import { decryptDeviceInfo, type DeviceGroupKeys, type DeviceInfo } from '../../d2d/index.js';

/** One device slot of the group, as DevicesInfo reports it. */
export interface DeviceSlotInfo {
    /** The decrypted device info, or `undefined` when it cannot be decrypted. */
    readonly deviceInfo: DeviceInfo | undefined;
    readonly encryptedDeviceInfo: Uint8Array;
    readonly deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy;
    /** Connected since, or last login and last disconnect (Unix milliseconds). */
    readonly connectionState: DevicesInfo.ConnectionState;
}

function tryDecryptDeviceInfo(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    encrypted: Uint8Array,
): DeviceInfo | undefined {
    try {
        return decryptDeviceInfo(crypto, keys, encrypted);
    } catch {
        return undefined;
    }
}

/** Decrypts every entry of a DevicesInfo. */
export function decodeDevices(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    info: DevicesInfo.Type,
): ReadonlyMap<DeviceId, DeviceSlotInfo> {
    const devices = new Map<DeviceId, DeviceSlotInfo>();
    for (const [deviceId, entry] of info.devices) {
        devices.set(deviceId, {
            deviceInfo: tryDecryptDeviceInfo(crypto, keys, entry.encryptedDeviceInfo),
            encryptedDeviceInfo: entry.encryptedDeviceInfo,
            deviceSlotExpirationPolicy: entry.deviceSlotExpirationPolicy,
            connectionState: entry.connectionState,
        });
    }
    return devices;
}
