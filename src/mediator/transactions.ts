/**
 * The transaction lock's one release path, and the two ways the mediator
 * ends a lock its holder's connection did not release (the holder's node
 * died, or the device logged in again). A live holder releases its lock
 * through its DeviceConnection (device-connection.ts), which calls
 * `releaseLock` too.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { GroupCoordinator, TransactionLock } from '../storage/group-coordinator.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';
import { shortGroupId, type ConnectionId, type GroupId, type SlotPolicy } from '../storage/types.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import { effectivePolicy, handleOverflow, type OverflowPorts, type PolicyPorts } from './slots.js';

/** What releasing a lock changes. */
export interface ReleaseLockPorts extends OverflowPorts {
    readonly backend: OverflowPorts['backend'] & {
        readonly queue: Pick<ReflectionQueue, 'releaseHeld'>;
        readonly coordinator: Pick<GroupCoordinator, 'endTransaction'>;
    };
}

/** What delivering the held reflections of ended locks reads and changes. */
export interface StaleHeldPorts extends ReleaseLockPorts, PolicyPorts {
    readonly backend: ReleaseLockPorts['backend'] &
        PolicyPorts['backend'] & { readonly queue: Pick<ReflectionQueue, 'staleHeldTokens'> };
}

/** What ending an abandoned lock reads and changes. */
export interface AbandonedLockPorts extends StaleHeldPorts {
    readonly backend: StaleHeldPorts['backend'] & {
        readonly coordinator: Pick<GroupCoordinator, 'getLockRecord' | 'listPresence'>;
    };
    readonly metrics: ReleaseLockPorts['metrics'] & Pick<MediatorMetricsHooks, 'lockExpired'>;
}

/**
 * Releases the lock granted to `lock.connectionId` under `lock.token`:
 * delivers the reflections held for it (slots that overflow are tombstoned
 * and closed with 4114), then ends it, which publishes TransactionEnded to
 * every device. Fenced by the token, so it never touches a later grant.
 * Resolves whether the lock was still held and is now ended.
 */
export async function releaseLock(
    ports: ReleaseLockPorts,
    groupId: GroupId,
    lock: Pick<TransactionLock, 'connectionId' | 'token'>,
    policy: SlotPolicy,
): Promise<boolean> {
    const { queue, coordinator } = ports.backend;
    const released = await queue.releaseHeld(groupId, lock.token, {
        maxCount: policy.queueMaxCount,
        maxBytes: policy.queueMaxBytes,
    });
    if (released.overflowed.length > 0) await handleOverflow(ports, groupId, released.overflowed, policy);
    const ended = await coordinator.endTransaction(groupId, lock.connectionId, lock.token);
    return ended !== undefined;
}

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
    ports: AbandonedLockPorts,
    groupId: GroupId,
    now: number,
    options: { readonly alsoWhenHolderGone?: boolean } = {},
): Promise<boolean> {
    const ended = await endExpiredLockOnly(ports, groupId, now, options);
    // Whatever else ended a lock without its release (a takeover after expiry, the
    // lock key's safety expiry, a crash between two steps), its held items go out now.
    await releaseStaleHeld(ports, groupId, now);
    return ended;
}

async function endExpiredLockOnly(
    ports: AbandonedLockPorts,
    groupId: GroupId,
    now: number,
    options: { readonly alsoWhenHolderGone?: boolean },
): Promise<boolean> {
    const { coordinator } = ports.backend;
    const lock = await coordinator.getLockRecord(groupId);
    if (lock === undefined) return false;
    if (lock.expiresAt > now) {
        if (options.alsoWhenHolderGone !== true) return false;
        // A holder whose presence is gone lived on a node that died: its lock is abandoned too.
        const presence = await coordinator.listPresence(groupId, now);
        if (presence.some((entry) => entry.connectionId === lock.connectionId)) return false;
    }
    return endAbandonedLock(ports, groupId, lock);
}

/**
 * Delivers the reflections held for every token that is no longer the
 * group's current lock (see ReflectionQueue.staleHeldTokens), so no
 * acknowledged reflection stays held for a lock that ended. Reads the
 * group's policy only when there is something to release. Resolves the
 * number of items released.
 */
export async function releaseStaleHeld(ports: StaleHeldPorts, groupId: GroupId, now: number): Promise<number> {
    const { queue } = ports.backend;
    const stale = await queue.staleHeldTokens(groupId, now);
    if (stale.length === 0) return 0;
    const policy = await effectivePolicy(ports, groupId);
    const limits = { maxCount: policy.queueMaxCount, maxBytes: policy.queueMaxBytes };
    let released = 0;
    for (const token of stale) {
        const result = await queue.releaseHeld(groupId, token, limits);
        if (result.overflowed.length > 0) await handleOverflow(ports, groupId, result.overflowed, policy);
        released += result.released;
    }
    ports.logger.info('held reflections of ended locks delivered', { group: shortGroupId(groupId), released });
    return released;
}

/**
 * Ends a lock that `deviceId` still holds under an older connection (one
 * that ended without releasing it, e.g. while storage was unreachable, or on
 * a node that died). Called when the device logs in again, before its new
 * connection may reflect: the reflections held for the old connection are
 * delivered first, so the device's reflections stay in order.
 */
export async function endLockOfOldConnection(
    ports: AbandonedLockPorts,
    groupId: GroupId,
    deviceId: DeviceId,
    connectionId: ConnectionId,
): Promise<boolean> {
    const lock = await ports.backend.coordinator.getLockRecord(groupId);
    if (lock === undefined || lock.deviceId !== deviceId || lock.connectionId === connectionId) return false;
    return endAbandonedLock(ports, groupId, lock);
}

async function endAbandonedLock(ports: AbandonedLockPorts, groupId: GroupId, lock: TransactionLock): Promise<boolean> {
    const policy = await effectivePolicy(ports, groupId);
    const ended = await releaseLock(ports, groupId, lock, policy);
    if (ended) {
        ports.metrics.lockExpired();
        ports.logger.info('abandoned transaction lock ended', { group: shortGroupId(groupId), device: lock.deviceId });
    }
    return ended;
}
