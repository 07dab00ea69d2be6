/**
 * GetDevicesInfo: every slot of the group with its connection state, encoded
 * for both protocol revisions by d2m's DevicesInfo codec.
 */
import type { DeviceId, DevicesInfo } from '../../d2m/index.js';
import type { DeviceGroupStore } from '../storage/device-group-store.js';
import type { GroupCoordinator } from '../storage/group-coordinator.js';
import type { GroupId } from '../storage/types.js';

/** What `devicesInfo` reads. */
export interface DevicesInfoPorts {
    readonly backend: {
        readonly groups: Pick<DeviceGroupStore, 'listSlots'>;
        readonly coordinator: Pick<GroupCoordinator, 'listPresence'>;
    };
    /** Unix ms. */
    now(): number;
}

export async function devicesInfo(ports: DevicesInfoPorts, groupId: GroupId): Promise<DevicesInfo.Type> {
    const [slots, presence] = await Promise.all([
        ports.backend.groups.listSlots(groupId),
        ports.backend.coordinator.listPresence(groupId, ports.now()),
    ]);
    const online = new Map(presence.map((entry) => [entry.deviceId, entry]));
    const devices = new Map<DeviceId, DevicesInfo.AugmentedDeviceInfo>();
    for (const slot of slots) {
        const live = online.get(slot.deviceId);
        devices.set(slot.deviceId, {
            encryptedDeviceInfo: slot.encryptedDeviceInfo,
            deviceSlotExpirationPolicy: slot.expirationPolicy,
            connectionState:
                live !== undefined
                    ? { type: 'connected', connectedSince: live.connectedSince }
                    : {
                          type: 'disconnected',
                          lastLoginAt: slot.lastLoginAt,
                          lastDisconnectAt: slot.lastDisconnectAt ?? slot.lastLoginAt,
                      },
        });
    }
    return { devices };
}
