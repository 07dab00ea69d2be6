/**
 * Transaction-lock operations shared by sessions and group maintenance.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { TransactionLock } from '../storage/group-coordinator.js';
import type { ConnectionId, GroupId } from '../storage/types.js';
import type { MediatorContext } from './context.js';
import { effectivePolicy, handleOverflow } from './slots.js';

/**
 * Ends a lock whose holder did not release it before it expired (its node
 * died, or it is about to be closed with 4011), or, with `alsoWhenHolderGone`,
 * whose holder's presence is gone (its node died): delivers the reflections held
 * for it, then releases it with TransactionEnded to every device. Fenced by
 * the lock's token, so it never touches a later grant. Then delivers what
 * is still held for any lock that ended otherwise (`releaseStaleHeld`).
 * Resolves whether a lock was ended.
 */
export async function endExpiredLock(
    ctx: MediatorContext,
    groupId: GroupId,
    now: number,
    options: { readonly alsoWhenHolderGone?: boolean } = {},
): Promise<boolean> {
    const ended = await endAbandonedLock(ctx, groupId, now, options);
    // Whatever else ended a lock without its release (a takeover after expiry, the
    // lock key's safety expiry, a crash between two steps), its held items go out now.
    await releaseStaleHeld(ctx, groupId, now);
    return ended;
}

/**
 * Delivers the reflections held for every token that is no longer the
 * group's current lock (see ReflectionQueue.staleHeldTokens), so no
 * acknowledged reflection stays held for a lock that ended. Reads the
 * group's policy only when there is something to release. Resolves the
 * number of items released.
 */
export async function releaseStaleHeld(ctx: MediatorContext, groupId: GroupId, now: number): Promise<number> {
    const { queue } = ctx.backend;
    const stale = await queue.staleHeldTokens(groupId, now);
    if (stale.length === 0) return 0;
    const policy = await effectivePolicy(ctx, groupId);
    const limits = { maxCount: policy.queueMaxCount, maxBytes: policy.queueMaxBytes };
    let released = 0;
    for (const token of stale) {
        const result = await queue.releaseHeld(groupId, token, limits);
        if (result.overflowed.length > 0) await handleOverflow(ctx, groupId, result.overflowed, policy);
        released += result.released;
    }
    ctx.logger.info('held reflections of ended locks delivered', { group: groupId.slice(0, 8), released });
    return released;
}

async function endAbandonedLock(
    ctx: MediatorContext,
    groupId: GroupId,
    now: number,
    options: { readonly alsoWhenHolderGone?: boolean },
): Promise<boolean> {
    const { coordinator } = ctx.backend;
    const lock = await coordinator.getLockRecord(groupId);
    if (lock === undefined) return false;
    if (lock.expiresAt > now) {
        if (options.alsoWhenHolderGone !== true) return false;
        // A holder whose presence is gone lived on a node that died: its lock is abandoned too.
        const presence = await coordinator.listPresence(groupId, now);
        if (presence.some((entry) => entry.connectionId === lock.connectionId)) return false;
    }
    return releaseLock(ctx, groupId, lock);
}

/**
 * Ends a lock that `deviceId` still holds under an older connection (one
 * that ended without releasing it, e.g. while storage was unreachable, or on
 * a node that died). Called when the device logs in again, before its new
 * connection may reflect: the reflections held for the old connection are
 * delivered first, so the device's reflections stay in order.
 */
export async function endLockOfOldConnection(
    ctx: MediatorContext,
    groupId: GroupId,
    deviceId: DeviceId,
    connectionId: ConnectionId,
): Promise<boolean> {
    const lock = await ctx.backend.coordinator.getLockRecord(groupId);
    if (lock === undefined || lock.deviceId !== deviceId || lock.connectionId === connectionId) return false;
    return releaseLock(ctx, groupId, lock);
}

async function releaseLock(ctx: MediatorContext, groupId: GroupId, lock: TransactionLock): Promise<boolean> {
    const { coordinator, queue } = ctx.backend;
    const policy = await effectivePolicy(ctx, groupId);
    const released = await queue.releaseHeld(groupId, lock.token, {
        maxCount: policy.queueMaxCount,
        maxBytes: policy.queueMaxBytes,
    });
    if (released.overflowed.length > 0) await handleOverflow(ctx, groupId, released.overflowed, policy);
    const ended = await coordinator.endTransaction(groupId, lock.connectionId, lock.token);
    if (ended !== undefined) {
        ctx.metrics.lockExpired();
        ctx.logger.info('abandoned transaction lock ended', { group: groupId.slice(0, 8), device: lock.deviceId });
    }
    return ended !== undefined;
}
