/**
 * Slot-level operations shared by login, reflection, device management and
 * the sweeper: effective policy, closing a device wherever it is connected,
 * dropping slots, and handling queue overflow.
 */
import { CloseCode, type DeviceId } from '../../d2m/index.js';
import type { ConnectionId, GroupId, SlotPolicy } from '../storage/types.js';
import type { MediatorContext } from './context.js';

/** The group's policy: global defaults merged with the operator's override. */
export async function effectivePolicy(ctx: MediatorContext, groupId: GroupId): Promise<SlotPolicy> {
    const override = await ctx.backend.groups.getPolicyOverride(groupId);
    return { ...ctx.config.policy, ...override };
}

/**
 * Closes the device's live connection (on whichever node holds it) with
 * `code`. `except` names a connection that is closed by its own session.
 */
export async function closeDevice(
    ctx: MediatorContext,
    groupId: GroupId,
    deviceId: DeviceId,
    code: CloseCode,
    except?: ConnectionId,
): Promise<void> {
    const presence = await ctx.backend.coordinator.listPresence(groupId, ctx.now());
    for (const entry of presence) {
        if (entry.deviceId !== deviceId || entry.connectionId === except) continue;
        await ctx.backend.coordinator.publish(groupId, {
            type: 'kick',
            deviceId,
            connectionId: entry.connectionId,
            code,
        });
    }
}

/** Drops a slot for good (DropDevice, eviction): record, queue, and the live connection (4113). */
export async function dropSlot(
    ctx: MediatorContext,
    groupId: GroupId,
    deviceId: DeviceId,
    except?: ConnectionId,
): Promise<void> {
    await ctx.backend.groups.dropSlot(groupId, deviceId);
    await ctx.backend.queue.removeSlot(groupId, deviceId);
    await closeDevice(ctx, groupId, deviceId, CloseCode.DEVICE_DROPPED, except);
}

/**
 * Slots whose queue overflowed were already removed from the fan-out by the
 * queue; record their tombstones and close them with 4114.
 */
export async function handleOverflow(
    ctx: MediatorContext,
    groupId: GroupId,
    overflowed: readonly DeviceId[],
    policy: SlotPolicy,
): Promise<void> {
    ctx.metrics.queueOverflowed(overflowed.length);
    for (const deviceId of overflowed) {
        await ctx.backend.groups.addTombstone(groupId, deviceId, ctx.now() + policy.tombstoneTtlMs);
        await closeDevice(ctx, groupId, deviceId, CloseCode.REFLECTION_QUEUE_LIMIT_REACHED);
        ctx.logger.info('slot dropped: reflection queue limit reached', {
            group: groupId.slice(0, 8),
            device: deviceId,
        });
    }
}
