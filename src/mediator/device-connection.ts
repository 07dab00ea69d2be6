/**
 * What one authenticated device connection may do to its group, and the
 * state that goes with it: reflect (held while the device holds the
 * transaction lock), acknowledge reflected items, begin and commit a
 * transaction, drop a device, set the shared device data, read the devices
 * info, and become eligible for (and learn of) the leader role.
 *
 * This object is the only owner of the connection's transaction lock: it
 * is set when BeginTransaction acquires it, and `#release` is the one path
 * that gives it up (on commit and when the connection ends), through the
 * release sequence in transactions.ts. The lock's TTL timer closes the
 * connection with 4011. Likewise the leader role this connection was
 * promoted to lives here.
 *
 * The session (src/session/) runs one request at a time, in arrival order,
 * except that it starts stored Reflects (`startReflect`) while earlier ones
 * are still being stored; it runs every other request only once those have
 * completed, and turns what a request throws into a close.
 */
import {
    CloseCode,
    D2mPayloadType,
    D2mProtocolError,
    ReflectMessage,
    Reflected,
    type BeginTransaction,
    type D2mMessage,
    type DeviceId,
} from '../../d2m/index.js';
import { startRealTimer, type StartTimer } from '../clock.js';
import { LockLostError } from '../errors.js';
import type { MediatorConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import type { DeviceGroupStore } from '../storage/device-group-store.js';
import type { GroupCoordinator, TransactionLock } from '../storage/group-coordinator.js';
import type { AppendResult, ReflectionQueue } from '../storage/reflection-queue.js';
import type { ConnectionId, GroupId, SlotPolicy } from '../storage/types.js';
import { devicesInfo, type DevicesInfoPorts } from './devices-info.js';
import { dropSlot, handleOverflow, type DropSlotPorts } from './slots.js';
import { endExpiredLock, releaseLock, type AbandonedLockPorts } from './transactions.js';

/** The stores, settings and hooks a device connection uses. */
export interface DeviceConnectionPorts extends AbandonedLockPorts, DropSlotPorts, DevicesInfoPorts {
    readonly backend: AbandonedLockPorts['backend'] &
        DropSlotPorts['backend'] &
        DevicesInfoPorts['backend'] & {
            readonly queue: Pick<ReflectionQueue, 'append'>;
            readonly groups: Pick<DeviceGroupStore, 'setSharedDeviceData'>;
            readonly coordinator: Pick<
                GroupCoordinator,
                'publish' | 'beginTransaction' | 'updatePresence' | 'becomeEligible'
            >;
        };
    readonly config: AbandonedLockPorts['config'] &
        Pick<MediatorConfig, 'transactionTtlDefaultS' | 'transactionTtlMaxS'>;
    readonly metrics: AbandonedLockPorts['metrics'] &
        Pick<
            MediatorMetricsHooks,
            | 'reflectReceived'
            | 'reflectAcked'
            | 'transactionRejected'
            | 'lockAcquired'
            | 'lockReleased'
            | 'leaderPromoted'
        >;
    /** Starts the TTL timer. Default: `setTimeout`. */
    readonly startTimer?: StartTimer;
}

/** Who the connection is. */
export interface DeviceIdentity {
    readonly groupId: GroupId;
    readonly deviceId: DeviceId;
    readonly connectionId: ConnectionId;
    /** The group's policy as of login (queue limits apply to this connection's reflections). */
    readonly policy: SlotPolicy;
}

/** What a device connection needs of the device's side of the connection (the session). */
export interface DeviceLink {
    /** Logger bound to connection, group and device. */
    readonly logger: Logger;
    /** Sends a reply to a request at once. */
    reply(message: D2mMessage): void;
    /** Sends a notification after every delivery queued before it. */
    notify(message: D2mMessage): void;
    /** Closes the connection. */
    close(code: CloseCode, reason: string): void;
    /**
     * Acknowledges a reflected item (applied to the queue in a batch, before
     * any later request that may observe the queue); false for an unknown or
     * ephemeral id.
     */
    ackReflected(reflectedId: number): boolean;
    /**
     * Resolves once every ReflectedAck the device gave before this call is
     * applied to the queue (it never rejects: a failure closes the
     * connection). Every answer to a request waits for it, so an answer
     * proves the acks before its request were applied.
     */
    acksApplied(): Promise<void>;
}

/** A stored Reflect whose append was started (`DeviceConnection.startReflect`). */
export interface StartedReflect {
    /** Settles like the append. */
    readonly stored: Promise<AppendResult>;
    /** Sends the ReflectAck (nothing once the connection closed). */
    acknowledge(result: AppendResult): void;
    /** Tombstones and closes the slots the append removed (queue overflow); after every append that resolved. */
    afterStored(result: AppendResult): Promise<void>;
}

function checkEnvelope(reflect: ReflectMessage.Type): void {
    if (reflect.envelope.byteLength > Reflected.ENVELOPE_MAX_BYTE_LENGTH) {
        throw new D2mProtocolError(
            'invalid-field',
            `envelope of ${reflect.envelope.byteLength} bytes does not fit a Reflected`,
        );
    }
}

export class DeviceConnection {
    readonly #ports: DeviceConnectionPorts;
    readonly #identity: DeviceIdentity;
    readonly #link: DeviceLink;
    /** The transaction lock this connection holds; only `#acquired` and `#release` change it. */
    #lock: { readonly lock: TransactionLock; readonly cancelTimer: () => void } | undefined;
    /** Promoted to leader of the group. */
    #leader = false;

    public constructor(ports: DeviceConnectionPorts, identity: DeviceIdentity, link: DeviceLink) {
        this.#ports = ports;
        this.#identity = identity;
        this.#link = link;
    }

    public get identity(): DeviceIdentity {
        return this.#identity;
    }

    /** Whether this connection holds the group's transaction lock. */
    public get holdsLock(): boolean {
        return this.#lock !== undefined;
    }

    /** Whether this connection was promoted to leader. */
    public get isLeader(): boolean {
        return this.#leader;
    }

    /**
     * Reflect, one at a time: an ephemeral one is published to the devices
     * online now (no ReflectAck); any other is stored (`startReflect`), then
     * acknowledged, then overflowed slots are handled. The session pipelines
     * stored Reflects through `startReflect` instead (src/session/reflect-pipeline.ts).
     */
    public async reflect(reflect: ReflectMessage.Type): Promise<void> {
        if (!ReflectMessage.isEphemeral(reflect)) {
            const started = this.startReflect(reflect);
            const result = await started.stored;
            started.acknowledge(result);
            await started.afterStored(result);
            return;
        }
        const { backend, metrics } = this.#ports;
        const { groupId, deviceId } = this.#identity;
        metrics.reflectReceived(true);
        checkEnvelope(reflect);
        await backend.coordinator.publish(groupId, {
            type: 'ephemeral',
            senderDeviceId: deviceId,
            flags: reflect.flags,
            timestamp: this.#ports.now(),
            envelope: reflect.envelope.slice(),
        });
    }

    /**
     * A stored (not ephemeral) Reflect, first step: checks it and starts its
     * append (held under the lock this connection holds now, if any) before
     * it returns, so appends started one after another reach the queue in
     * that order. The caller sends the ReflectAck (`acknowledge`) once the
     * append resolved, and runs `afterStored` for every append that resolved.
     */
    public startReflect(reflect: ReflectMessage.Type): StartedReflect {
        const { backend, metrics } = this.#ports;
        const { groupId, deviceId, policy } = this.#identity;
        const handlingSince = performance.now();
        if (ReflectMessage.isEphemeral(reflect)) {
            throw new Error('startReflect called for an ephemeral Reflect (it is published, not stored)');
        }
        metrics.reflectReceived(false);
        checkEnvelope(reflect);
        const timestamp = this.#ports.now();
        // The append does not depend on this device's acks: it runs alongside their batch, and the
        // ReflectAck waits for both (an answer proves the acks before its request were applied).
        const append = backend.queue.append({
            groupId,
            senderDeviceId: deviceId,
            flags: reflect.flags,
            envelope: reflect.envelope,
            timestamp,
            limits: { maxCount: policy.queueMaxCount, maxBytes: policy.queueMaxBytes },
            hold: this.#lock?.lock.token,
            senderConnectionId: this.#identity.connectionId,
        });
        const acksApplied = this.#link.acksApplied();
        const stored = Promise.all([append, acksApplied]).then(([result]) => result);
        return {
            stored,
            acknowledge: () => {
                this.#link.reply({
                    type: D2mPayloadType.REFLECT_ACK,
                    body: { reflectId: reflect.reflectId, timestamp },
                });
                metrics.reflectAcked(performance.now() - handlingSince);
            },
            afterStored: async (result) => {
                if (result.overflowed.length > 0) {
                    await handleOverflow(this.#ports, groupId, result.overflowed, policy);
                }
            },
        };
    }

    /** ReflectedAck: removes the item; an unknown or ephemeral id is ignored. */
    public reflectedAck(reflectedId: number): void {
        if (!this.#link.ackReflected(reflectedId)) {
            this.#link.logger.debug('ignored ack for an unknown or ephemeral reflected id', { id: reflectedId });
        }
    }

    public async getDevicesInfo(): Promise<void> {
        this.#link.reply({
            type: D2mPayloadType.DEVICES_INFO,
            body: await devicesInfo(this.#ports, this.#identity.groupId),
        });
    }

    /** DropDevice: acked also for an unknown id; a self-drop closes with 4113 after the ack. */
    public async dropDevice(target: DeviceId): Promise<void> {
        const { groupId, deviceId, connectionId } = this.#identity;
        await dropSlot(this.#ports, groupId, target, connectionId);
        this.#link.reply({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: target } });
        if (target === deviceId) this.#link.close(CloseCode.DEVICE_DROPPED, 'device dropped itself');
    }

    public async setSharedDeviceData(encryptedSharedDeviceData: Uint8Array): Promise<void> {
        await this.#ports.backend.groups.setSharedDeviceData(this.#identity.groupId, encryptedSharedDeviceData.slice());
    }

    public async beginTransaction(request: BeginTransaction.Type): Promise<void> {
        const { backend, config, metrics } = this.#ports;
        const { groupId, deviceId, connectionId } = this.#identity;
        if (this.#lock !== undefined) {
            throw new D2mProtocolError('unexpected-message', 'BeginTransaction while holding the lock');
        }
        const ttlS =
            request.ttl === 0 ? config.transactionTtlDefaultS : Math.min(request.ttl, config.transactionTtlMaxS);
        // A lock left behind by a dead holder is ended properly (held reflections, TransactionEnded) first.
        await endExpiredLock(this.#ports, groupId, this.#ports.now());
        const result = await backend.coordinator.beginTransaction(groupId, {
            deviceId,
            connectionId,
            encryptedScope: request.encryptedScope.slice(),
            ttlMs: ttlS * 1000,
            now: this.#ports.now(),
        });
        switch (result.status) {
            case 'acquired':
                this.#acquired(result.lock, ttlS * 1000);
                this.#link.reply({ type: D2mPayloadType.BEGIN_TRANSACTION_ACK, body: {} });
                return;
            case 'rejected':
                metrics.transactionRejected();
                this.#link.reply({
                    type: D2mPayloadType.TRANSACTION_REJECTED,
                    body: { deviceId: result.holder.deviceId, encryptedScope: result.holder.encryptedScope },
                });
                return;
            case 'already-holder':
                throw new D2mProtocolError('unexpected-message', 'BeginTransaction while holding the lock');
            default:
                return result satisfies never;
        }
    }

    public async commitTransaction(): Promise<void> {
        if (this.#lock === undefined) {
            throw new D2mProtocolError('unexpected-message', 'CommitTransaction without holding the lock');
        }
        if (!(await this.#release())) {
            // Fenced commit: the lock ended elsewhere (or another device holds it now): no ack, close 1013.
            throw new LockLostError('CommitTransaction refused: the transaction lock ended before the commit');
        }
        this.#link.reply({ type: D2mPayloadType.COMMIT_TRANSACTION_ACK, body: {} });
    }

    /** The device relays chat-server bytes: it is preferred as leader. Never rejects. */
    public markProxyActive(): void {
        const { groupId, deviceId, connectionId } = this.#identity;
        this.#ports.backend.coordinator
            .updatePresence(groupId, deviceId, connectionId, { proxyActive: true })
            .catch((error: unknown) => this.#link.logger.warn('marking proxy activity failed', { error }));
    }

    /** The device was sent its backlog and ReflectionQueueDry: it may become leader. */
    public async becomeEligible(): Promise<void> {
        const { groupId, deviceId, connectionId } = this.#identity;
        // Marked eligible and the election run in one step (one round trip on Redis).
        await this.#ports.backend.coordinator.becomeEligible(groupId, deviceId, connectionId, this.#ports.now());
    }

    /** The group promoted this connection to leader: tells the device once. */
    public onPromoted(term: number): void {
        if (this.#leader) return;
        this.#leader = true;
        this.#ports.metrics.leaderPromoted();
        this.#link.logger.info('promoted to leader', { term });
        this.#link.notify({ type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body: {} });
    }

    /**
     * The group's lock under `token` ended. When this connection still holds
     * that grant, it ended elsewhere (its TTL ran out and another node ended
     * it, its presence expired, a sweep): the device must not go on as if it
     * held the lock, so it is closed with 1013 ("transaction lock lost"; its
     * held reflections were delivered by whoever ended the lock). A grant
     * this connection released itself, or an older one, changes nothing.
     */
    public onLockEnded(token: string): void {
        const held = this.#lock;
        if (held === undefined || held.lock.token !== token) return;
        held.cancelTimer();
        this.#lock = undefined;
        this.#ports.metrics.lockReleased(this.#identity.groupId, token);
        this.#link.logger.info('transaction lock ended elsewhere', { token });
        this.#link.close(CloseCode.TRY_AGAIN_LATER, 'transaction lock lost');
    }

    /**
     * The connection ended (after its last request finished): releases the
     * lock if it holds it, delivering the reflections held for it.
     */
    public async end(): Promise<void> {
        if (this.#lock !== undefined) await this.#release();
    }

    #acquired(lock: TransactionLock, ttlMs: number): void {
        const startTimer = this.#ports.startTimer ?? startRealTimer;
        const cancelTimer = startTimer(ttlMs, () =>
            this.#link.close(CloseCode.TRANSACTION_TTL_EXCEEDED, 'transaction TTL reached'),
        );
        this.#lock = { lock, cancelTimer };
        this.#ports.metrics.lockAcquired(this.#identity.groupId, lock.token);
    }

    /**
     * The one release path: held reflections delivered, then the lock ended
     * (TransactionEnded). Resolves whether the lock was still this
     * connection's under its token when it was released.
     */
    async #release(): Promise<boolean> {
        const held = this.#lock;
        if (held === undefined) return false;
        held.cancelTimer();
        this.#lock = undefined;
        const { groupId, policy } = this.#identity;
        const ended = await releaseLock(this.#ports, groupId, held.lock, policy);
        this.#ports.metrics.lockReleased(groupId, held.lock.token);
        return ended;
    }
}
