/**
 * The storage steps of a login after the slot decision (the device group
 * store's `loginSlot`), as one operation, so that a backend can run them in
 * one atomic step and one round trip (on Redis: lua/login-register.lua):
 *
 * 1. a NEW slot's queue is emptied (`ReflectionQueue.removeSlot`: whatever
 *    a crash may have left behind);
 * 2. the slot joins the group's fan-out (`ReflectionQueue.addSlot`);
 * 3. the connection's presence is registered (`GroupCoordinator.register`:
 *    an older connection of the device is replaced and kicked);
 * 4. then read: the group's lock record (`GroupCoordinator.getLockRecord`),
 *    the tokens with stale held reflections (`ReflectionQueue.staleHeldTokens`)
 *    and the slot's queue stats (`ReflectionQueue.stats`).
 *
 * The result is what those operations would answer run in this order with
 * nothing in between. A failure may leave a prefix of the steps applied (as
 * a failed step of the sequence would); the login's cleanup logs the
 * connection out again.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { GroupCoordinator, Presence, TransactionLock } from './group-coordinator.js';
import type { QueueStats, ReflectionQueue } from './reflection-queue.js';
import type { GroupId } from './types.js';

export interface LoginRegistration {
    readonly groupId: GroupId;
    /** The presence to register (its `deviceId` is the slot's). */
    readonly presence: Omit<Presence, 'eligible' | 'proxyActive'>;
    /** The slot is NEW: its queue is emptied first. */
    readonly newSlot: boolean;
    /** The caller's clock (Unix ms), for the stale held tokens. */
    readonly now: number;
}

export interface LoginRegistered {
    /** The presence the registration replaced (its connection was kicked). */
    readonly replaced: Presence | undefined;
    /** The group's lock record (expired or not), after the registration. */
    readonly lock: TransactionLock | undefined;
    /** As `ReflectionQueue.staleHeldTokens` at `now`. */
    readonly staleHeldTokens: readonly string[];
    /** The slot's queue, after the registration. */
    readonly stats: QueueStats;
}

export interface LoginStore {
    registerLogin(request: LoginRegistration): Promise<LoginRegistered>;
}

/**
 * The steps made of the stores' own operations, all issued before the
 * first is awaited (a backend whose operations take effect when called,
 * as the memory backend's do, runs them back to back).
 */
export function sequentialLoginStore(
    queue: Pick<ReflectionQueue, 'removeSlot' | 'addSlot' | 'staleHeldTokens' | 'stats'>,
    coordinator: Pick<GroupCoordinator, 'register' | 'getLockRecord'>,
): LoginStore {
    return {
        async registerLogin(request: LoginRegistration): Promise<LoginRegistered> {
            const { groupId, presence, now } = request;
            const deviceId: DeviceId = presence.deviceId;
            const steps: Promise<unknown>[] = [];
            if (request.newSlot) steps.push(queue.removeSlot(groupId, deviceId));
            steps.push(queue.addSlot(groupId, deviceId));
            const registered = coordinator.register(groupId, presence);
            const lock = coordinator.getLockRecord(groupId);
            const stale = queue.staleHeldTokens(groupId, now);
            const stats = queue.stats(groupId, deviceId);
            const [, registration, lockRecord, staleTokens, queueStats] = await Promise.all([
                Promise.all(steps),
                registered,
                lock,
                stale,
                stats,
            ]);
            return {
                replaced: registration.replaced,
                lock: lockRecord,
                staleHeldTokens: staleTokens,
                stats: queueStats,
            };
        },
    };
}
