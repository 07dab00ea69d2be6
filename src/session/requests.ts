/**
 * Handlers for what an authenticated device sends: reflections and their
 * acks, transactions, device management and Proxy frames. One handler runs
 * at a time, in arrival order (the session guarantees it).
 *
 * Proxy frames go to the device's chat-server relay (src/upstream/), opened
 * on the first one; the relay ends with the connection.
 */
import {
    CloseCode,
    D2mPayloadType,
    D2mProtocolError,
    payloadTypeName,
    Reflect,
    Reflected,
    type BeginTransaction,
    type D2mMessage,
    type DeviceId,
} from '../../d2m/index.js';
import { ChatServerProxyError, LockLostError } from '../errors.js';
import { devicesInfo } from '../mediator/devices-info.js';
import { dropSlot, handleOverflow } from '../mediator/slots.js';
import { endExpiredLock } from '../mediator/transactions.js';
import type { QueueLimits } from '../storage/reflection-queue.js';
import type { UpstreamConnection } from '../upstream/upstream-connection.js';
import type { ActiveSession } from './session.js';

function unexpected(type: D2mPayloadType): D2mProtocolError {
    return new D2mProtocolError('unexpected-message', `${payloadTypeName(type)} is not accepted from a client`);
}

export class SessionRequests {
    readonly #limits: QueueLimits;
    #lockTimer: NodeJS.Timeout | undefined;
    /** The chat-server relay, from the first Proxy frame on. */
    #upstream: UpstreamConnection | undefined;
    /** The relay failed or the connection ended: later Proxy frames are dropped. */
    #upstreamOver = false;

    public constructor(private readonly session: ActiveSession) {
        this.#limits = {
            maxCount: session.login.policy.queueMaxCount,
            maxBytes: session.login.policy.queueMaxBytes,
        };
    }

    public async handle(message: D2mMessage): Promise<void> {
        switch (message.type) {
            case D2mPayloadType.REFLECT:
                return this.#reflect(message.body);
            case D2mPayloadType.REFLECTED_ACK:
                if (!(await this.session.ackReflected(message.body.reflectedId))) {
                    this.session.logger.debug('ignored ack for an unknown or ephemeral reflected id', {
                        id: message.body.reflectedId,
                    });
                }
                return;
            case D2mPayloadType.GET_DEVICES_INFO:
                this.session.send({
                    type: D2mPayloadType.DEVICES_INFO,
                    body: await devicesInfo(this.session.ctx, this.session.groupId),
                });
                return;
            case D2mPayloadType.DROP_DEVICE:
                return this.#dropDevice(message.body.deviceId);
            case D2mPayloadType.SET_SHARED_DEVICE_DATA:
                await this.session.ctx.backend.groups.setSharedDeviceData(
                    this.session.groupId,
                    message.body.encryptedSharedDeviceData.slice(),
                );
                return;
            case D2mPayloadType.BEGIN_TRANSACTION:
                return this.#beginTransaction(message.body);
            case D2mPayloadType.COMMIT_TRANSACTION:
                return this.#commitTransaction();
            case D2mPayloadType.PROXY:
                this.onProxy(message.body);
                return;
            case D2mPayloadType.CLIENT_HELLO:
                throw new D2mProtocolError('unexpected-message', 'a second ClientHello');
            case D2mPayloadType.SERVER_HELLO:
            case D2mPayloadType.SERVER_INFO:
            case D2mPayloadType.REFLECTION_QUEUE_DRY:
            case D2mPayloadType.ROLE_PROMOTED_TO_LEADER:
            case D2mPayloadType.DEVICES_INFO:
            case D2mPayloadType.DROP_DEVICE_ACK:
            case D2mPayloadType.BEGIN_TRANSACTION_ACK:
            case D2mPayloadType.COMMIT_TRANSACTION_ACK:
            case D2mPayloadType.TRANSACTION_REJECTED:
            case D2mPayloadType.TRANSACTION_ENDED:
            case D2mPayloadType.REFLECT_ACK:
            case D2mPayloadType.REFLECTED:
                throw unexpected(message.type);
            default:
                return message satisfies never;
        }
    }

    /**
     * Chat-server bytes from the device (also those buffered before
     * authentication, in order). The first one opens the relay to the
     * device's chat server and marks the device as preferred for leadership.
     * Throws {@link ChatServerProxyError} (4001) when the device's server
     * group has no chat server.
     */
    public onProxy(data: Uint8Array): void {
        if (this.#upstreamOver) return;
        if (this.#upstream === undefined) {
            const { ctx, groupId, deviceId, connectionId, chatServer } = this.session;
            if (chatServer === undefined) {
                this.#upstreamOver = true;
                throw new ChatServerProxyError('no-chat-server', 'this mediator has no chat-server proxy');
            }
            try {
                this.#upstream = chatServer.open({
                    serverGroup: this.session.serverGroup,
                    device: {
                        sendProxy: (message) => this.session.send({ type: D2mPayloadType.PROXY, body: message }),
                        bufferedAmount: () => this.session.bufferedAmount(),
                    },
                    logger: this.session.logger,
                    onEnd: (error) => {
                        this.#upstreamOver = true;
                        this.session.fail(error);
                    },
                });
            } catch (error) {
                this.#upstreamOver = true;
                throw error;
            }
            ctx.backend.coordinator
                .updatePresence(groupId, deviceId, connectionId, { proxyActive: true })
                .catch((error: unknown) => this.session.logger.warn('marking proxy activity failed', { error }));
        }
        this.#upstream.write(data);
    }

    /** The device's WebSocket drained: the relay may read from the chat server again. */
    public onDrain(): void {
        this.#upstream?.onDeviceDrain();
    }

    /** The device's WebSocket closed: drop the chat-server connection at once. */
    public onSocketClosed(): void {
        this.#upstreamOver = true;
        this.#upstream?.destroy();
    }

    /**
     * The connection ended: drop the chat-server connection, and release the
     * lock (delivering held reflections) if this device holds it.
     */
    /** Whether this connection holds the group's transaction lock. */
    public get holdsLock(): boolean {
        return this.session.lock !== undefined;
    }

    public async onConnectionEnd(): Promise<void> {
        this.onSocketClosed();
        clearTimeout(this.#lockTimer);
        const lock = this.session.lock;
        if (lock === undefined) return;
        this.session.lock = undefined;
        await this.#releaseLock(lock.token);
    }

    async #reflect(reflect: Reflect.Type): Promise<void> {
        const { ctx, groupId, deviceId } = this.session;
        const handlingSince = performance.now();
        ctx.metrics.reflectReceived(Reflect.isEphemeral(reflect));
        if (reflect.envelope.byteLength > Reflected.ENVELOPE_MAX_BYTE_LENGTH) {
            throw new D2mProtocolError(
                'invalid-field',
                `envelope of ${reflect.envelope.byteLength} bytes does not fit a Reflected`,
            );
        }
        const timestamp = ctx.now();
        if (Reflect.isEphemeral(reflect)) {
            await ctx.backend.coordinator.publish(groupId, {
                type: 'ephemeral',
                senderDeviceId: deviceId,
                flags: reflect.flags,
                timestamp,
                envelope: reflect.envelope.slice(),
            });
            return;
        }
        const result = await ctx.backend.queue.append({
            groupId,
            senderDeviceId: deviceId,
            flags: reflect.flags,
            envelope: reflect.envelope,
            timestamp,
            limits: this.#limits,
            hold: this.session.lock?.token,
        });
        this.session.send({ type: D2mPayloadType.REFLECT_ACK, body: { reflectId: reflect.reflectId, timestamp } });
        ctx.metrics.reflectAcked(performance.now() - handlingSince);
        if (result.overflowed.length > 0) {
            await handleOverflow(ctx, groupId, result.overflowed, this.session.login.policy);
        }
    }

    async #dropDevice(target: DeviceId): Promise<void> {
        const { ctx, groupId, deviceId, connectionId } = this.session;
        await dropSlot(ctx, groupId, target, connectionId);
        this.session.send({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: target } });
        if (target === deviceId) this.session.close(CloseCode.DEVICE_DROPPED, 'device dropped itself');
    }

    async #beginTransaction(request: BeginTransaction.Type): Promise<void> {
        const { ctx, groupId, deviceId, connectionId } = this.session;
        if (this.session.lock !== undefined) {
            throw new D2mProtocolError('unexpected-message', 'BeginTransaction while holding the lock');
        }
        const { transactionTtlDefaultS, transactionTtlMaxS } = ctx.config;
        const ttlS = request.ttl === 0 ? transactionTtlDefaultS : Math.min(request.ttl, transactionTtlMaxS);
        // A lock left behind by a dead holder is ended properly (held reflections, TransactionEnded) first.
        await endExpiredLock(ctx, groupId, ctx.now());
        const result = await ctx.backend.coordinator.beginTransaction(groupId, {
            deviceId,
            connectionId,
            encryptedScope: request.encryptedScope.slice(),
            ttlMs: ttlS * 1000,
            now: ctx.now(),
        });
        switch (result.status) {
            case 'acquired':
                this.session.lock = result.lock;
                ctx.metrics.lockAcquired(groupId, result.lock.token);
                this.#lockTimer = setTimeout(
                    () => this.session.close(CloseCode.TRANSACTION_TTL_EXCEEDED, 'transaction TTL reached'),
                    ttlS * 1000,
                );
                this.session.send({ type: D2mPayloadType.BEGIN_TRANSACTION_ACK, body: {} });
                return;
            case 'rejected':
                ctx.metrics.transactionRejected();
                this.session.send({
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

    async #commitTransaction(): Promise<void> {
        const lock = this.session.lock;
        if (lock === undefined) {
            throw new D2mProtocolError('unexpected-message', 'CommitTransaction without holding the lock');
        }
        clearTimeout(this.#lockTimer);
        this.session.lock = undefined;
        if (!(await this.#releaseLock(lock.token))) {
            // Fenced commit: the lock ended elsewhere (or another device holds it now): no ack, close 1013.
            throw new LockLostError('CommitTransaction refused: the transaction lock ended before the commit');
        }
        this.session.send({ type: D2mPayloadType.COMMIT_TRANSACTION_ACK, body: {} });
    }

    /**
     * Delivers the reflections held for the transaction, then releases the
     * lock (TransactionEnded). Resolves whether the lock was still this
     * connection's under `token` when it was released.
     */
    async #releaseLock(token: string): Promise<boolean> {
        const { ctx, groupId, connectionId } = this.session;
        const released = await ctx.backend.queue.releaseHeld(groupId, token, this.#limits);
        if (released.overflowed.length > 0) {
            await handleOverflow(ctx, groupId, released.overflowed, this.session.login.policy);
        }
        const ended = await ctx.backend.coordinator.endTransaction(groupId, connectionId, token);
        ctx.metrics.lockReleased(groupId, token);
        return ended !== undefined;
    }
}
