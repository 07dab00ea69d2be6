/**
 * GetDevicesInfo: every slot of the group with its connection state, encoded
 * for both protocol revisions by d2m's DevicesInfo codec.
 */
import type { DeviceId, DevicesInfo } from '../../d2m/index.js';
import type { GroupId } from '../storage/types.js';
import type { MediatorContext } from './context.js';

export async function devicesInfo(ctx: MediatorContext, groupId: GroupId): Promise<DevicesInfo.Type> {
    const [slots, presence] = await Promise.all([
        ctx.backend.groups.listSlots(groupId),
        ctx.backend.coordinator.listPresence(groupId, ctx.now()),
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
