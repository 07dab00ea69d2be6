/**
 * Transaction-lock operations shared by sessions and group maintenance.
 */
import type { GroupId } from '../storage/types.js';
import type { MediatorContext } from './context.js';
import { effectivePolicy, handleOverflow } from './slots.js';

/**
 * Ends a lock whose holder did not release it before it expired (its node
 * died, or it is about to be closed with 4011), or, with `alsoWhenHolderGone`,
 * whose holder's presence is gone (its node died): delivers the reflections held
 * for it, then releases it with TransactionEnded to every device. Fenced by
 * the lock's token, so it never touches a later grant. Resolves whether a
 * lock was ended.
 */
export async function endExpiredLock(
    ctx: MediatorContext,
    groupId: GroupId,
    now: number,
    options: { readonly alsoWhenHolderGone?: boolean } = {},
): Promise<boolean> {
    const { coordinator, queue } = ctx.backend;
    const lock = await coordinator.getLockRecord(groupId);
    if (lock === undefined) return false;
    if (lock.expiresAt > now) {
        if (options.alsoWhenHolderGone !== true) return false;
        // A holder whose presence is gone lived on a node that died: its lock is abandoned too.
        const presence = await coordinator.listPresence(groupId, now);
        if (presence.some((entry) => entry.connectionId === lock.connectionId)) return false;
    }
    const policy = await effectivePolicy(ctx, groupId);
    const released = await queue.releaseHeld(groupId, lock.token, {
        maxCount: policy.queueMaxCount,
        maxBytes: policy.queueMaxBytes,
    });
    if (released.overflowed.length > 0) await handleOverflow(ctx, groupId, released.overflowed, policy);
    const ended = await coordinator.endTransaction(groupId, lock.connectionId, lock.token);
    if (ended !== undefined) {
        ctx.metrics.lockExpired();
        ctx.logger.info('expired transaction lock ended', { group: groupId.slice(0, 8), device: lock.deviceId });
    }
    return ended !== undefined;
}
