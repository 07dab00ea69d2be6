/**
 * A scripted mediator for device-client tests: a `ws` server on 127.0.0.1
 * (random port) that plays the mediator side with the d2m codecs.
 *
 * For each connection it parses the ClientUrlInfo from the path (closing
 * with 4010 when that fails), sends a ServerHello with a fresh challenge,
 * collects Proxy frames that come before the ClientHello, verifies the
 * ClientHello's response against the device group id (closing with 4010 on
 * failure), and then runs the test's script with a {@link PeerConnection}.
 * With `handshake: 'manual'` the script runs first and drives the handshake
 * itself (or deliberately breaks it).
 *
 * A script that throws closes its connection with 1011; `settled()` rethrows
 * the first script error so that assertions inside scripts fail the test.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
    createServerChallenge,
    D2mPayloadType,
    decodeMessage,
    DeviceSlotState,
    encodeMessage,
    parseClientUrlPath,
    payloadTypeName,
    tweetnaclBackend,
    verifyChallengeResponse,
    type ClientHello,
    type CryptoBackend,
    type D2mMessage,
    type D2mMessageOf,
    type ParsedClientUrlInfo,
    type ServerChallenge,
    type ServerInfo,
} from '../../d2m/index.js';

export type PeerScript = (connection: PeerConnection) => Promise<void> | void;

export interface ScriptedPeerOptions {
    readonly script: PeerScript;
    /** Default: tweetnacl. */
    readonly crypto?: CryptoBackend;
    /** `auto` (default): handshake before the script; `manual`: the script calls `handshake()` itself. */
    readonly handshake?: 'auto' | 'manual';
    /** ServerHello.version (default 0). */
    readonly serverHelloVersion?: number;
}

/** How a connection ended, as the peer saw it. */
export interface PeerClose {
    readonly code: number;
    readonly reason: string;
}

/** Thrown by `next()` once the client has closed the connection. */
export class PeerClosedError extends Error {
    public constructor(public readonly close: PeerClose) {
        super(`the connection closed with ${close.code}`);
        this.name = 'PeerClosedError';
    }
}

/** Thrown by `handshake()` after it closed the connection because the ClientHello did not verify. */
export class HandshakeRejectedError extends Error {
    public constructor(message: string) {
        super(message);
        this.name = 'HandshakeRejectedError';
    }
}

/** Time `next()` waits for a frame before it fails. */
export const NEXT_TIMEOUT_MS = 5_000;

type Inbound = { readonly message: D2mMessage } | { readonly error: Error };

/** One client connection, seen from the mediator side. */
export class PeerConnection {
    public readonly path: string;
    public readonly requestHeaders: IncomingHttpHeaders;
    public readonly clientUrlInfo: ParsedClientUrlInfo;
    public readonly challenge: ServerChallenge;
    /** Proxy payloads received before the ClientHello. */
    public readonly earlyProxy: Uint8Array[] = [];
    /** Resolves when the connection has ended. */
    public readonly closed: Promise<PeerClose>;
    readonly #socket: WebSocket;
    readonly #request: IncomingMessage;
    readonly #crypto: CryptoBackend;
    readonly #serverHelloVersion: number;
    readonly #inbound: Inbound[] = [];
    readonly #waiters: ((item: Inbound) => void)[] = [];
    #clientHello: ClientHello.Type | undefined;
    #close: PeerClose | undefined;

    public constructor(
        socket: WebSocket,
        request: IncomingMessage,
        clientUrlInfo: ParsedClientUrlInfo,
        options: { readonly crypto: CryptoBackend; readonly serverHelloVersion: number },
    ) {
        this.#socket = socket;
        this.#request = request;
        this.#crypto = options.crypto;
        this.#serverHelloVersion = options.serverHelloVersion;
        this.path = request.url ?? '';
        this.requestHeaders = request.headers;
        this.clientUrlInfo = clientUrlInfo;
        this.challenge = createServerChallenge(options.crypto);
        socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
        this.closed = new Promise((resolve) => {
            socket.on('close', (code, reason) => {
                this.#close = { code, reason: reason.toString('utf8') };
                const error = new PeerClosedError(this.#close);
                for (const waiter of this.#waiters.splice(0)) waiter({ error });
                resolve(this.#close);
            });
        });
    }

    /** The verified ClientHello (after the handshake). */
    public get clientHello(): ClientHello.Type {
        if (this.#clientHello === undefined) throw new Error('the handshake has not completed');
        return this.#clientHello;
    }

    /**
     * Sends ServerHello, then waits for the ClientHello (collecting Proxy
     * frames into `earlyProxy`) and verifies it. On a bad response it closes
     * with 4010 and throws {@link HandshakeRejectedError}.
     */
    public async handshake(): Promise<ClientHello.Type> {
        this.sendServerHello();
        for (;;) {
            const message = await this.next();
            if (message.type === D2mPayloadType.PROXY) {
                this.earlyProxy.push(message.body);
                continue;
            }
            if (message.type !== D2mPayloadType.CLIENT_HELLO) {
                this.close(4010, 'expected ClientHello');
                throw new HandshakeRejectedError(`expected ClientHello, got ${payloadTypeName(message.type)}`);
            }
            const ok = verifyChallengeResponse(
                this.#crypto,
                this.challenge,
                this.clientUrlInfo.deviceGroupId,
                message.body.response,
            );
            if (!ok) {
                this.close(4010, 'authentication failed');
                throw new HandshakeRejectedError('the challenge response did not verify');
            }
            this.#clientHello = message.body;
            return message.body;
        }
    }

    public sendServerHello(): void {
        this.send({
            type: D2mPayloadType.SERVER_HELLO,
            body: {
                version: this.#serverHelloVersion,
                esk: this.challenge.esk.publicKey,
                challenge: this.challenge.challenge,
            },
        });
    }

    /** Sends a ServerInfo; fields not given get defaults (6 slots, NEW, no shared data, now, 0). */
    public sendServerInfo(overrides: Partial<ServerInfo.Type> = {}): void {
        this.send({
            type: D2mPayloadType.SERVER_INFO,
            body: {
                maxDeviceSlots: 6,
                deviceSlotState: DeviceSlotState.NEW,
                encryptedSharedDeviceData: new Uint8Array(0),
                currentTime: Date.now(),
                reflectionQueueLength: 0,
                ...overrides,
            },
        });
    }

    public send(message: D2mMessage): void {
        this.#socket.send(encodeMessage(message), { binary: true });
    }

    /** Sends bytes or text as they are (for protocol violations). */
    public sendRaw(data: Uint8Array | string): void {
        this.#socket.send(data, { binary: typeof data !== 'string' });
    }

    /** The next inbound message. Rejects on a malformed frame, on close, or after `timeoutMs`. */
    public next(timeoutMs = NEXT_TIMEOUT_MS): Promise<D2mMessage> {
        const item = this.#inbound.shift();
        if (item !== undefined) return 'message' in item ? Promise.resolve(item.message) : Promise.reject(item.error);
        if (this.#close !== undefined) return Promise.reject(new PeerClosedError(this.#close));
        return new Promise<D2mMessage>((resolve, reject) => {
            const waiter = (next: Inbound): void => {
                clearTimeout(timer);
                if ('message' in next) resolve(next.message);
                else reject(next.error);
            };
            const timer = setTimeout(() => {
                const index = this.#waiters.indexOf(waiter);
                if (index >= 0) this.#waiters.splice(index, 1);
                reject(new Error(`no frame within ${timeoutMs} ms`));
            }, timeoutMs);
            this.#waiters.push(waiter);
        });
    }

    /** The next inbound message, which must be of `type`; returns its body. */
    public async expect<T extends D2mPayloadType>(type: T, timeoutMs?: number): Promise<D2mMessageOf<T>['body']> {
        const message = await this.next(timeoutMs);
        if (message.type !== type) {
            throw new Error(`expected ${payloadTypeName(type)}, got ${payloadTypeName(message.type)}`);
        }
        // The type check above narrows the union; TypeScript cannot follow it through T.
        return (message as { readonly body: unknown }).body as D2mMessageOf<T>['body'];
    }

    /** Fails when any frame arrives within `ms`. */
    public async expectSilence(ms: number): Promise<void> {
        let message: D2mMessage;
        try {
            message = await this.next(ms);
        } catch (error) {
            if (error instanceof PeerClosedError) throw error;
            return;
        }
        throw new Error(`expected no frame, got ${payloadTypeName(message.type)}`);
    }

    public close(code: number, reason = ''): void {
        this.#socket.close(code, reason);
    }

    /** Stops reading from the TCP socket, so that the client's outbound data backs up. */
    public pauseReading(): void {
        this.#request.socket.pause();
    }

    public resumeReading(): void {
        this.#request.socket.resume();
    }

    /** Drops the TCP connection without a closing handshake. */
    public terminate(): void {
        this.#socket.terminate();
    }

    #onMessage(data: RawData, isBinary: boolean): void {
        let item: Inbound;
        if (!isBinary) {
            item = { error: new Error('received a text message') };
        } else {
            const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
            try {
                item = { message: decodeMessage(new Uint8Array(bytes)) };
            } catch (error) {
                item = { error: error instanceof Error ? error : new Error('undecodable frame') };
            }
        }
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter(item);
        else this.#inbound.push(item);
    }
}

/** The scripted mediator server. */
export class ScriptedPeer {
    /** Base URL for `DeviceClient.connect({ url })`. */
    public readonly url: string;
    /** Every connection so far, in accept order. */
    public readonly connections: PeerConnection[] = [];
    /** Requests whose path did not parse (closed with 4010 before any script ran). */
    public readonly rejectedPaths: string[] = [];
    readonly #server: WebSocketServer;
    readonly #scripts: Promise<void>[] = [];

    private constructor(server: WebSocketServer, options: ScriptedPeerOptions) {
        this.#server = server;
        const { port } = server.address() as AddressInfo;
        this.url = `ws://127.0.0.1:${port}/`;
        server.on('connection', (socket, request) => this.#accept(socket, request, options));
    }

    /** Starts a peer on 127.0.0.1 and a random port. */
    public static async start(options: ScriptedPeerOptions | PeerScript): Promise<ScriptedPeer> {
        const resolved = typeof options === 'function' ? { script: options } : options;
        const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
        await new Promise<void>((resolve, reject) => {
            server.once('listening', resolve);
            server.once('error', reject);
        });
        return new ScriptedPeer(server, resolved);
    }

    /** The only (or first) connection. */
    public get connection(): PeerConnection {
        const first = this.connections[0];
        if (first === undefined) throw new Error('no connection yet');
        return first;
    }

    /** Waits for every script started so far; rethrows the first failure. */
    public async settled(): Promise<void> {
        const results = await Promise.allSettled(this.#scripts);
        for (const result of results) {
            if (result.status === 'rejected') throw result.reason;
        }
    }

    /** Drops every connection and stops listening. */
    public async stop(): Promise<void> {
        for (const client of this.#server.clients) client.terminate();
        await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }

    #accept(socket: WebSocket, request: IncomingMessage, options: ScriptedPeerOptions): void {
        let info: ParsedClientUrlInfo;
        try {
            info = parseClientUrlPath(request.url ?? '');
        } catch {
            this.rejectedPaths.push(request.url ?? '');
            socket.close(4010, 'invalid ClientUrlInfo');
            return;
        }
        const connection = new PeerConnection(socket, request, info, {
            crypto: options.crypto ?? tweetnaclBackend,
            serverHelloVersion: options.serverHelloVersion ?? 0,
        });
        this.connections.push(connection);
        this.#scripts.push(this.#run(connection, options));
    }

    async #run(connection: PeerConnection, options: ScriptedPeerOptions): Promise<void> {
        try {
            if (options.handshake !== 'manual') await connection.handshake();
            await options.script(connection);
        } catch (error) {
            if (error instanceof HandshakeRejectedError) return;
            connection.close(1011, 'script failed');
            throw error;
        }
    }
}
