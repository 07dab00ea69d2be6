/**
 * One device connection, from ServerHello to close.
 *
 * Inbound frames are processed strictly in arrival order, one at a time,
 * also while verification or storage is still running: frames that arrive
 * meanwhile wait in the inbox. Proxy frames before authentication are
 * buffered (bounded). Errors that escape a handler close the connection
 * with the code from `closeCodeForError`, the only place errors become
 * close codes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
    CloseCode,
    D2mPayloadType,
    D2mProtocolError,
    decodeMessage,
    DeviceSlotState,
    encodeMessage,
    payloadTypeName,
    type ClientHello,
    type D2mMessage,
    type DeviceId,
    type ParsedClientUrlInfo,
    type ServerChallenge,
} from '../../d2m/index.js';
import { closeCodeForError, SessionClosedError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MediatorContext } from '../mediator/context.js';
import { handshakeOutcomeOf } from '../metrics/hooks.js';
import type { GroupMember, LocalGroups } from '../mediator/local-groups.js';
import { login, logout, type LoginResult } from '../mediator/login.js';
import type { GroupEvent, TransactionLock } from '../storage/group-coordinator.js';
import type { ChatServerProxy } from '../upstream/chat-server-proxy.js';
import { groupIdFromBytes, type ConnectionId, type GroupId } from '../storage/types.js';
import { Delivery, reflectedFrame } from './delivery.js';
import { createServerChallenge, serverHelloFrame, verifyClientHello } from './handshake.js';
import { SessionRequests } from './requests.js';
import type { ConnectionTransport } from './transport.js';

/**
 * How long a leader or lock holder closed by the mediator keeps its role
 * after the close frame was sent, so that it has stopped acting on it
 * before another device is promoted or granted the lock: half a presence
 * renewal interval, at most 500 ms (well inside the presence margin).
 */
export function handoffGraceMs(presenceRenewIntervalMs: number): number {
    return Math.min(500, Math.floor(presenceRenewIntervalMs / 2));
}

/** Unprocessed inbound bytes a connection may pile up before it is closed (4010). */
export const INBOX_MAX_BYTES = 16 * 1024 * 1024;

type State = 'awaiting-hello' | 'authenticating' | 'active' | 'closed';

export interface SessionStats {
    readonly connectionId: ConnectionId;
    readonly groupId: GroupId;
    readonly state: State;
    readonly deviceId: DeviceId | undefined;
    /** Bytes waiting in the socket for the device to read them. */
    readonly bufferedAmount: number;
    /** Reflections sent on this connection and not acknowledged yet. */
    readonly unackedReflections: number;
    /** Inbound bytes received and not processed yet. */
    readonly inboxBytes: number;
}

export interface SessionDependencies {
    readonly ctx: MediatorContext;
    readonly localGroups: LocalGroups;
    /** Relays Proxy frames to the chat server; without it, a device that sends Proxy frames is closed with 4001. */
    readonly chatServer?: ChatServerProxy;
    /** Called once the session is closed and cleaned up. */
    readonly onFinished?: (session: Session) => void;
    /** Called once the device's ClientHello verified (the connection stops counting as unauthenticated). */
    readonly onAuthenticated?: () => void;
}

/** What the request handlers (requests.ts) may use of their session. */
export interface ActiveSession {
    readonly ctx: MediatorContext;
    readonly groupId: GroupId;
    readonly deviceId: DeviceId;
    readonly connectionId: ConnectionId;
    /** The chat-server group from the device's ClientUrlInfo. */
    readonly serverGroup: string;
    readonly login: LoginResult;
    readonly logger: Logger;
    lock: TransactionLock | undefined;
    readonly chatServer: ChatServerProxy | undefined;
    send(message: D2mMessage): void;
    /** Bytes the device's WebSocket holds that the device has not read yet. */
    bufferedAmount(): number;
    close(code: CloseCode, reason: string): void;
    /** Closes with the code `closeCodeForError` gives for `error`. */
    fail(error: unknown): void;
    /** Removes the acknowledged item; false for an unknown or ephemeral id. */
    ackReflected(reflectedId: number): Promise<boolean>;
}

export class Session implements GroupMember {
    public readonly groupId: GroupId;
    readonly #deps: SessionDependencies;
    readonly #transport: ConnectionTransport;
    readonly #challenge: ServerChallenge;
    readonly #inbox: Uint8Array[] = [];
    readonly #preAuthProxy: Uint8Array[] = [];
    #logger: Logger;
    #state: State = 'awaiting-hello';
    #inboxBytes = 0;
    #preAuthProxyBytes = 0;
    #processing = false;
    #handshakeTimer: NodeJS.Timeout | undefined;
    #delivery: Delivery | undefined;
    #requests: SessionRequests | undefined;
    #hello: ClientHello.Type | undefined;
    #attached = false;
    #promoted = false;
    #finished: Promise<void> | undefined;
    /** Closed by the mediator while leader or lock holder: wait before handing the role on. */
    #handoffGrace = false;
    /** The frame being handled now; cleanup waits for it (a login may be half done). */
    #inflight: Promise<void> | undefined;
    /** Ids for ephemeral Reflected frames count down from 2^32 - 1, away from queue ids. */
    #nextEphemeralId = 0xffff_ffff;

    public constructor(
        deps: SessionDependencies,
        transport: ConnectionTransport,
        public readonly urlInfo: ParsedClientUrlInfo,
        public readonly connectionId: ConnectionId,
    ) {
        this.#deps = deps;
        this.#transport = transport;
        this.groupId = groupIdFromBytes(urlInfo.deviceGroupId);
        this.#logger = deps.ctx.logger.child({ conn: connectionId, group: this.groupId.slice(0, 8) });
        this.#challenge = createServerChallenge(deps.ctx.crypto);
    }

    /** Sends ServerHello and starts the handshake timeout. */
    public start(): void {
        this.#transport.send(serverHelloFrame(this.#challenge));
        this.#handshakeTimer = setTimeout(() => {
            this.#deps.ctx.metrics.handshake('timeout');
            this.close(CloseCode.PROTOCOL_ERROR, 'handshake timeout');
        }, this.#deps.ctx.config.handshakeTimeoutMs);
    }

    public get state(): State {
        return this.#state;
    }

    /** A snapshot for introspection (tests, and later the admin API). */
    public stats(): SessionStats {
        return {
            connectionId: this.connectionId,
            groupId: this.groupId,
            state: this.#state,
            deviceId: this.#hello?.deviceId,
            bufferedAmount: this.#transport.bufferedAmount(),
            unackedReflections: this.#delivery?.unackedCount ?? 0,
            inboxBytes: this.#inboxBytes,
        };
    }

    /** Logged in: its presence is registered (GroupMember). */
    public get registered(): boolean {
        return this.#state === 'active';
    }

    /** The device id once ClientHello was received. */
    public get deviceId(): DeviceId | undefined {
        return this.#hello?.deviceId;
    }

    /** One inbound WebSocket message (a copy the session may keep). */
    public onFrame(frame: Uint8Array): void {
        if (this.#state === 'closed') return;
        this.#inboxBytes += frame.byteLength;
        if (this.#inboxBytes > INBOX_MAX_BYTES) {
            this.close(CloseCode.PROTOCOL_ERROR, 'too much unprocessed input');
            return;
        }
        this.#inbox.push(frame);
        if (!this.#processing) void this.#processInbox();
    }

    public onDrain(): void {
        this.#delivery?.onDrain();
        this.#requests?.onDrain();
    }

    /** Closes the connection; cleanup follows from the transport's close event. */
    public close(code: CloseCode, reason: string): void {
        if (this.#state === 'closed') return;
        // The device learns of the close only when the close frame reaches it: its
        // leader role or lock passes on a little later, never while it may still act.
        this.#handoffGrace = this.#promoted || this.#requests?.holdsLock === true;
        this.#deps.ctx.metrics.closeSent(code);
        this.#logger.debug('closing connection', { code, reason });
        this.#transport.close(code, reason);
        // The transport reports the close through onClosed; make sure it happens once.
        void this.onClosed();
    }

    /** The socket is closed (by either side). Resolves once the session is cleaned up. */
    public onClosed(): Promise<void> {
        if (this.#finished !== undefined) return this.#finished;
        this.#state = 'closed';
        clearTimeout(this.#handshakeTimer);
        this.#delivery?.stop();
        this.#requests?.onSocketClosed();
        this.#inbox.length = 0;
        this.#finished = this.#cleanup().finally(() => this.#deps.onFinished?.(this));
        return this.#finished;
    }

    public onGroupEvent(event: GroupEvent): void {
        const delivery = this.#delivery;
        const deviceId = this.#hello?.deviceId;
        if (delivery === undefined || deviceId === undefined || this.#state === 'closed') return;
        switch (event.type) {
            case 'appended': {
                const index = event.deviceIds.indexOf(deviceId);
                if (index >= 0) delivery.wakeQueue(event.seqs?.[index]);
                break;
            }
            case 'ephemeral':
                if (event.senderDeviceId !== deviceId) {
                    const id = this.#nextEphemeralId;
                    this.#nextEphemeralId = id === 0x8000_0000 ? 0xffff_ffff : id - 1;
                    const frame = reflectedFrame(event.flags, id, event.timestamp, event.envelope);
                    if (delivery.offer(frame)) this.#deps.ctx.metrics.delivered(1, true);
                    else this.#deps.ctx.metrics.ephemeralDropped();
                }
                break;
            case 'kick':
                if (event.connectionId === this.connectionId) this.close(event.code, 'closed by the mediator');
                break;
            case 'transaction-ended':
                if (event.connectionId !== this.connectionId) {
                    delivery.sendInOrder(
                        encodeMessage({
                            type: D2mPayloadType.TRANSACTION_ENDED,
                            body: { deviceId: event.deviceId, encryptedScope: event.encryptedScope },
                        }),
                    );
                }
                break;
            case 'promoted':
                if (event.connectionId === this.connectionId && !this.#promoted) {
                    this.#promoted = true;
                    this.#deps.ctx.metrics.leaderPromoted();
                    this.#logger.info('promoted to leader', { term: event.term });
                    delivery.sendInOrder(encodeMessage({ type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body: {} }));
                }
                break;
            case 'bus-interrupted':
                // A missed kick, promotion or append cannot be recovered here; the device reconnects.
                this.close(CloseCode.TRY_AGAIN_LATER, 'event bus interrupted');
                break;
            default:
                event satisfies never;
        }
    }

    async #processInbox(): Promise<void> {
        this.#processing = true;
        try {
            for (let frame = this.#inbox.shift(); frame !== undefined; frame = this.#inbox.shift()) {
                this.#inboxBytes -= frame.byteLength;
                if (this.#state === 'closed') return;
                this.#inflight = this.#handleFrame(frame);
                await this.#inflight;
            }
        } catch (error) {
            this.#fail(error);
        } finally {
            this.#processing = false;
            this.#inflight = undefined;
        }
    }

    #fail(error: unknown): void {
        if (this.#state === 'awaiting-hello' || this.#state === 'authenticating') {
            this.#deps.ctx.metrics.handshake(handshakeOutcomeOf(error));
        }
        const code = closeCodeForError(error);
        if (code === CloseCode.INTERNAL_ERROR) this.#logger.error('session failed', { error });
        else this.#logger.debug('session ended by error', { error, code });
        this.close(code, error instanceof SessionClosedError ? error.message.slice(0, 100) : 'closed');
    }

    async #handleFrame(frame: Uint8Array): Promise<void> {
        const message = decodeMessage(frame);
        if (message.type === D2mPayloadType.PROXY) {
            this.#handleProxy(message.body);
            return;
        }
        if (this.#state === 'awaiting-hello') {
            if (message.type !== D2mPayloadType.CLIENT_HELLO) {
                throw new D2mProtocolError(
                    'unexpected-message',
                    `expected ClientHello, got ${payloadTypeName(message.type)}`,
                );
            }
            await this.#authenticate(message.body);
            return;
        }
        const requests = this.#requests;
        if (requests === undefined) throw new D2mProtocolError('unexpected-message', 'not authenticated');
        await requests.handle(message);
    }

    #handleProxy(data: Uint8Array): void {
        if (this.#state !== 'active') {
            this.#preAuthProxyBytes += data.byteLength;
            if (this.#preAuthProxyBytes > this.#deps.ctx.config.proxyPreAuthBufferBytes) {
                throw new D2mProtocolError('unexpected-message', 'too many Proxy bytes before authentication');
            }
            this.#preAuthProxy.push(data);
            return;
        }
        this.#requests?.onProxy(data);
    }

    async #authenticate(hello: ClientHello.Type): Promise<void> {
        const { ctx, localGroups } = this.#deps;
        verifyClientHello(ctx.crypto, this.#challenge, this.urlInfo.deviceGroupId, hello);
        this.#deps.onAuthenticated?.();
        this.#state = 'authenticating';
        this.#hello = hello;
        this.#logger = this.#logger.child({ device: hello.deviceId });
        const delivery = new Delivery({
            queue: ctx.backend.queue,
            groupId: this.groupId,
            deviceId: hello.deviceId,
            send: (frame) => this.#transport.send(frame),
            bufferedAmount: () => this.#transport.bufferedAmount(),
            highWaterBytes: ctx.config.deliveryHighWaterBytes,
            batchItems: ctx.config.deliveryBatchItems,
            metrics: ctx.metrics,
            onError: (error) => this.#fail(error),
        });
        this.#delivery = delivery;
        // Subscribe before reading the queue, so no later append goes unnoticed.
        await localGroups.attach(this.groupId, this);
        this.#attached = true;
        if (this.#isClosed()) return;
        const result = await login(ctx, { groupId: this.groupId, connectionId: this.connectionId, hello });
        if (this.#isClosed()) return;
        clearTimeout(this.#handshakeTimer);
        ctx.metrics.handshake('ok');
        this.#transport.send(
            encodeMessage({
                type: D2mPayloadType.SERVER_INFO,
                body: {
                    maxDeviceSlots: result.policy.maxDeviceSlots,
                    deviceSlotState: result.slotState,
                    encryptedSharedDeviceData: result.encryptedSharedDeviceData,
                    currentTime: ctx.now(),
                    reflectionQueueLength: result.queueLength,
                },
            }),
        );
        this.#logger.info('device logged in', {
            slot: result.slotState === DeviceSlotState.NEW ? 'new' : 'existing',
            queued: result.queueLength,
            revision: this.urlInfo.revision,
        });
        this.#requests = new SessionRequests(this.#activeSession(result));
        this.#state = 'active';
        for (const data of this.#preAuthProxy.splice(0)) this.#requests.onProxy(data);
        delivery.start(result.queueLength, () => this.#afterBacklog());
    }

    /** Re-reads the state (it may change while awaiting). */
    #isClosed(): boolean {
        return this.#state === 'closed';
    }

    async #afterBacklog(): Promise<void> {
        this.#transport.send(encodeMessage({ type: D2mPayloadType.REFLECTION_QUEUE_DRY, body: {} }));
        const { coordinator } = this.#deps.ctx.backend;
        const deviceId = this.#hello!.deviceId;
        await coordinator.updatePresence(this.groupId, deviceId, this.connectionId, { eligible: true });
        await coordinator.electLeader(this.groupId, this.#deps.ctx.now());
    }

    #activeSession(login: LoginResult): ActiveSession {
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- handlers act on this session
        const session = this;
        return {
            ctx: this.#deps.ctx,
            groupId: this.groupId,
            deviceId: this.#hello!.deviceId,
            connectionId: this.connectionId,
            serverGroup: this.urlInfo.serverGroup,
            login,
            logger: this.#logger,
            lock: undefined,
            chatServer: this.#deps.chatServer,
            send: (message) => {
                if (session.#state !== 'closed') session.#transport.send(encodeMessage(message));
            },
            bufferedAmount: () => session.#transport.bufferedAmount(),
            close: (code, reason) => session.close(code, reason),
            fail: (error) => session.#fail(error),
            ackReflected: async (reflectedId) => (await session.#delivery?.ack(reflectedId)) ?? false,
        };
    }

    async #cleanup(): Promise<void> {
        const hello = this.#hello;
        const { ctx, localGroups } = this.#deps;
        // Let a half-done login finish, so that what it registered is undone below.
        await this.#inflight?.catch(() => undefined);
        try {
            if (this.#handoffGrace) await sleep(handoffGraceMs(ctx.config.presenceRenewIntervalMs));
            if (hello !== undefined && this.#state === 'closed' && this.#requests !== undefined) {
                await this.#requests.onConnectionEnd();
            }
            if (hello !== undefined && this.#attached) {
                const wasCurrent = await logout(ctx, this.groupId, hello.deviceId, this.connectionId);
                if (wasCurrent) await ctx.backend.coordinator.electLeader(this.groupId, ctx.now());
            }
        } catch (error) {
            this.#logger.warn('cleanup after close failed', { error });
        } finally {
            if (this.#attached) localGroups.detach(this.groupId, this);
        }
    }
}
