/**
 * Device fleets for the benchmark: device group keys derived up front (so
 * no scenario times the key derivation), device SDK connections with
 * bounded concurrency, and closing many clients at once.
 */
import { randomBytes } from 'node:crypto';
import { deriveDeviceGroupKeys, type DeviceGroupKeys } from '../../d2d/index.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { DeviceClient } from '../../src/device/index.js';

/** Server group every benchmark device names in its ClientUrlInfo. */
export const SERVER_GROUP = '4f';

/** Keys for `count` new device groups. */
export function newGroupKeys(count: number): DeviceGroupKeys[] {
    const keys: DeviceGroupKeys[] = [];
    for (let i = 0; i < count; i++) keys.push(deriveDeviceGroupKeys(sodiumCryptoBackend, randomBytes(32)));
    return keys;
}

/** One device of a group through the device SDK (full handshake; resolves on ServerInfo). */
export function connectDevice(url: string, keys: DeviceGroupKeys, deviceId: number): Promise<DeviceClient> {
    return DeviceClient.connect({
        url,
        keys,
        serverGroup: SERVER_GROUP,
        deviceId: BigInt(deviceId),
        crypto: sodiumCryptoBackend,
    });
}

/** Runs `task` for every item with at most `concurrency` running at a time; results in item order. */
export async function mapBounded<T, R>(
    items: readonly T[],
    concurrency: number,
    task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        for (let index = next++; index < items.length; index = next++) {
            results[index] = await task(items[index]!, index);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
    return results;
}

/** Closes every client and waits for each connection to end (failures ignored). */
export async function closeAll(clients: readonly DeviceClient[]): Promise<void> {
    await Promise.allSettled(clients.map((client) => client.close()));
}

/** `(group, device)` pairs: `groups` groups of device ids 1..`devicesPerGroup`. */
export function devicePlan(
    groupKeys: readonly DeviceGroupKeys[],
    devicesPerGroup: number,
    total: number,
): { readonly keys: DeviceGroupKeys; readonly deviceId: number }[] {
    const plan: { keys: DeviceGroupKeys; deviceId: number }[] = [];
    for (let i = 0; i < total; i++) {
        const group = Math.floor(i / devicesPerGroup);
        plan.push({ keys: groupKeys[group]!, deviceId: (i % devicesPerGroup) + 1 });
    }
    return plan;
}
