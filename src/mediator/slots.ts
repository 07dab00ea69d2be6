/**
 * Slot-level operations shared by login, reflection, device management and
 * the sweeper: effective policy, closing a device wherever it is connected,
 * dropping slots, and handling queue overflow. Each declares the few stores
 * and settings it uses.
 */
import { CloseCode, type DeviceId } from '../../d2m/index.js';
import type { MediatorConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import type { DeviceGroupStore } from '../storage/device-group-store.js';
import type { GroupCoordinator } from '../storage/group-coordinator.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';
import { shortGroupId, type ConnectionId, type GroupId, type SlotPolicy } from '../storage/types.js';

/** What `effectivePolicy` reads. */
export interface PolicyPorts {
    readonly backend: { readonly groups: Pick<DeviceGroupStore, 'getPolicyOverride'> };
    readonly config: Pick<MediatorConfig, 'policy'>;
}

/** What `closeDevice` reads and publishes. */
export interface CloseDevicePorts {
    readonly backend: { readonly coordinator: Pick<GroupCoordinator, 'listPresence' | 'publish'> };
    /** Unix ms. */
    now(): number;
}

/** What `dropSlot` changes. */
export interface DropSlotPorts extends CloseDevicePorts {
    readonly backend: CloseDevicePorts['backend'] & {
        readonly groups: Pick<DeviceGroupStore, 'dropSlot'>;
        readonly queue: Pick<ReflectionQueue, 'removeSlot'>;
    };
}

/** What `handleOverflow` changes and reports. */
export interface OverflowPorts extends CloseDevicePorts {
    readonly backend: CloseDevicePorts['backend'] & { readonly groups: Pick<DeviceGroupStore, 'addTombstone'> };
    readonly metrics: Pick<MediatorMetricsHooks, 'queueOverflowed'>;
    readonly logger: Logger;
}

/** The group's policy: global defaults merged with the operator's override. */
export async function effectivePolicy(ports: PolicyPorts, groupId: GroupId): Promise<SlotPolicy> {
    const override = await ports.backend.groups.getPolicyOverride(groupId);
    return { ...ports.config.policy, ...override };
}

/**
 * Closes the device's live connection (on whichever node holds it) with
 * `code`. `except` names a connection that is closed by its own session.
 */
export async function closeDevice(
    ports: CloseDevicePorts,
    groupId: GroupId,
    deviceId: DeviceId,
    code: CloseCode,
    except?: ConnectionId,
): Promise<void> {
    const { coordinator } = ports.backend;
    const presence = await coordinator.listPresence(groupId, ports.now());
    for (const entry of presence) {
        if (entry.deviceId !== deviceId || entry.connectionId === except) continue;
        await coordinator.publish(groupId, {
            type: 'kick',
            deviceId,
            connectionId: entry.connectionId,
            code,
        });
    }
}

/** Drops a slot for good (DropDevice, eviction): record, queue, and the live connection (4113). */
export async function dropSlot(
    ports: DropSlotPorts,
    groupId: GroupId,
    deviceId: DeviceId,
    except?: ConnectionId,
): Promise<void> {
    await ports.backend.groups.dropSlot(groupId, deviceId);
    await ports.backend.queue.removeSlot(groupId, deviceId);
    await closeDevice(ports, groupId, deviceId, CloseCode.DEVICE_DROPPED, except);
}

/**
 * Slots whose queue overflowed were already removed from the fan-out by the
 * queue; record their tombstones and close them with 4114.
 */
export async function handleOverflow(
    ports: OverflowPorts,
    groupId: GroupId,
    overflowed: readonly DeviceId[],
    policy: SlotPolicy,
): Promise<void> {
    ports.metrics.queueOverflowed(overflowed.length);
    for (const deviceId of overflowed) {
        await ports.backend.groups.addTombstone(groupId, deviceId, ports.now() + policy.tombstoneTtlMs);
        await closeDevice(ports, groupId, deviceId, CloseCode.REFLECTION_QUEUE_LIMIT_REACHED);
        ports.logger.info('slot dropped: reflection queue limit reached', {
            group: shortGroupId(groupId),
            device: deviceId,
        });
    }
}
