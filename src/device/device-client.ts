/**
 * The device client: one authenticated D2M connection with a typed API.
 *
 * `DeviceClient.connect()` opens the socket, runs the handshake and resolves
 * once ServerInfo arrived. After that, requests return promises that settle
 * with the mediator's answer (answers of one type come in request order, so
 * each type has a FIFO queue), and server-initiated messages become events.
 *
 * Inbound messages are handled strictly in arrival order. Those that arrive
 * during the handshake or right behind ServerInfo (Proxy frames, queued
 * Reflected, ReflectionQueueDry...) are held back until the task after
 * `connect()` resolved, so listeners attached right after `await connect()`
 * see them. When the connection ends, every pending request is rejected with
 * the {@link MediatorCloseError}, then `closed` fires.
 *
 * The client never logs; it emits events.
 */
import {
    D2mPayloadType,
    D2mProtocolError,
    ensureDeviceId,
    payloadTypeName,
    type Reflected,
    unreachable,
    type D2mMessage,
    type DeviceGroupId,
    type DeviceId,
    type DevicesInfo,
    type ProtocolRevision,
} from '../../d2m/index.js';
import {
    encryptSharedDeviceData,
    type Envelope,
    type SharedDeviceData,
    type TransactionScope,
} from '../../d2d/index.js';
import { DeviceConnection } from './connection.js';
import { DeviceClientError, type MediatorCloseError } from './errors.js';
import { TypedEmitter, type DeviceClientEventMap } from './events.js';
import { ClientHandshake, type DeviceServerInfo } from './handshake.js';
import { resolveOptions, type DeviceClientOptions, type ResolvedOptions } from './options.js';
import { ignoreRejection, Latch, PendingQueue } from './pending.js';
import { ReflectionControl } from './reflection.js';
import { decodeDevices, type DeviceSlotInfo } from './results.js';
import { TransactionControl, type BeginTransactionResult, type TransactionOptions } from './transactions.js';

export interface ReflectOptions {
    /** Deliver only to devices online now; no ReflectAck (current revision only). */
    readonly ephemeral?: boolean;
}

type InboxItem =
    | { readonly kind: 'message'; readonly message: D2mMessage }
    | { readonly kind: 'closed'; readonly error: MediatorCloseError };

interface ConnectHooks {
    readonly resolve: (client: DeviceClient) => void;
    readonly reject: (error: unknown) => void;
}

function unexpected(message: D2mMessage, problem: string): D2mProtocolError {
    return new D2mProtocolError('unexpected-message', `${payloadTypeName(message.type)}: ${problem}`);
}

export class DeviceClient extends TypedEmitter<DeviceClientEventMap> {
    readonly #options: ResolvedOptions;
    readonly #connection: DeviceConnection;
    readonly #handshake: ClientHandshake;
    readonly #connectHooks: ConnectHooks;
    readonly #handshakeTimer: NodeJS.Timeout;
    #serverInfo: DeviceServerInfo | undefined;
    readonly #inbox: InboxItem[] = [];
    #inboxOpen = false;
    #draining = false;
    readonly #devicesInfo = new PendingQueue<ReadonlyMap<DeviceId, DeviceSlotInfo>>();
    readonly #drops = new PendingQueue<void, DeviceId>();
    readonly #queueDry = new Latch();
    readonly #leader = new Latch();
    readonly #reflection: ReflectionControl;
    readonly #transactions: TransactionControl;
    /** Resolves (never rejects) with the reason once the connection has ended. */
    public readonly closed: Promise<MediatorCloseError>;

    private constructor(options: ResolvedOptions, hooks: ConnectHooks) {
        super();
        this.#options = options;
        this.#connectHooks = hooks;
        this.#handshake = new ClientHandshake(options);
        this.#connection = new DeviceConnection(
            options.url,
            {
                open: () => this.#onOpen(),
                message: (message) => this.#onMessage(message),
                closed: (error) => this.#onClosed(error),
            },
            options.handshakeTimeoutMs,
            options.tls,
        );
        const connection = this.#connection;
        this.#reflection = new ReflectionControl(options, {
            send: (message) => connection.send(message),
            get isClosing() {
                return connection.isClosing;
            },
        });
        this.#transactions = new TransactionControl(options, (message) => this.#send(message));
        this.closed = this.#connection.closed;
        this.#handshakeTimer = setTimeout(() => {
            const cause = new DeviceClientError('handshake-timeout', 'the handshake did not complete in time');
            this.#connection.close(4010, 'handshake timeout', cause);
        }, options.handshakeTimeoutMs);
    }

    /**
     * Connects and authenticates. Rejects with {@link DeviceClientError}
     * (`invalid-options`) for bad options and with {@link MediatorCloseError}
     * when the connection ends before ServerInfo.
     */
    public static async connect(options: DeviceClientOptions): Promise<DeviceClient> {
        const resolved = resolveOptions(options);
        return new Promise<DeviceClient>((resolve, reject) => {
            new DeviceClient(resolved, { resolve, reject });
        });
    }

    /** ServerInfo of this connection. */
    public get serverInfo(): DeviceServerInfo {
        return this.#serverInfo!;
    }

    public get deviceId(): DeviceId {
        return this.#options.deviceId;
    }

    public get deviceGroupId(): DeviceGroupId {
        return this.#options.keys.deviceGroupId;
    }

    public get protocolRevision(): ProtocolRevision {
        return this.#options.protocolRevision;
    }

    /** Outbound bytes not yet handed to the operating system. */
    public get bufferedAmount(): number {
        return this.#connection.bufferedAmount;
    }

    public get isQueueDry(): boolean {
        return this.#queueDry.isSet;
    }

    public get isLeader(): boolean {
        return this.#leader.isSet;
    }

    /** The close error once the connection has ended, else `undefined`. */
    public get closeError(): MediatorCloseError | undefined {
        return this.#connection.closeError;
    }

    /** Resolves once at most `thresholdBytes` are buffered for sending (or the connection ended). */
    public waitForDrain(thresholdBytes?: number): Promise<void> {
        return this.#connection.drained(thresholdBytes);
    }

    /** Resolves once ReflectionQueueDry arrived; rejects if the connection ends first. */
    public waitForQueueDry(): Promise<void> {
        return this.#queueDry.wait();
    }

    /** Resolves once this device was promoted to leader; rejects if the connection ends first. */
    public waitForLeader(): Promise<void> {
        return this.#leader.wait();
    }

    /**
     * Reflects an envelope (encrypted here, or given already encrypted) to
     * the other devices. Resolves to the ReflectAck timestamp, or, for an
     * ephemeral reflection, to `undefined` once it was sent.
     */
    public reflect(envelope: Envelope | Uint8Array, options?: { readonly ephemeral?: false }): Promise<number>;
    public reflect(envelope: Envelope | Uint8Array, options: { readonly ephemeral: true }): Promise<undefined>;
    public reflect(envelope: Envelope | Uint8Array, options?: ReflectOptions): Promise<number | undefined>;
    public async reflect(envelope: Envelope | Uint8Array, options: ReflectOptions = {}): Promise<number | undefined> {
        return this.#request(() => this.#reflection.reflect(envelope, options.ephemeral ?? false));
    }

    /** Tries to take the group's transaction lock. `ttl` in seconds; 0 (default) = server default. */
    public beginTransaction(
        scope: TransactionScope,
        options: TransactionOptions = {},
    ): Promise<BeginTransactionResult> {
        return this.#request(() => this.#transactions.begin(scope, options)).then((result) =>
            result.status === 'acked'
                ? result
                : {
                      status: result.status,
                      holder: result.holder,
                      scope: result.scope,
                      encryptedScope: result.encryptedScope,
                  },
        );
    }

    /** Releases the transaction lock; resolves on CommitTransactionAck. */
    public commitTransaction(): Promise<void> {
        return this.#request(() => this.#transactions.commit());
    }

    /**
     * Runs `fn` while holding the transaction lock: begins, and after a
     * rejection waits for the next TransactionEnded and tries again; then
     * runs `fn` and commits (also when `fn` throws, before rethrowing).
     */
    public transaction<T>(
        scope: TransactionScope,
        fn: () => T | Promise<T>,
        options: TransactionOptions = {},
    ): Promise<T> {
        return this.#request(() => this.#transactions.run(scope, fn, options));
    }

    /** Every device slot of the group, with decrypted device info where possible. */
    public getDevicesInfo(): Promise<ReadonlyMap<DeviceId, DeviceSlotInfo>> {
        return this.#request(() => {
            const sent = this.#send({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} });
            sent.catch(ignoreRejection);
            return this.#devicesInfo.add(undefined);
        });
    }

    /** Drops a device slot (possibly this device's own); resolves on the matching DropDeviceAck. */
    public dropDevice(deviceId: bigint): Promise<void> {
        return this.#request(() => {
            const id = this.#deviceIdArgument(deviceId);
            this.#send({ type: D2mPayloadType.DROP_DEVICE, body: { deviceId: id } }).catch(ignoreRejection);
            return this.#drops.add(id);
        });
    }

    /** Replaces the group's shared device data. The protocol has no ack: resolves once sent. */
    public setSharedDeviceData(data: SharedDeviceData): Promise<void> {
        return this.#request(() => {
            const { crypto, keys } = this.#options;
            const encrypted = encryptSharedDeviceData(crypto, keys, { version: data.version });
            return this.#send({
                type: D2mPayloadType.SET_SHARED_DEVICE_DATA,
                body: { encryptedSharedDeviceData: encrypted },
            });
        });
    }

    /** Sends chat-server (CSP) bytes in one Proxy frame; resolves once sent. */
    public sendProxy(data: Uint8Array): Promise<void> {
        return this.#request(() => this.#send({ type: D2mPayloadType.PROXY, body: data }));
    }

    /** Closes the connection (1000 or 3000-4999); resolves once it has ended. */
    public async close(code = 1000, reason = ''): Promise<MediatorCloseError> {
        if (code !== 1000 && (code < 3000 || code > 4999)) {
            throw new DeviceClientError('invalid-argument', 'close code must be 1000 or 3000-4999');
        }
        this.#connection.close(code, reason);
        return this.closed;
    }

    /** Runs a request; synchronous failures become rejections, and nothing is sent once closed. */
    async #request<T>(start: () => Promise<T>): Promise<T> {
        const closeError = this.#connection.closeError;
        if (closeError !== undefined) throw closeError;
        // Runs synchronously up to start()'s first await, so requests keep their call order.
        return start();
    }

    #send(message: D2mMessage): Promise<void> {
        return this.#connection.send(message);
    }

    #deviceIdArgument(value: bigint): DeviceId {
        try {
            return ensureDeviceId(value);
        } catch (error) {
            throw new DeviceClientError('invalid-argument', 'device id must be a u64', { cause: error });
        }
    }

    #onOpen(): void {
        const early = this.#options.sendProxyBeforeHandshake;
        if (early !== undefined) this.#send({ type: D2mPayloadType.PROXY, body: early }).catch(ignoreRejection);
    }

    #onMessage(message: D2mMessage): void {
        if (message.type === D2mPayloadType.PROXY || this.#handshake.isDone) {
            this.#enqueue({ kind: 'message', message });
            return;
        }
        const step = this.#handshake.handle(message);
        switch (step.type) {
            case 'send-client-hello':
                this.#send(step.message).catch(ignoreRejection);
                return;
            case 'done':
                clearTimeout(this.#handshakeTimer);
                this.#serverInfo = step.serverInfo;
                this.#connectHooks.resolve(this);
                setImmediate(() => {
                    this.#inboxOpen = true;
                    this.#drain();
                });
                return;
            default:
                unreachable(step);
        }
    }

    #onClosed(error: MediatorCloseError): void {
        clearTimeout(this.#handshakeTimer);
        if (!this.#handshake.isDone) {
            this.#connectHooks.reject(error);
            return;
        }
        this.#enqueue({ kind: 'closed', error });
    }

    #enqueue(item: InboxItem): void {
        this.#inbox.push(item);
        if (this.#inboxOpen) this.#drain();
    }

    #drain(): void {
        if (this.#draining) return;
        this.#draining = true;
        try {
            for (let item = this.#inbox.shift(); item !== undefined; item = this.#inbox.shift()) {
                if (item.kind === 'closed') {
                    this.#finish(item.error);
                } else if (!this.#connection.isClosing) {
                    try {
                        this.#dispatch(item.message);
                    } catch (error) {
                        this.#connection.fail(error);
                    }
                }
            }
        } finally {
            this.#draining = false;
        }
    }

    #finish(error: MediatorCloseError): void {
        this.#reflection.fail(error);
        this.#devicesInfo.rejectAll(error);
        this.#drops.rejectAll(error);
        this.#transactions.fail(error);
        this.#queueDry.fail(error);
        this.#leader.fail(error);
        this.emit('closed', error);
    }

    #dispatch(message: D2mMessage): void {
        switch (message.type) {
            case D2mPayloadType.PROXY:
                this.emit('proxy', message.body);
                return;
            case D2mPayloadType.REFLECT_ACK:
                this.#reflection.handleAck(message.body);
                return;
            case D2mPayloadType.REFLECTED:
                this.#onReflected(message.body);
                return;
            case D2mPayloadType.REFLECTION_QUEUE_DRY:
                if (this.#queueDry.set()) this.emit('queueDry');
                return;
            case D2mPayloadType.ROLE_PROMOTED_TO_LEADER:
                if (!this.#queueDry.isSet) throw unexpected(message, 'arrived before ReflectionQueueDry');
                if (this.#leader.set()) this.emit('promotedToLeader');
                return;
            case D2mPayloadType.DEVICES_INFO:
                this.#onDevicesInfo(message, message.body);
                return;
            case D2mPayloadType.DROP_DEVICE_ACK: {
                const { deviceId } = message.body;
                const pending = this.#drops.take((id) => id === deviceId);
                if (pending === undefined) throw unexpected(message, 'no DropDevice for this device id is pending');
                pending.resolve();
                return;
            }
            case D2mPayloadType.BEGIN_TRANSACTION_ACK:
            case D2mPayloadType.TRANSACTION_REJECTED:
            case D2mPayloadType.COMMIT_TRANSACTION_ACK:
                if (!this.#transactions.handleAnswer(message)) throw unexpected(message, 'no request is pending');
                return;
            case D2mPayloadType.TRANSACTION_ENDED:
                this.emit('transactionEnded', this.#transactions.handleEnded(message.body));
                return;
            case D2mPayloadType.SERVER_HELLO:
            case D2mPayloadType.SERVER_INFO:
                throw unexpected(message, 'the handshake is already complete');
            case D2mPayloadType.CLIENT_HELLO:
            case D2mPayloadType.GET_DEVICES_INFO:
            case D2mPayloadType.DROP_DEVICE:
            case D2mPayloadType.SET_SHARED_DEVICE_DATA:
            case D2mPayloadType.BEGIN_TRANSACTION:
            case D2mPayloadType.COMMIT_TRANSACTION:
            case D2mPayloadType.REFLECT:
            case D2mPayloadType.REFLECTED_ACK:
                throw unexpected(message, 'only a client sends this');
            default:
                unreachable(message);
        }
    }

    #onDevicesInfo(message: D2mMessage, info: DevicesInfo.Type): void {
        const pending = this.#devicesInfo.shift();
        if (pending === undefined) throw unexpected(message, 'no GetDevicesInfo is pending');
        pending.resolve(decodeDevices(this.#options.crypto, this.#options.keys, info));
    }

    #onReflected(reflected: Reflected.Type): void {
        const event = this.#reflection.reflectedEvent(reflected);
        const pending = this.emitCollecting('reflected', event);
        // Ephemeral reflections must not be acknowledged (reference §3.3); ack() still can.
        if (!this.#options.autoAckReflected || event.ephemeral) return;
        if (pending.length === 0) event.ack();
        else void Promise.all(pending).then(() => event.ack());
    }
}
