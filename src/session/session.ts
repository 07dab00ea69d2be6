/**
 * One device connection's state machine, from ServerHello to close:
 * `awaiting-hello` → `authenticating` (ClientHello verified, login running)
 * → `active` (ServerInfo sent) → `closed`. What exists only once the device
 * is known (its hello, its delivery, its device connection) lives in the
 * state that has it, so it cannot be read before.
 *
 * Each inbound frame passes the connection's rate limit, then waits in the
 * inbox: frames are processed strictly in arrival order, one at a time,
 * also while verification or storage is still running: frames that arrive
 * meanwhile wait in the inbox. Once active, each decoded message is
 * dispatched (dispatch.ts) to the device connection (src/mediator/), which
 * does the domain work; Proxy frames go to the connection's relay at every
 * stage (it buffers them until the device is authenticated). Errors that
 * escape a handler close the connection with the code from
 * `closeCodeForError`, the only place errors become close codes.
 *
 * One exception to "one at a time": a stored (not ephemeral) Reflect is
 * done with once its append has been started; the reflect pipeline
 * (reflect-pipeline.ts) sends its ReflectAck after the earlier ones', once
 * the append resolved, while the inbox goes on (at most `reflectsInFlight`
 * appends in flight). A ReflectedAck and a Proxy frame do not wait for
 * those appends (neither depends on them); every other request (ephemeral
 * Reflect, BeginTransaction, CommitTransaction, DropDevice, ...) waits until
 * they have completed, and so does a frame whose handling fails, so that the
 * acks of the Reflects before it go out before the close. The first failed
 * append closes the connection; no ReflectAck follows it.
 */
import {
    CloseCode,
    D2mPayloadType,
    D2mProtocolError,
    decodeMessage,
    ReflectMessage,
    DeviceSlotState,
    encodeMessage,
    payloadTypeName,
    type ClientHello,
    type D2mMessage,
    type DeviceId,
    type ParsedClientUrlInfo,
    type ServerChallenge,
} from '../../d2m/index.js';
import { startRealTimer, type StartTimer } from '../clock.js';
import { closeCodeForError, SessionClosedError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { DeviceConnection, DeviceIdentity } from '../mediator/device-connection.js';
import type { GroupMember } from '../mediator/local-groups.js';
import type { LoginResult } from '../mediator/login.js';
import { ProxyRelay } from '../mediator/proxy-relay.js';
import { handshakeOutcomeOf } from '../metrics/hooks.js';
import type { GroupEvent } from '../storage/group-coordinator.js';
import { groupIdFromBytes, shortGroupId, type ConnectionId, type GroupId } from '../storage/types.js';
import type { ConnectionTransport } from '../transport/connection-transport.js';
import { Delivery } from './delivery.js';
import { dispatchRequest } from './dispatch.js';
import { reflectAckFrame } from './frames.js';
import { Inbox } from './inbox.js';
import { ReflectPipeline } from './reflect-pipeline.js';
import { createServerChallenge, serverHelloFrame, verifyClientHello, wipeChallenge } from './handshake.js';
import type { SessionHooks, SessionPorts, SessionStateKind, SessionStats } from './ports.js';

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

/** Waiting for the ClientHello. */
interface AwaitingHello {
    readonly kind: 'awaiting-hello';
}

/** ClientHello verified; subscribing to the group and logging in. */
interface Authenticating {
    readonly kind: 'authenticating';
    readonly hello: ClientHello.Type;
    /** Gathers group events from the subscription on; starts after ServerInfo. */
    readonly delivery: Delivery;
    /** Subscribed to the group's events (cleanup detaches and logs out). */
    attached: boolean;
}

/** ServerInfo sent: the device's requests go to its device connection. */
interface Active {
    readonly kind: 'active';
    readonly hello: ClientHello.Type;
    readonly delivery: Delivery;
    readonly device: DeviceConnection;
}

/** The connection ended; `finished` resolves once the session is cleaned up. */
interface Closed {
    readonly kind: 'closed';
    readonly finished: Promise<void>;
}

type OpenState = AwaitingHello | Authenticating | Active;

/**
 * Whether the acks before a request of this type must be applied before it
 * is handled: it may observe the device's queue (or change what an ack
 * applied later would hit: a dropped and re-created slot starts its seqs
 * again), and its answer proves the acks before it were applied. A Reflect
 * only touches the other slots' queues: its append runs alongside the acks'
 * batch and its ReflectAck waits for both (DeviceConnection.reflect). A
 * ReflectedAck joins the batch; Proxy frames are the chat server's.
 */
function observesAcks(type: D2mPayloadType): boolean {
    return type !== D2mPayloadType.REFLECTED_ACK && type !== D2mPayloadType.REFLECT && type !== D2mPayloadType.PROXY;
}
type State = OpenState | Closed;

export class Session implements GroupMember {
    public readonly groupId: GroupId;
    public readonly urlInfo: ParsedClientUrlInfo;
    public readonly connectionId: ConnectionId;
    readonly #ports: SessionPorts;
    readonly #hooks: SessionHooks;
    readonly #transport: ConnectionTransport;
    readonly #challenge: ServerChallenge;
    readonly #startTimer: StartTimer;
    readonly #relay: ProxyRelay;
    readonly #inbox: Inbox;
    /** Stored Reflects whose appends are in flight (active state only). */
    readonly #reflects: ReflectPipeline;
    /** The pipeline's bound: a Reflect that finds it reached waits (`whenReady`). */
    readonly #maxReflectsInFlight: number;
    #state: State = { kind: 'awaiting-hello' };
    #logger: Logger;
    #cancelHandshakeTimer: () => void = () => undefined;

    public constructor(
        ports: SessionPorts,
        hooks: SessionHooks,
        transport: ConnectionTransport,
        urlInfo: ParsedClientUrlInfo,
        connectionId: ConnectionId,
    ) {
        this.#ports = ports;
        this.#hooks = hooks;
        this.#transport = transport;
        this.urlInfo = urlInfo;
        this.connectionId = connectionId;
        this.groupId = groupIdFromBytes(urlInfo.deviceGroupId);
        this.#logger = ports.logger.child({ conn: connectionId, group: shortGroupId(this.groupId) });
        this.#challenge = createServerChallenge(ports.crypto);
        this.#startTimer = ports.startTimer ?? startRealTimer;
        this.#relay = new ProxyRelay(ports.chatServer, ports.config.proxyPreAuthBufferBytes);
        this.#inbox = new Inbox(
            INBOX_MAX_BYTES,
            (frame) => this.#handleFrame(frame),
            (error) => this.#fail(error),
        );
        this.#maxReflectsInFlight = ports.reflectsInFlight ?? 1;
        this.#reflects = new ReflectPipeline(this.#maxReflectsInFlight, (error) => this.#fail(error));
    }

    /** Sends ServerHello and starts the handshake timeout. */
    public start(): void {
        this.#transport.send(serverHelloFrame(this.#challenge));
        this.#cancelHandshakeTimer = this.#startTimer(this.#ports.config.handshakeTimeoutMs, () => {
            this.#ports.metrics.handshake('timeout');
            this.close(CloseCode.PROTOCOL_ERROR, 'handshake timeout');
        });
    }

    public get state(): SessionStateKind {
        return this.#state.kind;
    }

    /** A snapshot for introspection (tests, metrics and the admin API). */
    public stats(): SessionStats {
        const state = this.#state;
        const known = state.kind === 'authenticating' || state.kind === 'active' ? state : undefined;
        return {
            connectionId: this.connectionId,
            groupId: this.groupId,
            state: state.kind,
            deviceId: known?.hello.deviceId,
            bufferedAmount: this.#transport.bufferedAmount(),
            unackedReflections: known?.delivery.unackedCount ?? 0,
            inboxBytes: this.#inbox.bytes,
            reflectsInFlight: this.#reflects.inFlight,
        };
    }

    /** Logged in: its presence is registered (GroupMember). */
    public get registered(): boolean {
        return this.#state.kind === 'active';
    }

    /** The device id once ClientHello was verified. */
    public get deviceId(): DeviceId | undefined {
        const state = this.#state;
        return state.kind === 'authenticating' || state.kind === 'active' ? state.hello.deviceId : undefined;
    }

    /** One inbound WebSocket message (a copy in the frame pool, see ConnectionHandler). */
    public onFrame(frame: Uint8Array): void {
        const kind = this.#state.kind;
        if (kind === 'closed') return;
        // The ClientHello's fields stay with the session for its life: not as views into a pool slab.
        if (kind === 'awaiting-hello') frame = frame.slice();
        const exceeded = this.#hooks.admitInbound?.(frame.byteLength);
        if (exceeded !== undefined) {
            this.#ports.metrics.inboundLimitExceeded(exceeded);
            this.close(CloseCode.PROTOCOL_ERROR, `inbound ${exceeded} limit exceeded`);
            return;
        }
        if (!this.#inbox.push(frame)) this.close(CloseCode.PROTOCOL_ERROR, 'too much unprocessed input');
    }

    public onDrain(): void {
        const state = this.#state;
        if (state.kind === 'authenticating' || state.kind === 'active') state.delivery.onDrain();
        this.#relay.onDeviceDrain();
    }

    /**
     * Asked by the transport right before it writes what this turn queued
     * (every frame goes out that way, and a stall may have passed since
     * it was queued): false drops it, and the session closes with 1013.
     */
    public mayWrite(): boolean {
        if (!this.#lapsed()) return true;
        queueMicrotask(() => this.#closeLapsed());
        return false;
    }

    /**
     * Whether this connection's presence may have expired elsewhere: it is
     * logged in and its renewal deadline passed (SessionHooks.presenceLapsed).
     * Other nodes may then already
     * have promoted another leader or granted the lock to another device, so
     * the session must not handle another frame or tell its device anything
     * more; it closes with 1013 instead. Checked on every inbound frame and
     * before every write of queued frames (`mayWrite`), because timers run
     * late on a loaded or stalled node.
     */
    #lapsed(): boolean {
        return this.#state.kind === 'active' && this.#hooks.presenceLapsed?.() === true;
    }

    #closeLapsed(): void {
        this.close(CloseCode.TRY_AGAIN_LATER, 'presence renewal late');
    }

    /** Closes the connection; cleanup follows from the transport's close event. */
    public close(code: CloseCode, reason: string): void {
        const state = this.#state;
        if (state.kind === 'closed') return;
        // The device learns of the close only when the close frame reaches it: its
        // leader role or lock passes on a little later, never while it may still act.
        const handoffGrace = state.kind === 'active' && (state.device.isLeader || state.device.holdsLock);
        this.#ports.metrics.closeSent(code);
        this.#logger.debug('closing connection', { code, reason });
        this.#transport.close(code, reason);
        // The transport reports the close through onClosed; make sure it happens once.
        void this.#end(handoffGrace);
    }

    /** The socket is closed (by either side). Resolves once the session is cleaned up. */
    public onClosed(): Promise<void> {
        return this.#end(false);
    }

    /** An event of the group that concerns this connection (LocalGroups routes each one to its members). */
    public onGroupEvent(event: GroupEvent): void {
        const state = this.#state;
        if (state.kind === 'awaiting-hello' || state.kind === 'closed') return;
        const { delivery } = state;
        switch (event.type) {
            case 'appended': {
                // Items up to the seq this event names; later ones come with their own event (Delivery).
                // The items travel with the event; Delivery sends each from there when nothing is before it.
                const index = event.deviceIds.indexOf(state.hello.deviceId);
                const seq = index >= 0 ? event.seqs?.[index] : undefined;
                const items = event.items;
                if (seq === undefined || items === undefined) {
                    delivery.wakeQueue(seq);
                    break;
                }
                const first = seq - items.length + 1;
                for (let k = 0; k < items.length; k++) delivery.wakeQueue(first + k, items[k]);
                break;
            }
            case 'ephemeral':
                delivery.offerEphemeral(event.flags, event.timestamp, event.envelope);
                break;
            case 'kick':
                this.close(event.code, 'closed by the mediator');
                break;
            case 'transaction-ended':
                if (event.connectionId === this.connectionId) {
                    // This connection's lock: ended by its own release, or elsewhere (then it is closed).
                    if (state.kind === 'active' && event.token !== undefined) state.device.onLockEnded(event.token);
                    break;
                }
                delivery.sendInOrder(
                    encodeMessage({
                        type: D2mPayloadType.TRANSACTION_ENDED,
                        body: { deviceId: event.deviceId, encryptedScope: event.encryptedScope },
                    }),
                );
                break;
            case 'promoted':
                // Only an active connection is eligible, so only an active one is promoted.
                if (state.kind === 'active') state.device.onPromoted(event.term);
                break;
            case 'bus-interrupted':
                // A missed kick, promotion or append cannot be recovered here; the device reconnects.
                this.close(CloseCode.TRY_AGAIN_LATER, 'event bus interrupted');
                break;
            default:
                event satisfies never;
        }
    }

    /** Moves to `closed` once; resolves when the cleanup is done. */
    #end(handoffGrace: boolean): Promise<void> {
        const state = this.#state;
        if (state.kind === 'closed') return state.finished;
        this.#cancelHandshakeTimer();
        wipeChallenge(this.#challenge);
        this.#inbox.close();
        // Appends still in flight send nothing; the cleanup waits for them to complete.
        this.#reflects.close();
        this.#relay.close();
        if (state.kind !== 'awaiting-hello') state.delivery.stop();
        const finished = this.#cleanup(state, handoffGrace).finally(() => this.#hooks.onFinished?.());
        this.#state = { kind: 'closed', finished };
        return finished;
    }

    #fail(error: unknown): void {
        const state = this.#state;
        if (state.kind === 'awaiting-hello' || state.kind === 'authenticating') {
            this.#ports.metrics.handshake(handshakeOutcomeOf(error));
        }
        const code = closeCodeForError(error);
        if (code === CloseCode.INTERNAL_ERROR) this.#logger.error('session failed', { error });
        else this.#logger.debug('session ended by error', { error, code });
        this.close(code, error instanceof SessionClosedError ? error.message.slice(0, 100) : 'closed');
    }

    /**
     * Handles one frame from the inbox. The two frames of a fan-out, a
     * ReflectedAck and a Reflect while the pipeline has room, are handled
     * synchronously (nothing returned); everything else returns the promise
     * of its handling.
     */
    #handleFrame(frame: Uint8Array): Promise<void> | undefined {
        if (this.#lapsed()) {
            this.#closeLapsed();
            return undefined;
        }
        try {
            const message = decodeMessage(frame);
            const state = this.#state;
            if (state.kind === 'active') {
                if (message.type === D2mPayloadType.REFLECTED_ACK) {
                    // Joins the ack batch; nothing to wait for (see #handleRequest).
                    state.device.reflectedAck(message.body.reflectedId);
                    return undefined;
                }
                if (
                    message.type === D2mPayloadType.REFLECT &&
                    !ReflectMessage.isEphemeral(message.body) &&
                    !this.#reflects.stopped &&
                    this.#reflects.inFlight < this.#maxReflectsInFlight
                ) {
                    // What #handleRequest does once `whenReady` says there is room.
                    this.#reflects.add(state.device.startReflect(message.body));
                    return undefined;
                }
            }
            return this.#handleMessage(message).catch((error: unknown) => this.#afterFailure(error));
        } catch (error) {
            return this.#afterFailure(error);
        }
    }

    /** A frame failed: the acks of the Reflects before it go out before the close. */
    async #afterFailure(error: unknown): Promise<never> {
        await this.#reflects.settled();
        throw error;
    }

    async #handleMessage(message: D2mMessage): Promise<void> {
        if (message.type === D2mPayloadType.PROXY) {
            this.#relay.onProxy(message.body);
            return;
        }
        const state = this.#state;
        switch (state.kind) {
            case 'awaiting-hello':
                if (message.type !== D2mPayloadType.CLIENT_HELLO) {
                    throw new D2mProtocolError(
                        'unexpected-message',
                        `expected ClientHello, got ${payloadTypeName(message.type)}`,
                    );
                }
                return this.#authenticate(message.body);
            case 'authenticating':
                // Not reached: the inbox waits for the ClientHello's handling to finish.
                throw new D2mProtocolError('unexpected-message', 'not authenticated');
            case 'active':
                return this.#handleRequest(state, message);
            case 'closed':
                return;
            default:
                return state satisfies never;
        }
    }

    /** A request of an active device: see the header for what waits for the Reflects in flight. */
    async #handleRequest(state: Active, message: D2mMessage): Promise<void> {
        if (message.type === D2mPayloadType.REFLECT && !ReflectMessage.isEphemeral(message.body)) {
            // Nothing may be awaited between `whenReady` and the start of the append (call order).
            if (!(await this.#reflects.whenReady())) return;
            this.#reflects.add(state.device.startReflect(message.body));
            return;
        }
        if (message.type !== D2mPayloadType.REFLECTED_ACK) {
            await this.#reflects.settled();
            // An append failed, or the connection closed, meanwhile: the request is dropped.
            if (this.#state !== state || this.#reflects.stopped) return;
        }
        if (observesAcks(message.type)) {
            // Acks are applied in batches: a request that may see the queue sees them applied.
            await state.delivery.flushAcks();
            if (this.#state !== state) return;
        }
        return dispatchRequest(message, state.device, this.#relay);
    }

    async #authenticate(hello: ClientHello.Type): Promise<void> {
        const { crypto, config, metrics, localGroups } = this.#ports;
        try {
            verifyClientHello(crypto, this.#challenge, this.urlInfo.deviceGroupId, hello);
        } finally {
            // The ephemeral key answers one ClientHello only.
            wipeChallenge(this.#challenge);
        }
        this.#hooks.onAuthenticated?.();
        this.#logger = this.#logger.child({ device: hello.deviceId });
        const auth: Authenticating = {
            kind: 'authenticating',
            hello,
            delivery: new Delivery({
                queue: this.#ports.queue,
                acks: this.#ports.acks,
                groupId: this.groupId,
                deviceId: hello.deviceId,
                send: (frame) => this.#transport.send(frame),
                bufferedAmount: () => this.#transport.bufferedAmount(),
                highWaterBytes: config.deliveryHighWaterBytes,
                batchItems: config.deliveryBatchItems,
                metrics,
                onError: (error) => this.#fail(error),
            }),
            attached: false,
        };
        this.#state = auth;
        // Subscribe before reading the queue, so no later append goes unnoticed.
        await localGroups.attach(this.groupId, this, hello.deviceId);
        auth.attached = true;
        // Closed meanwhile: the cleanup undoes what was done (it waits for this frame).
        if (this.#state !== auth) return;
        const result = await this.#ports.login({ groupId: this.groupId, connectionId: this.connectionId, hello });
        if (this.#state !== auth) return;
        this.#cancelHandshakeTimer();
        metrics.handshake('ok');
        this.#transport.send(
            encodeMessage({
                type: D2mPayloadType.SERVER_INFO,
                body: {
                    maxDeviceSlots: result.policy.maxDeviceSlots,
                    deviceSlotState: result.slotState,
                    encryptedSharedDeviceData: result.encryptedSharedDeviceData,
                    currentTime: this.#ports.now(),
                    reflectionQueueLength: result.queueLength,
                },
            }),
        );
        if (this.#hooks.presenceLapsed?.() === true) {
            // The login outlasted the deadline: the presence it wrote may be expiring elsewhere, so the
            // device does not become active. ServerInfo still goes out before the close, so the device
            // knows its slot exists (else its next login would expect a new slot and get 4115).
            this.#closeLapsed();
            return;
        }
        this.#logger.info('device logged in', {
            slot: result.slotState === DeviceSlotState.NEW ? 'new' : 'existing',
            queued: result.queueLength,
            revision: this.urlInfo.revision,
        });
        const device = this.#openDevice(hello.deviceId, result, auth.delivery);
        this.#state = { kind: 'active', hello, delivery: auth.delivery, device };
        this.#relay.activate({
            serverGroup: this.urlInfo.serverGroup,
            logger: this.#logger,
            sendProxy: (data) => this.#send({ type: D2mPayloadType.PROXY, body: data }),
            bufferedAmount: () => this.#transport.bufferedAmount(),
            fail: (error) => this.#fail(error),
            markProxyActive: () => device.markProxyActive(),
        });
        auth.delivery.start(result.queueLength, async () => {
            this.#transport.send(encodeMessage({ type: D2mPayloadType.REFLECTION_QUEUE_DRY, body: {} }));
            await device.becomeEligible();
        });
    }

    #openDevice(deviceId: DeviceId, login: LoginResult, delivery: Delivery): DeviceConnection {
        const identity: DeviceIdentity = {
            groupId: this.groupId,
            deviceId,
            connectionId: this.connectionId,
            policy: login.policy,
        };
        return this.#ports.openDevice(identity, {
            logger: this.#logger,
            reply: (message) => this.#send(message),
            notify: (message) => delivery.sendInOrder(encodeMessage(message)),
            close: (code, reason) => this.close(code, reason),
            ackReflected: (reflectedId) => delivery.ack(reflectedId),
            acksApplied: () => delivery.flushAcks(),
        });
    }

    /** Sends a message at once, unless the connection is closed. */
    #send(message: Parameters<typeof encodeMessage>[0]): void {
        if (this.#state.kind === 'closed') return;
        this.#transport.send(
            message.type === D2mPayloadType.REFLECT_ACK ? reflectAckFrame(message.body) : encodeMessage(message),
        );
    }

    /** Undoes what the connection registered, in order, once its last frame was handled. */
    async #cleanup(last: OpenState, handoffGrace: boolean): Promise<void> {
        // Let a half-done login finish, so that what it registered is undone below, and let
        // the appends in flight complete (no ack; overflowed slots handled) before the lock is released.
        await this.#inbox.idle();
        await this.#reflects.settled();
        if (last.kind === 'awaiting-hello') return;
        const attached = last.kind === 'active' || last.attached;
        try {
            if (handoffGrace) {
                const graceMs = handoffGraceMs(this.#ports.config.presenceRenewIntervalMs);
                await new Promise<void>((resolve) => this.#startTimer(graceMs, resolve));
            }
            // Acks the device gave are applied before anything else is undone.
            await last.delivery.flushAcks();
            if (last.kind === 'active') await last.device.end();
            if (attached) await this.#ports.logout(this.groupId, last.hello.deviceId, this.connectionId);
        } catch (error) {
            this.#logger.warn('cleanup after close failed', { error });
        } finally {
            if (attached) this.#ports.localGroups.detach(this.groupId, this);
        }
    }
}
