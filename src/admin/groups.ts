/**
 * What the admin API reads and does to device groups, over the same
 * storage and group operations the sessions use, so a change made here
 * reaches devices on every node: dropping a slot closes its device with
 * 4113 wherever it is connected (through the group bus), and deleting a
 * group closes all of its devices first.
 */
import { CloseCode, DeviceSlotExpirationPolicy, type DeviceId } from '../../d2m/index.js';
import type { AdminPorts } from './ports.js';
import { closeDevice, dropSlot, effectivePolicy } from '../mediator/slots.js';
import type { Presence } from '../storage/group-coordinator.js';
import { shortGroupId, type GroupId } from '../storage/types.js';
import { HttpError } from './http.js';
import { deviceIdFields, isoTime } from './ids.js';

/** Groups listed per page by default, and at most. */
export const LIST_LIMIT_DEFAULT = 100;
export const LIST_LIMIT_MAX = 1000;
/** How long deleting a group waits for its devices' connections to end before deleting their data. */
const DELETE_WAIT_MS = 5_000;
const DELETE_POLL_MS = 25;

function expirationPolicyName(policy: DeviceSlotExpirationPolicy): 'volatile' | 'persistent' {
    return policy === DeviceSlotExpirationPolicy.VOLATILE ? 'volatile' : 'persistent';
}

function onlineView(presence: Presence | undefined): Record<string, unknown> | null {
    if (presence === undefined) return null;
    return {
        nodeId: presence.nodeId,
        connectionId: presence.connectionId,
        connectedSince: isoTime(presence.connectedSince),
        eligibleForLeader: presence.eligible,
        proxyActive: presence.proxyActive,
    };
}

/** One page of device groups (those with at least one slot), ordered by id. */
export async function listGroups(
    ctx: AdminPorts,
    options: { readonly limit: number; readonly after: GroupId | undefined },
): Promise<Record<string, unknown>> {
    const all = [...(await ctx.backend.groups.listGroups())].sort();
    const start = options.after === undefined ? 0 : all.findIndex((groupId) => groupId > options.after!);
    const page = start < 0 ? [] : all.slice(start, start + options.limit);
    const now = ctx.now();
    const groups = await Promise.all(
        page.map(async (groupId) => {
            const [slots, presence, leader] = await Promise.all([
                ctx.backend.groups.listSlots(groupId),
                ctx.backend.coordinator.listPresence(groupId, now),
                ctx.backend.coordinator.getLeader(groupId),
            ]);
            return {
                groupId,
                slots: slots.length,
                online: presence.length,
                leader: leader === undefined ? null : deviceIdFields(leader.deviceId).deviceId,
            };
        }),
    );
    const last = page.at(-1);
    const more = start >= 0 && start + options.limit < all.length;
    return { groups, total: all.length, next: more && last !== undefined ? last : null };
}

/** Everything about one group; 404 when it has no slot, no live device and no policy override. */
export async function showGroup(ctx: AdminPorts, groupId: GroupId): Promise<Record<string, unknown>> {
    const { groups, queue, coordinator } = ctx.backend;
    const now = ctx.now();
    const [slots, presence, leader, lock, override, policy] = await Promise.all([
        groups.listSlots(groupId),
        coordinator.listPresence(groupId, now),
        coordinator.getLeader(groupId),
        coordinator.getLockRecord(groupId),
        groups.getPolicyOverride(groupId),
        effectivePolicy(ctx, groupId),
    ]);
    if (slots.length === 0 && presence.length === 0 && Object.keys(override).length === 0) {
        throw new HttpError(404, 'group-not-found', 'no such device group (no slots, no connected devices)');
    }
    const online = new Map(presence.map((entry) => [entry.deviceId, entry]));
    const connectionNode = new Map(presence.map((entry) => [entry.connectionId, entry.nodeId]));
    const stats = await Promise.all(slots.map((slot) => queue.stats(groupId, slot.deviceId)));
    const slotViews = slots.map((slot, index) => {
        const queued = stats[index]!;
        return {
            ...deviceIdFields(slot.deviceId),
            expirationPolicy: expirationPolicyName(slot.expirationPolicy),
            createdAt: isoTime(slot.createdAt),
            lastLoginAt: isoTime(slot.lastLoginAt),
            lastDisconnectAt: isoTime(slot.lastDisconnectAt),
            online: onlineView(online.get(slot.deviceId)),
            queue: {
                length: queued.count,
                bytes: queued.bytes,
                oldestUnackedAgeMs:
                    queued.oldestTimestamp === undefined ? null : Math.max(0, now - queued.oldestTimestamp),
            },
            leader: leader?.deviceId === slot.deviceId,
            lockHolder: lock !== undefined && lock.expiresAt > now && lock.deviceId === slot.deviceId,
        };
    });
    const slotIds = new Set<DeviceId>(slots.map((slot) => slot.deviceId));
    return {
        groupId,
        policy: { override, effective: policy },
        leader:
            leader === undefined
                ? null
                : {
                      ...deviceIdFields(leader.deviceId),
                      connectionId: leader.connectionId,
                      nodeId: connectionNode.get(leader.connectionId) ?? null,
                      term: leader.term,
                  },
        lock:
            lock === undefined
                ? null
                : {
                      ...deviceIdFields(lock.deviceId),
                      connectionId: lock.connectionId,
                      nodeId: connectionNode.get(lock.connectionId) ?? null,
                      expiresAt: isoTime(lock.expiresAt),
                      expired: lock.expiresAt <= now,
                  },
        slots: slotViews,
        // A device between login steps (or whose slot was just dropped) can be online without a slot.
        onlineWithoutSlot: presence
            .filter((entry) => !slotIds.has(entry.deviceId))
            .map((entry) => ({ ...deviceIdFields(entry.deviceId), online: onlineView(entry) })),
    };
}

/**
 * Drops one slot: its record, its queue, and its live connection (4113 on
 * whichever node holds it). 404 when the device has neither a slot nor a
 * live connection.
 */
export async function dropGroupSlot(
    ctx: AdminPorts,
    groupId: GroupId,
    deviceId: DeviceId,
): Promise<Record<string, unknown>> {
    const [slot, presence] = await Promise.all([
        ctx.backend.groups.getSlot(groupId, deviceId),
        ctx.backend.coordinator.listPresence(groupId, ctx.now()),
    ]);
    const live = presence.find((entry) => entry.deviceId === deviceId);
    if (slot === undefined && live === undefined) {
        throw new HttpError(404, 'slot-not-found', 'the device group has no slot for this device id');
    }
    await dropSlot(ctx, groupId, deviceId);
    return {
        groupId,
        ...deviceIdFields(deviceId),
        dropped: slot !== undefined,
        closedConnection: live === undefined ? null : { nodeId: live.nodeId, connectionId: live.connectionId },
    };
}

/**
 * Deletes a device group entirely. Its live devices are closed with 4113
 * first and given a moment to end (their sessions release the lock and the
 * leader role and unregister), then its slots, shared data, policy override,
 * tombstones and queues are deleted. Devices that connected meanwhile are
 * closed too. The group's fencing counters stay, as they must.
 */
export async function deleteGroup(ctx: AdminPorts, groupId: GroupId): Promise<Record<string, unknown>> {
    const { groups, queue, coordinator } = ctx.backend;
    const [slots, members, override, before] = await Promise.all([
        groups.listSlots(groupId),
        queue.listSlots(groupId),
        groups.getPolicyOverride(groupId),
        coordinator.listPresence(groupId, ctx.now()),
    ]);
    if (slots.length === 0 && members.length === 0 && before.length === 0 && Object.keys(override).length === 0) {
        throw new HttpError(404, 'group-not-found', 'no such device group (no slots, no connected devices)');
    }
    const closed = new Set<string>();
    const closeAll = async (): Promise<readonly Presence[]> => {
        const presence = await coordinator.listPresence(groupId, ctx.now());
        for (const entry of presence) {
            if (closed.has(entry.connectionId)) continue;
            closed.add(entry.connectionId);
            await closeDevice(ctx, groupId, entry.deviceId, CloseCode.DEVICE_DROPPED);
        }
        return presence;
    };
    await closeAll();
    const deadline = Date.now() + DELETE_WAIT_MS;
    while ((await coordinator.listPresence(groupId, ctx.now())).length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, DELETE_POLL_MS));
    }
    await groups.deleteGroup(groupId);
    await queue.deleteGroup(groupId);
    await closeAll();
    ctx.logger.info('device group deleted by an operator', {
        group: shortGroupId(groupId),
        slots: slots.length,
        closed: closed.size,
    });
    return { groupId, deleted: true, slots: slots.length, closedConnections: closed.size };
}
