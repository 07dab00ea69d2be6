/**
 * GroupCoordinator on Redis. Presence, lock and leader of a group are hashes
 * under the group's hash tag, changed only by Lua scripts that publish their
 * events (kick, transaction-ended, promoted) on the group's sharded channel
 * in the same step. The lock's expiry is judged by the caller's `now`; the
 * key also carries a PX safety expiry so an abandoned lock disappears.
 * Tokens and terms come from per-group counters that are never deleted, so
 * they only ever increase.
 *
 * Subscriptions use dedicated connections (a subscribed connection cannot
 * run other commands; bus-connection.ts): one SSUBSCRIBE per group, fanned
 * out to local handlers. A new handler only receives events published after
 * it subscribed: it publishes a barrier message with a fresh nonce on the
 * channel and becomes active when that barrier comes back on the subscriber
 * connection, in order with the events (anything before it was published
 * earlier).
 *
 * Pub/sub is fire-and-forget: what is published while a subscriber
 * connection is down never arrives. So when one is lost, every active
 * handler of the channels it served receives `bus-interrupted` at once, and
 * subscriptions still waiting for their barrier fail (retryable). node-redis
 * subscribes again when the connection is back; while it is down, a new
 * `subscribe` fails at once (retryable) instead of waiting.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, type DeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../errors.js';
import type {
    BeginTransactionResult,
    GroupCoordinator,
    GroupEvent,
    GroupEventHandler,
    Leader,
    Presence,
    TransactionLock,
} from '../group-coordinator.js';
import type { ConnectionId, GroupId, NodeId } from '../types.js';
import { decodeBarrier, decodeGroupEvent, deviceIdText, encodeBarrier, encodeGroupEvent } from './bus-codec.js';
import type { RedisKeys } from './keys.js';
import type { BusConnection, BusListener, ChannelFilter } from './bus-connection.js';
import {
    integerArg,
    redisCall,
    replyArray,
    replyDeviceId,
    replyInteger,
    replyOptionalText,
    replyText,
    toStorageError,
    type RedisCommander,
} from './redis-client.js';
import { GatheredScript } from './gathered-script.js';
import type { LuaScripts } from './scripts.js';
import { ScriptStatus } from './status-codes.js';

/** Extra lifetime of the lock key beyond its TTL; the stored `expiresAt` is what counts. */
export const DEFAULT_LOCK_SAFETY_MARGIN_MS = 60_000;

/** How long `subscribe` waits for SSUBSCRIBE and its barrier before it fails. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;

const BUS_INTERRUPTED: GroupEvent = { type: 'bus-interrupted' };

export interface RedisGroupCoordinatorOptions {
    /** A command connection that returns bulk strings as Buffers (see `bufferCommander`). */
    readonly client: RedisCommander;
    /** The subscriber connection(s); the coordinator owns and closes them. */
    readonly bus: BusConnection;
    readonly scripts: LuaScripts;
    readonly keys: RedisKeys;
    readonly lockSafetyMarginMs?: number;
    /**
     * Whether the `becomeEligible` calls of one event-loop turn share one
     * script call (presence-eligible-multi; see gathered-script.ts).
     * Default true; false on a cluster.
     */
    readonly gatherCalls?: boolean;
    /** Called when a handler throws or a bus message cannot be decoded; other handlers still run. */
    readonly onHandlerError?: (error: unknown, event: GroupEvent | undefined) => void;
}

interface Subscription {
    readonly handler: GroupEventHandler;
    /** Set when the subscription's barrier came back; only then does it receive events. */
    active: boolean;
    /** Fails the pending `subscribe` call (the connection was lost before it was active). */
    interrupt: (() => void) | undefined;
}

interface ChannelSubscription {
    readonly subscriptions: Set<Subscription>;
    /** Barrier nonce → activation of the subscription waiting for it. */
    readonly barriers: Map<string, () => void>;
    readonly listener: BusListener;
    /** Settles when SSUBSCRIBE has been answered. */
    ready: Promise<void>;
    /** Whether SSUBSCRIBE succeeded (undefined: not answered yet). */
    subscribed: boolean | undefined;
}

interface StaleListener {
    readonly channel: string;
    readonly listener: BusListener;
}

export function presenceFrom(deviceId: DeviceId, json: string): Presence {
    let value: unknown;
    try {
        value = JSON.parse(json);
    } catch {
        value = undefined;
    }
    if (typeof value !== 'object' || value === null) throw new StorageError('corrupt presence', { retryable: false });
    const record = value as Record<string, unknown>;
    const { c, n, s, e, p, x } = record;
    if (typeof c !== 'string' || typeof n !== 'string' || typeof s !== 'string' || typeof x !== 'string') {
        throw new StorageError('corrupt presence', { retryable: false });
    }
    return {
        deviceId,
        connectionId: c,
        nodeId: n,
        connectedSince: Number(s),
        expiresAt: Number(x),
        eligible: e === true,
        proxyActive: p === true,
    };
}

/** [deviceId, connectionId, scope (base64), expiresAt, token] from a script or HMGET. */
export function lockFrom(values: readonly unknown[]): TransactionLock {
    return {
        deviceId: replyDeviceId(values[0], 'lock device'),
        connectionId: replyText(values[1], 'lock connection'),
        encryptedScope: new Uint8Array(Buffer.from(replyText(values[2], 'lock scope'), 'base64')),
        expiresAt: replyInteger(values[3], 'lock expiry'),
        token: replyText(values[4], 'lock token'),
    };
}

function leaderFrom(values: readonly unknown[]): Leader {
    return {
        deviceId: replyDeviceId(values[0], 'leader device'),
        connectionId: replyText(values[1], 'leader connection'),
        term: replyInteger(values[2], 'leader term'),
    };
}

function flagArg(value: boolean | undefined): string {
    return value === undefined ? '' : value ? '1' : '0';
}

export class RedisGroupCoordinator implements GroupCoordinator {
    readonly #client: RedisCommander;
    readonly #bus: BusConnection;
    readonly #scripts: LuaScripts;
    readonly #keys: RedisKeys;
    readonly #lockSafetyMarginMs: number;
    readonly #onHandlerError: (error: unknown, event: GroupEvent | undefined) => void;
    readonly #channels = new Map<string, ChannelSubscription>();
    /** Listeners of channels given up while their connection was down; SUNSUBSCRIBEd once it is back. */
    #stale: StaleListener[] = [];
    #closed = false;
    readonly #eligible: GatheredScript;

    public constructor(options: RedisGroupCoordinatorOptions) {
        this.#client = options.client;
        this.#bus = options.bus;
        this.#scripts = options.scripts;
        this.#keys = options.keys;
        this.#eligible = new GatheredScript({
            client: options.client,
            scripts: options.scripts,
            single: 'presence-eligible',
            multi: 'presence-eligible-multi',
            gather: options.gatherCalls ?? true,
        });
        this.#lockSafetyMarginMs = options.lockSafetyMarginMs ?? DEFAULT_LOCK_SAFETY_MARGIN_MS;
        this.#onHandlerError = options.onHandlerError ?? (() => undefined);
        this.#bus.onDown((affected) => this.#interrupt(affected));
        this.#bus.onUp((affected) => this.#resume(affected));
    }

    public async register(
        groupId: GroupId,
        presence: Omit<Presence, 'eligible' | 'proxyActive'>,
    ): Promise<{ readonly replaced: Presence | undefined }> {
        const keys = this.#open().coordinator(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'presence-register',
            [keys.presence, keys.leader],
            [
                this.#keys.channel(groupId),
                deviceIdText(presence.deviceId),
                presence.connectionId,
                presence.nodeId,
                String(presence.connectedSince),
                String(CloseCode.DUPLICATE_CONNECTION),
                String(presence.expiresAt),
            ],
        );
        const previous = replyText(values[0], 'replaced presence');
        return { replaced: previous === '' ? undefined : presenceFrom(presence.deviceId, previous) };
    }

    public async unregister(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId): Promise<boolean> {
        const keys = this.#open().coordinator(groupId);
        const { status } = await this.#scripts.run(
            this.#client,
            'presence-unregister',
            [keys.presence, keys.leader],
            [deviceIdText(deviceId), connectionId],
        );
        return status === ScriptStatus.OK;
    }

    public async leave(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        now: number,
    ): Promise<boolean> {
        const keys = this.#open().coordinator(groupId);
        const { status } = await this.#scripts.run(
            this.#client,
            'presence-leave',
            [keys.presence, keys.leader, keys.counters],
            [this.#keys.channel(groupId), deviceIdText(deviceId), connectionId, String(now)],
        );
        return status === ScriptStatus.OK;
    }

    public async updatePresence(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        flags: { readonly eligible?: boolean; readonly proxyActive?: boolean },
    ): Promise<void> {
        const keys = this.#open().coordinator(groupId);
        await this.#scripts.run(
            this.#client,
            'presence-update',
            [keys.presence],
            [deviceIdText(deviceId), connectionId, flagArg(flags.eligible), flagArg(flags.proxyActive)],
        );
    }

    public async listPresence(groupId: GroupId, now: number): Promise<readonly Presence[]> {
        const keys = this.#open().coordinator(groupId);
        const reply = replyArray(
            await redisCall('HGETALL', () => this.#client.sendCommand(['HGETALL', keys.presence])),
            'presence',
        );
        const result: Presence[] = [];
        for (let index = 0; index + 1 < reply.length; index += 2) {
            const deviceId = replyDeviceId(reply[index], 'presence device');
            const presence = presenceFrom(deviceId, replyText(reply[index + 1], 'presence'));
            if (presence.expiresAt > now) result.push(presence);
        }
        return result;
    }

    public async renewPresence(
        groupId: GroupId,
        nodeId: NodeId,
        connectionIds: readonly ConnectionId[],
        expiresAt: number,
        now: number,
    ): Promise<{ readonly missing: readonly ConnectionId[]; readonly leaderLost: boolean }> {
        const keys = this.#open().coordinator(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'presence-renew',
            [keys.presence, keys.leader],
            [nodeId, String(expiresAt), String(now), JSON.stringify(connectionIds)],
        );
        const leaderLost = replyText(values[0], 'leader lost') === '1';
        const missing: ConnectionId[] = [];
        for (const value of values.slice(1)) missing.push(replyText(value, 'missing connection'));
        return { missing, leaderLost };
    }

    public async getLockRecord(groupId: GroupId): Promise<TransactionLock | undefined> {
        const keys = this.#open().coordinator(groupId);
        const reply = replyArray(
            await redisCall('HMGET', () => this.#client.sendCommand(['HMGET', keys.lock, 'd', 'c', 's', 'e', 't'])),
            'lock',
        );
        if (replyOptionalText(reply[0], 'lock device') === undefined) return undefined;
        return lockFrom(reply);
    }

    public async beginTransaction(
        groupId: GroupId,
        request: {
            readonly deviceId: DeviceId;
            readonly connectionId: ConnectionId;
            readonly encryptedScope: Uint8Array;
            readonly ttlMs: number;
            readonly now: number;
        },
    ): Promise<BeginTransactionResult> {
        const keys = this.#open().coordinator(groupId);
        const ttlMs = Math.max(0, Math.floor(request.ttlMs));
        const now = integerArg(request.now, 'now');
        const { status, values } = await this.#scripts.run(
            this.#client,
            'lock-begin',
            [keys.lock, keys.counters],
            [
                deviceIdText(request.deviceId),
                request.connectionId,
                Buffer.from(request.encryptedScope).toString('base64'),
                now,
                integerArg(request.now + ttlMs, 'expiresAt'),
                String(ttlMs + Math.max(1, Math.floor(this.#lockSafetyMarginMs))),
            ],
        );
        const lock = lockFrom(values);
        switch (status) {
            case ScriptStatus.OK:
                return { status: 'acquired', lock };
            case ScriptStatus.ALREADY_HOLDER:
                return { status: 'already-holder', lock };
            case ScriptStatus.REJECTED:
                return { status: 'rejected', holder: lock };
            case ScriptStatus.NOT_FOUND:
            case ScriptStatus.LOCK_LOST:
            case ScriptStatus.PRESENCE_LOST:
            case ScriptStatus.BAD_ARGUMENT:
            case ScriptStatus.CORRUPT_STATE:
                throw new StorageError(`lock-begin answered status ${status}`, { retryable: false });
        }
    }

    public async getTransaction(groupId: GroupId, now: number): Promise<TransactionLock | undefined> {
        const keys = this.#open().coordinator(groupId);
        const reply = replyArray(
            await redisCall('HMGET', () => this.#client.sendCommand(['HMGET', keys.lock, 'd', 'c', 's', 'e', 't'])),
            'lock',
        );
        if (replyOptionalText(reply[0], 'lock device') === undefined) return undefined;
        const lock = lockFrom(reply);
        return lock.expiresAt > now ? lock : undefined;
    }

    public async endTransaction(
        groupId: GroupId,
        connectionId: ConnectionId,
        token?: string,
    ): Promise<TransactionLock | undefined> {
        const keys = this.#open().coordinator(groupId);
        const { status, values } = await this.#scripts.run(
            this.#client,
            'lock-end',
            [keys.lock],
            [this.#keys.channel(groupId), connectionId, token ?? ''],
        );
        return status === ScriptStatus.OK ? lockFrom(values) : undefined;
    }

    public async electLeader(groupId: GroupId, now: number): Promise<Leader | undefined> {
        const keys = this.#open().coordinator(groupId);
        const { status, values } = await this.#scripts.run(
            this.#client,
            'leader-elect',
            [keys.presence, keys.leader, keys.counters],
            [this.#keys.channel(groupId), String(now)],
        );
        return status === ScriptStatus.OK ? leaderFrom(values) : undefined;
    }

    public async becomeEligible(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        now: number,
    ): Promise<Leader | undefined> {
        const keys = this.#open().coordinator(groupId);
        const { status, values } = await this.#eligible.run(
            [keys.presence, keys.leader, keys.counters],
            [this.#keys.channel(groupId), deviceIdText(deviceId), connectionId, String(now)],
        );
        return status === ScriptStatus.OK ? leaderFrom(values) : undefined;
    }

    public async getLeader(groupId: GroupId): Promise<Leader | undefined> {
        const keys = this.#open().coordinator(groupId);
        const reply = replyArray(
            await redisCall('HMGET', () => this.#client.sendCommand(['HMGET', keys.leader, 'd', 'c', 't'])),
            'leader',
        );
        if (replyOptionalText(reply[0], 'leader device') === undefined) return undefined;
        return leaderFrom(reply);
    }

    public async publish(groupId: GroupId, event: GroupEvent): Promise<void> {
        const channel = this.#open().channel(groupId);
        const message = encodeGroupEvent(event);
        await redisCall('SPUBLISH', () => this.#client.sendCommand(['SPUBLISH', channel, message]));
    }

    public async subscribe(groupId: GroupId, handler: GroupEventHandler): Promise<() => Promise<void>> {
        const channel = this.#open().channel(groupId);
        if (!this.#bus.isUp(channel)) {
            throw new StorageError('subscribing to the group bus failed: its connection is down', { retryable: true });
        }
        const entry = this.#channels.get(channel) ?? this.#createEntry(channel);
        const subscription: Subscription = { handler, active: false, interrupt: undefined };
        entry.subscriptions.add(subscription);
        try {
            await this.#activate(channel, entry, subscription);
        } catch (error) {
            // The subscription failed either way; a failed SUNSUBSCRIBE must not hide why.
            await this.#remove(channel, entry, subscription).catch(() => undefined);
            throw toStorageError('subscribing to the group bus', error);
        }
        let active = true;
        return async () => {
            if (!active) return;
            active = false;
            await this.#remove(channel, entry, subscription);
        };
    }

    public async close(): Promise<void> {
        if (this.#closed) return;
        this.#closed = true;
        for (const entry of this.#channels.values()) {
            for (const subscription of entry.subscriptions) subscription.interrupt?.();
            entry.subscriptions.clear();
        }
        this.#channels.clear();
        this.#stale = [];
        await this.#bus.close();
    }

    #createEntry(channel: string): ChannelSubscription {
        const entry: ChannelSubscription = {
            subscriptions: new Set(),
            barriers: new Map(),
            listener: (message) => this.#dispatch(entry, message),
            ready: Promise.resolve(),
            subscribed: undefined,
        };
        entry.ready = this.#bus.subscribe(channel, entry.listener).then(
            () => void (entry.subscribed = true),
            (error: unknown) => {
                entry.subscribed = false;
                throw error;
            },
        );
        // Waiters handle the rejection; this keeps an unawaited one from being reported.
        entry.ready.catch(() => undefined);
        this.#channels.set(channel, entry);
        return entry;
    }

    /**
     * Waits for SSUBSCRIBE, publishes a barrier and resolves once it came
     * back, activating the subscription; fails on timeout or when the
     * connection is lost meanwhile.
     */
    #activate(channel: string, entry: ChannelSubscription, subscription: Subscription): Promise<void> {
        const nonce = randomBytes(12).toString('hex');
        return new Promise<void>((resolve, reject) => {
            let settled = false;
            const finish = (error?: unknown): void => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                entry.barriers.delete(nonce);
                subscription.interrupt = undefined;
                if (error === undefined) {
                    subscription.active = true;
                    resolve();
                } else {
                    reject(toStorageError('subscribing to the group bus', error));
                }
            };
            const timer = setTimeout(
                () =>
                    finish(
                        new StorageError('the group bus did not confirm the subscription in time', { retryable: true }),
                    ),
                SUBSCRIBE_TIMEOUT_MS,
            );
            subscription.interrupt = () =>
                finish(new StorageError('the group bus connection was lost while subscribing', { retryable: true }));
            entry.ready.then(() => {
                if (settled) return;
                entry.barriers.set(nonce, () => finish());
                this.#client.sendCommand(['SPUBLISH', channel, encodeBarrier(nonce)]).catch(finish);
            }, finish);
        });
    }

    #remove(channel: string, entry: ChannelSubscription, subscription: Subscription): Promise<void> {
        entry.subscriptions.delete(subscription);
        if (entry.subscriptions.size > 0 || this.#channels.get(channel) !== entry) return Promise.resolve();
        this.#channels.delete(channel);
        if (entry.subscribed === undefined) {
            // SSUBSCRIBE not answered yet (its connection may be down): take the listener off once it is, without waiting.
            entry.ready
                .then(
                    () => this.#unsubscribe(channel, entry.listener),
                    () => undefined,
                )
                .catch((error: unknown) => this.#onHandlerError(error, undefined));
            return Promise.resolve();
        }
        return entry.subscribed ? this.#unsubscribe(channel, entry.listener) : Promise.resolve();
    }

    async #unsubscribe(channel: string, listener: BusListener): Promise<void> {
        if (this.#closed) return;
        if (!this.#bus.isUp(channel)) {
            // A command now would wait for the reconnect; the listener is taken off once the connection is back.
            this.#stale.push({ channel, listener });
            return;
        }
        // node-redis keeps the channel subscribed while a newer entry's listener is on it.
        await redisCall('SUNSUBSCRIBE', () => this.#bus.unsubscribe(channel, listener));
    }

    /** A subscriber connection was lost: events of its channels may be missed from now on. */
    #interrupt(affected: ChannelFilter): void {
        if (this.#closed) return;
        for (const [channel, entry] of this.#channels) {
            if (!affected(channel)) continue;
            for (const subscription of [...entry.subscriptions]) {
                if (!subscription.active) {
                    subscription.interrupt?.();
                    continue;
                }
                try {
                    subscription.handler(BUS_INTERRUPTED);
                } catch (error) {
                    this.#onHandlerError(error, BUS_INTERRUPTED);
                }
            }
        }
    }

    /** A subscriber connection is back (node-redis subscribed again): drop the listeners given up meanwhile. */
    #resume(affected: ChannelFilter): void {
        if (this.#closed) return;
        const due = this.#stale.filter((stale) => affected(stale.channel));
        this.#stale = this.#stale.filter((stale) => !affected(stale.channel));
        for (const { channel, listener } of due) {
            this.#bus.unsubscribe(channel, listener).catch((error: unknown) => {
                if (!this.#closed) this.#stale.push({ channel, listener });
                this.#onHandlerError(toStorageError('SUNSUBSCRIBE', error), undefined);
            });
        }
    }

    /** Runs in the order messages arrive; barriers and events are handled in that same order. */
    #dispatch(entry: ChannelSubscription, message: Buffer): void {
        const nonce = decodeBarrier(message);
        if (nonce !== undefined) {
            // Barriers of other subscriptions or other nodes are not ours to act on.
            const activate = entry.barriers.get(nonce);
            entry.barriers.delete(nonce);
            activate?.();
            return;
        }
        const event = decodeGroupEvent(message);
        if (event === undefined) {
            this.#onHandlerError(new StorageError('undecodable bus message', { retryable: false }), undefined);
            return;
        }
        for (const subscription of [...entry.subscriptions]) {
            if (!subscription.active || !entry.subscriptions.has(subscription)) continue;
            try {
                subscription.handler(event);
            } catch (error) {
                this.#onHandlerError(error, event);
            }
        }
    }

    #open(): RedisKeys {
        if (this.#closed) throw new StorageError('group coordinator is closed', { retryable: false });
        return this.#keys;
    }
}
