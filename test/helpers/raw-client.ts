/**
 * A bare D2M client for tests that must break the protocol on purpose
 * (malformed frames, wrong versions, bad responses) or look at raw frames.
 * Built on `ws` and the d2m codecs; well-behaved tests use the SDK instead.
 */
import WebSocket from 'ws';
import { D2mPayloadType, decodeMessage, encodeMessage, type D2mMessage } from '../../d2m/index.js';
import { clientHelloFor, type ClientHelloOptions } from '../../scripts/lib/client-hello.js';

export interface RawClose {
    readonly code: number;
    readonly reason: string;
}

export class RawClient {
    readonly #frames: Uint8Array[] = [];
    readonly #waiters: (() => void)[] = [];
    public readonly closed: Promise<RawClose>;

    private constructor(public readonly socket: WebSocket) {
        socket.on('message', (data: Buffer) => {
            this.#frames.push(new Uint8Array(data));
            for (const waiter of this.#waiters.splice(0)) waiter();
        });
        this.closed = new Promise((resolve) => {
            socket.on('close', (code, reason) => {
                resolve({ code, reason: reason.toString() });
                for (const waiter of this.#waiters.splice(0)) waiter();
            });
        });
    }

    /**
     * Opens a socket to the full URL (base + hex ClientUrlInfo). With
     * `autoPong: false` it leaves the mediator's pings unanswered, as a dead
     * or stalled client would.
     */
    public static async open(url: string, options: { readonly autoPong?: boolean } = {}): Promise<RawClient> {
        const socket = new WebSocket(url, { perMessageDeflate: false, autoPong: options.autoPong ?? true });
        const client = new RawClient(socket);
        await new Promise<void>((resolve, reject) => {
            socket.once('open', () => resolve());
            socket.once('error', reject);
        });
        return client;
    }

    public sendFrame(frame: Uint8Array): void {
        this.socket.send(frame);
    }

    public send(message: D2mMessage): void {
        this.sendFrame(encodeMessage(message));
    }

    /** The next inbound frame, decoded; rejects when the socket closes first or after `timeoutMs`. */
    public async next(timeoutMs = 5000): Promise<D2mMessage> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const frame = this.#frames.shift();
            if (frame !== undefined) return decodeMessage(frame);
            if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed');
            const remaining = deadline - Date.now();
            if (remaining <= 0) throw new Error('timed out waiting for a frame');
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, remaining);
                this.#waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
    }

    /** The next frame of a given type, skipping others (returned in `skipped`). */
    public async nextOf<T extends D2mPayloadType>(
        type: T,
        timeoutMs = 5000,
    ): Promise<Extract<D2mMessage, { type: T }>> {
        for (;;) {
            const message = await this.next(timeoutMs);
            if (message.type === type) return message as Extract<D2mMessage, { type: T }>;
        }
    }

    public close(code = 1000): void {
        this.socket.close(code);
    }
}

export interface RawHandshakeOptions extends Omit<ClientHelloOptions, 'tamperByte'> {
    /** Corrupt the challenge response. */
    readonly tamper?: boolean;
}

/** Reads ServerHello and sends a ClientHello built from the options. */
export async function rawHandshake(client: RawClient, options: RawHandshakeOptions): Promise<void> {
    const hello = await client.nextOf(D2mPayloadType.SERVER_HELLO);
    client.send(clientHelloFor(hello.body, { ...options, tamperByte: options.tamper === true ? 30 : undefined }));
}
