/**
 * The device client's transport: one `ws` WebSocket (binary frames, no
 * subprotocol, no per-message-deflate) carrying one D2M frame per message.
 *
 * Responsibilities:
 * - decode inbound frames and hand each message to the owner, in order; a
 *   text message or an undecodable frame closes the connection with 4010;
 * - send outbound messages in order through an outbox that respects the
 *   socket's `bufferedAmount` (frames are held back above a high-water mark
 *   and released below a low-water mark);
 * - close: by this client (with a code, after which inbound frames are
 *   ignored and the socket is dropped if the closing handshake stalls) or by
 *   the mediator; either way the owner gets exactly one
 *   {@link MediatorCloseError}.
 */
import WebSocket from 'ws';
import {
    CloseCode,
    D2mProtocolError,
    decodeMessage,
    encodeMessage,
    FRAME_MAX_BYTE_LENGTH,
    type D2mMessage,
} from '../../d2m/index.js';
import { DeviceClientError, MediatorCloseError } from './errors.js';
import {
    type DeviceTlsOptions,
    CLOSE_GRACE_MS,
    SEND_HIGH_WATER_MARK_BYTES,
    SEND_LOW_WATER_MARK_BYTES,
    SEND_POLL_INTERVAL_MS,
} from './options.js';

/** The callbacks a connection reports to. */
export interface ConnectionController {
    /** The socket is open; frames can be written. */
    open(): void;
    /** One decoded inbound message. May throw: a protocol error closes with 4010, anything else with 1011. */
    message(message: D2mMessage): void;
    /** The connection ended. Called exactly once. */
    closed(error: MediatorCloseError): void;
}

interface Outgoing {
    readonly frame: Uint8Array;
    readonly resolve: () => void;
    readonly reject: (error: unknown) => void;
}

interface LocalClose {
    readonly code: number;
    readonly reason: string;
    readonly cause: unknown;
}

/** The longest close reason a close frame can carry. */
const CLOSE_REASON_MAX_BYTE_LENGTH = 123;

function toBytes(data: WebSocket.RawData): Uint8Array {
    // A copy that owns its memory (the socket's buffers may be pooled).
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    return new Uint8Array(data);
}

function truncateReason(reason: string): string {
    let out = reason;
    while (Buffer.byteLength(out) > CLOSE_REASON_MAX_BYTE_LENGTH) out = out.slice(0, -1);
    return out;
}

export class DeviceConnection {
    readonly #ws: WebSocket;
    readonly #controller: ConnectionController;
    readonly #outbox: Outgoing[] = [];
    #outboxBytes = 0;
    #paused = false;
    #pollTimer: NodeJS.Timeout | undefined;
    #graceTimer: NodeJS.Timeout | undefined;
    #local: LocalClose | undefined;
    #transportError: unknown;
    #closeError: MediatorCloseError | undefined;
    #resolveClosed!: (error: MediatorCloseError) => void;
    /** Resolves (never rejects) once the connection has ended. */
    public readonly closed: Promise<MediatorCloseError>;

    public constructor(
        url: string,
        controller: ConnectionController,
        handshakeTimeoutMs: number,
        tls?: DeviceTlsOptions,
    ) {
        this.#controller = controller;
        this.closed = new Promise((resolve) => {
            this.#resolveClosed = resolve;
        });
        this.#ws = new WebSocket(url, {
            perMessageDeflate: false,
            maxPayload: FRAME_MAX_BYTE_LENGTH,
            handshakeTimeout: handshakeTimeoutMs,
            ...(tls?.ca === undefined ? {} : { ca: typeof tls.ca === 'string' ? tls.ca : [...tls.ca] }),
            ...(tls?.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
        });
        this.#ws.on('open', () => this.#onOpen());
        this.#ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
        this.#ws.on('error', (error) => {
            this.#transportError ??= error;
        });
        this.#ws.on('close', (code, reason) => this.#onClose(code, reason.toString('utf8')));
    }

    /** True once this client decided to close, or the connection ended. */
    public get isClosing(): boolean {
        return this.#local !== undefined || this.#closeError !== undefined;
    }

    /** The close error once the connection has ended. */
    public get closeError(): MediatorCloseError | undefined {
        return this.#closeError;
    }

    /** Bytes waiting to go out: in the socket's buffer plus frames held back by the outbox. */
    public get bufferedAmount(): number {
        return this.#ws.bufferedAmount + this.#outboxBytes;
    }

    /**
     * Queues a message. Encoding errors throw synchronously; the promise
     * resolves once the frame was written to the socket and rejects with the
     * {@link MediatorCloseError} when the connection ends first.
     */
    public send(message: D2mMessage): Promise<void> {
        const frame = encodeMessage(message);
        if (this.#closeError !== undefined) return Promise.reject(this.#closeError);
        if (this.#local !== undefined) return this.#afterClose();
        const written = new Promise<void>((resolve, reject) => {
            this.#outbox.push({ frame, resolve, reject });
            this.#outboxBytes += frame.byteLength;
        });
        this.#pump();
        return written.catch(() => this.#afterClose());
    }

    /** Resolves once {@link bufferedAmount} is at most `thresholdBytes`, or the connection ended. */
    public async drained(thresholdBytes = SEND_LOW_WATER_MARK_BYTES): Promise<void> {
        while (this.bufferedAmount > thresholdBytes && this.#closeError === undefined) {
            await new Promise((resolve) => setTimeout(resolve, SEND_POLL_INTERVAL_MS));
        }
    }

    /** Closes the connection from this side. Later calls are ignored. */
    public close(code: number, reason: string, cause?: unknown): void {
        if (this.isClosing) return;
        this.#local = { code, reason, cause };
        if (this.#ws.readyState === WebSocket.CONNECTING) {
            this.#ws.terminate();
            return;
        }
        this.#ws.close(code, truncateReason(reason));
        this.#graceTimer = setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS);
    }

    /** Closes because of an error: 4010 for a protocol violation, 1011 for anything else. */
    public fail(error: unknown): void {
        if (error instanceof D2mProtocolError) {
            this.close(CloseCode.PROTOCOL_ERROR, 'protocol error', error);
        } else {
            this.close(CloseCode.INTERNAL_ERROR, 'internal client error', error);
        }
    }

    #afterClose(): Promise<never> {
        return this.closed.then((error) => Promise.reject(error));
    }

    #onOpen(): void {
        this.#pump();
        try {
            this.#controller.open();
        } catch (error) {
            this.fail(error);
        }
    }

    #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
        if (this.isClosing) return;
        try {
            if (!isBinary) throw new D2mProtocolError('unexpected-message', 'received a text message');
            this.#controller.message(decodeMessage(toBytes(data)));
        } catch (error) {
            this.fail(error);
        }
    }

    #pump(): void {
        if (this.#ws.readyState !== WebSocket.OPEN || this.#paused) return;
        while (this.#outbox.length > 0) {
            if (this.#ws.bufferedAmount >= SEND_HIGH_WATER_MARK_BYTES) {
                this.#paused = true;
                this.#pollTimer = setTimeout(() => this.#poll(), SEND_POLL_INTERVAL_MS);
                return;
            }
            const item = this.#outbox.shift()!;
            this.#outboxBytes -= item.frame.byteLength;
            this.#ws.send(item.frame, { binary: true }, (error) => {
                if (error === undefined || error === null) item.resolve();
                else item.reject(error);
            });
        }
    }

    #poll(): void {
        this.#pollTimer = undefined;
        if (this.#ws.bufferedAmount <= SEND_LOW_WATER_MARK_BYTES) {
            this.#paused = false;
            this.#pump();
        } else {
            this.#pollTimer = setTimeout(() => this.#poll(), SEND_POLL_INTERVAL_MS);
        }
    }

    #onClose(code: number, reason: string): void {
        clearTimeout(this.#pollTimer);
        clearTimeout(this.#graceTimer);
        const wasClean = code !== (CloseCode.ABNORMAL as number);
        const local = this.#local;
        const error =
            local !== undefined
                ? new MediatorCloseError({
                      code: local.code,
                      reason: local.reason,
                      wasClean,
                      initiator: 'local',
                      cause: local.cause ?? this.#transportError,
                  })
                : new MediatorCloseError({
                      code,
                      reason,
                      wasClean,
                      initiator: 'remote',
                      cause: this.#remoteCause(),
                  });
        this.#closeError = error;
        for (const item of this.#outbox.splice(0)) item.reject(error);
        this.#outboxBytes = 0;
        this.#resolveClosed(error);
        this.#controller.closed(error);
    }

    #remoteCause(): unknown {
        if (this.#transportError === undefined) return undefined;
        return new DeviceClientError('connection-failed', 'the WebSocket failed', { cause: this.#transportError });
    }
}
