/**
 * The embedded GroupCoordinator: presence, transaction lock, leader role and
 * event bus of one mediator node, in this process. Each method changes state
 * and enqueues its events synchronously, so it is atomic with respect to
 * every other call. Events reach handlers in a later microtask, in
 * publication order, so a publisher's change is complete before any handler
 * runs (see group-coordinator.ts for the contract).
 */
import { CloseCode, type DeviceId } from '../../d2m/index.js';
import { StorageError } from '../errors.js';
import type {
    BeginTransactionResult,
    GroupCoordinator,
    GroupEvent,
    GroupEventHandler,
    Leader,
    Presence,
    TransactionLock,
} from './group-coordinator.js';
import type { ConnectionId, GroupId, NodeId } from './types.js';

export interface MemoryGroupCoordinatorOptions {
    /** Called when an event handler throws; the other handlers still run. */
    readonly onHandlerError?: (error: unknown, event: GroupEvent) => void;
}

interface CoordinatorGroup {
    readonly presence: Map<DeviceId, Presence>;
    lock: TransactionLock | undefined;
    leader: Leader | undefined;
    /** Allocated on the first subscription. */
    handlers: Set<GroupEventHandler> | undefined;
}

const SETTLED = Promise.resolve();

/** Leader preference: proxy-active first, then the most recently connected (then a stable tie-break). */
function betterLeader(a: Presence, b: Presence): boolean {
    if (a.proxyActive !== b.proxyActive) return a.proxyActive;
    if (a.connectedSince !== b.connectedSince) return a.connectedSince > b.connectedSince;
    return a.connectionId > b.connectionId;
}

export class MemoryGroupCoordinator implements GroupCoordinator {
    readonly #groups = new Map<GroupId, CoordinatorGroup>();
    readonly #onHandlerError: (error: unknown, event: GroupEvent) => void;
    // Counters are process-wide rather than per group so that a group whose state was
    // forgotten while idle still never sees a token or term repeat.
    #lastToken = 0n;
    #lastTerm = 0;
    #closed = false;

    public constructor(options: MemoryGroupCoordinatorOptions = {}) {
        this.#onHandlerError = options.onHandlerError ?? (() => undefined);
    }

    public register(
        groupId: GroupId,
        presence: Omit<Presence, 'eligible' | 'proxyActive'>,
    ): Promise<{ readonly replaced: Presence | undefined }> {
        return this.#run(() => {
            const group = this.#groupFor(groupId);
            const previous = group.presence.get(presence.deviceId);
            if (previous?.connectionId === presence.connectionId) {
                group.presence.set(presence.deviceId, { ...previous, ...presence });
                return { replaced: undefined };
            }
            group.presence.set(presence.deviceId, { ...presence, eligible: false, proxyActive: false });
            if (previous === undefined) return { replaced: undefined };
            if (group.leader?.connectionId === previous.connectionId) group.leader = undefined;
            this.#deliver(group, {
                type: 'kick',
                deviceId: previous.deviceId,
                connectionId: previous.connectionId,
                code: CloseCode.DUPLICATE_CONNECTION,
            });
            return { replaced: previous };
        });
    }

    public unregister(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId): Promise<boolean> {
        return this.#run(() => this.#unregisterNow(groupId, deviceId, connectionId));
    }

    public leave(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId, now: number): Promise<boolean> {
        return this.#run(() => {
            if (!this.#unregisterNow(groupId, deviceId, connectionId)) return false;
            this.#electNow(groupId, now);
            return true;
        });
    }

    public updatePresence(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        flags: { readonly eligible?: boolean; readonly proxyActive?: boolean },
    ): Promise<void> {
        return this.#run(() => this.#updatePresenceNow(groupId, deviceId, connectionId, flags));
    }

    public listPresence(groupId: GroupId, now: number): Promise<readonly Presence[]> {
        return this.#run(() =>
            [...(this.#groups.get(groupId)?.presence.values() ?? [])].filter((presence) => presence.expiresAt > now),
        );
    }

    public renewPresence(
        groupId: GroupId,
        nodeId: NodeId,
        connectionIds: readonly ConnectionId[],
        expiresAt: number,
        now: number,
    ): Promise<{ readonly missing: readonly ConnectionId[]; readonly leaderLost: boolean }> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            const missing = new Set(connectionIds);
            let leaderLost = false;
            if (group === undefined) return { missing: [...missing], leaderLost };
            for (const [deviceId, presence] of group.presence) {
                if (missing.has(presence.connectionId) && presence.nodeId === nodeId && presence.expiresAt > now) {
                    missing.delete(presence.connectionId);
                    group.presence.set(deviceId, { ...presence, expiresAt });
                } else if (presence.expiresAt <= now) {
                    group.presence.delete(deviceId);
                    if (group.leader?.connectionId === presence.connectionId) {
                        group.leader = undefined;
                        leaderLost = true;
                    }
                }
            }
            this.#forgetIfIdle(groupId, group);
            return { missing: [...missing], leaderLost };
        });
    }

    public beginTransaction(
        groupId: GroupId,
        request: {
            readonly deviceId: DeviceId;
            readonly connectionId: ConnectionId;
            readonly encryptedScope: Uint8Array;
            readonly ttlMs: number;
            readonly now: number;
        },
    ): Promise<BeginTransactionResult> {
        return this.#run((): BeginTransactionResult => {
            const group = this.#groupFor(groupId);
            const current = group.lock;
            if (current !== undefined && current.expiresAt > request.now) {
                return current.connectionId === request.connectionId
                    ? { status: 'already-holder', lock: current }
                    : { status: 'rejected', holder: current };
            }
            this.#lastToken += 1n;
            const lock: TransactionLock = {
                deviceId: request.deviceId,
                connectionId: request.connectionId,
                encryptedScope: request.encryptedScope.slice(),
                expiresAt: request.now + request.ttlMs,
                token: this.#lastToken.toString(),
            };
            group.lock = lock;
            return { status: 'acquired', lock };
        });
    }

    public getLockRecord(groupId: GroupId): Promise<TransactionLock | undefined> {
        return this.#run(() => this.#groups.get(groupId)?.lock);
    }

    /**
     * The slot's presence as stored now, expired or not, read synchronously:
     * the embedded reflection queue checks an append's sender against it in
     * the append's own step. Not part of the GroupCoordinator contract.
     */
    public presenceRecordNow(groupId: GroupId, deviceId: DeviceId): Presence | undefined {
        return this.#closed ? undefined : this.#groups.get(groupId)?.presence.get(deviceId);
    }

    /**
     * The stored lock, read synchronously: the embedded reflection queue
     * checks a held append against it in the append's own step. Not part of
     * the GroupCoordinator contract.
     */
    public lockRecordNow(groupId: GroupId): TransactionLock | undefined {
        return this.#closed ? undefined : this.#groups.get(groupId)?.lock;
    }

    public getTransaction(groupId: GroupId, now: number): Promise<TransactionLock | undefined> {
        return this.#run(() => {
            const lock = this.#groups.get(groupId)?.lock;
            return lock !== undefined && lock.expiresAt > now ? lock : undefined;
        });
    }

    public endTransaction(
        groupId: GroupId,
        connectionId: ConnectionId,
        token?: string,
    ): Promise<TransactionLock | undefined> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            const lock = group?.lock;
            if (group === undefined || lock === undefined || lock.connectionId !== connectionId) return undefined;
            if (token !== undefined && token !== lock.token) return undefined;
            // An expired lock is released too: its holder's end still has to be announced.
            group.lock = undefined;
            this.#deliver(group, {
                type: 'transaction-ended',
                deviceId: lock.deviceId,
                connectionId: lock.connectionId,
                encryptedScope: lock.encryptedScope,
                token: lock.token,
            });
            this.#forgetIfIdle(groupId, group);
            return lock;
        });
    }

    public electLeader(groupId: GroupId, now: number): Promise<Leader | undefined> {
        return this.#run(() => this.#electNow(groupId, now));
    }

    public becomeEligible(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        now: number,
    ): Promise<Leader | undefined> {
        return this.#run(() => {
            this.#updatePresenceNow(groupId, deviceId, connectionId, { eligible: true });
            return this.#electNow(groupId, now);
        });
    }

    public getLeader(groupId: GroupId): Promise<Leader | undefined> {
        return this.#run(() => this.#groups.get(groupId)?.leader);
    }

    public publish(groupId: GroupId, event: GroupEvent): Promise<void> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            if (group !== undefined) this.#deliver(group, event);
        });
    }

    public subscribe(groupId: GroupId, handler: GroupEventHandler): Promise<() => Promise<void>> {
        return this.#run(() => {
            // A wrapper per subscription, so one handler subscribed twice gets two independent subscriptions.
            const subscription: GroupEventHandler = (event) => handler(event);
            const group = this.#groupFor(groupId);
            group.handlers ??= new Set();
            group.handlers.add(subscription);
            return () => {
                group.handlers?.delete(subscription);
                if (this.#groups.get(groupId) === group) this.#forgetIfIdle(groupId, group);
                return Promise.resolve();
            };
        });
    }

    public close(): Promise<void> {
        this.#closed = true;
        for (const group of this.#groups.values()) group.handlers?.clear();
        this.#groups.clear();
        return Promise.resolve();
    }

    /**
     * Snapshots the subscribers now and calls them in one microtask. Microtasks run in
     * the order they were queued, so events arrive in publication order; a handler
     * removed before the microtask runs is skipped.
     */
    #deliver(group: CoordinatorGroup, event: GroupEvent): void {
        if (group.handlers === undefined || group.handlers.size === 0) return;
        const handlers = [...group.handlers];
        // A reaction of a settled promise, not queueMicrotask (which makes an AsyncResource per call).
        void SETTLED.then(() => {
            for (const handler of handlers) {
                if (group.handlers?.has(handler) !== true) continue;
                try {
                    handler(event);
                } catch (error) {
                    this.#onHandlerError(error, event);
                }
            }
        });
    }

    #groupFor(groupId: GroupId): CoordinatorGroup {
        let group = this.#groups.get(groupId);
        if (group === undefined) {
            group = { presence: new Map(), lock: undefined, leader: undefined, handlers: undefined };
            this.#groups.set(groupId, group);
        }
        return group;
    }

    #forgetIfIdle(groupId: GroupId, group: CoordinatorGroup): void {
        if (
            group.presence.size === 0 &&
            group.lock === undefined &&
            group.leader === undefined &&
            (group.handlers?.size ?? 0) === 0
        ) {
            this.#groups.delete(groupId);
        }
    }

    #unregisterNow(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId): boolean {
        const group = this.#groups.get(groupId);
        if (group?.presence.get(deviceId)?.connectionId !== connectionId) return false;
        group.presence.delete(deviceId);
        if (group.leader?.connectionId === connectionId) group.leader = undefined;
        this.#forgetIfIdle(groupId, group);
        return true;
    }

    #updatePresenceNow(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        flags: { readonly eligible?: boolean; readonly proxyActive?: boolean },
    ): void {
        const group = this.#groups.get(groupId);
        const current = group?.presence.get(deviceId);
        if (group === undefined || current?.connectionId !== connectionId) return;
        group.presence.set(deviceId, {
            ...current,
            eligible: flags.eligible ?? current.eligible,
            proxyActive: flags.proxyActive ?? current.proxyActive,
        });
    }

    #electNow(groupId: GroupId, now: number): Leader | undefined {
        const group = this.#groups.get(groupId);
        if (group === undefined) return undefined;
        const leader = group.leader;
        const leaderPresence = leader === undefined ? undefined : group.presence.get(leader.deviceId);
        if (
            leader !== undefined &&
            leaderPresence?.connectionId === leader.connectionId &&
            leaderPresence.expiresAt > now
        ) {
            return leader;
        }
        let best: Presence | undefined;
        for (const presence of group.presence.values()) {
            if (!presence.eligible || presence.expiresAt <= now) continue;
            if (best === undefined || betterLeader(presence, best)) best = presence;
        }
        group.leader = undefined;
        if (best === undefined) return undefined;
        this.#lastTerm += 1;
        const promoted: Leader = { deviceId: best.deviceId, connectionId: best.connectionId, term: this.#lastTerm };
        group.leader = promoted;
        this.#deliver(group, { type: 'promoted', ...promoted });
        return promoted;
    }

    /**
     * Runs a synchronous state change as one atomic step and settles its
     * promise with the result. Nothing in memory fails the way a network
     * store does: an exception here is a bug and is passed on as it is (the
     * session closes with 1011 and logs it as an error).
     */
    #run<T>(operation: () => T): Promise<T> {
        if (this.#closed) return Promise.reject(new StorageError('group coordinator is closed', { retryable: false }));
        try {
            return Promise.resolve(operation());
        } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
    }
}
