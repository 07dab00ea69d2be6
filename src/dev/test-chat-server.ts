/**
 * A test peer for the chat-server proxy: it plays the chat-server end of
 * the CSP byte stream so tests and local demos can exercise the relay. It is
 * NOT a chat server: no cryptography, no accounts, no messages. Run it with
 * `mediator test-chat-server --port N [--script echo]`.
 *
 * Per TCP connection:
 * 1. reads the 48-byte client-hello and answers an 80-byte "server-hello":
 *    the client-hello echoed, then 32 bytes of 0x5e;
 * 2. reads the login and answers a 32-byte "login-ack": 16 zero bytes, then
 *    the first 16 bytes of the login. Simplification: a real login is 144
 *    bytes plus an extensions box whose length only the decrypted data
 *    tells; this peer takes the first 144 bytes plus whatever else has
 *    arrived with them (or exactly `loginByteLength` bytes when set);
 * 3. then reads frames of `2 + u16le(length)` bytes and answers each by the
 *    script: `echo` (default) writes the frame back unchanged, `silent`
 *    answers nothing, or a function decides.
 *
 * Its writes can be split (down to one byte per write), delayed or
 * coalesced (everything answered for one inbound chunk in one write), and
 * tests drive each connection directly: write raw bytes or frames, flood,
 * stop reading, end (FIN) or reset (RST). Payload bytes are never logged.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../log/logger.js';

export const CSP_CLIENT_HELLO_BYTE_LENGTH = 48;
export const CSP_LOGIN_DATA_BYTE_LENGTH = 144;
export const TEST_SERVER_HELLO_BYTE_LENGTH = 80;
export const TEST_LOGIN_ACK_BYTE_LENGTH = 32;
/** Fills the part of the test server-hello after the echoed client-hello. */
export const TEST_SERVER_HELLO_FILL = 0x5e;
/** The largest frame payload the CSP length prefix allows. */
export const CSP_FRAME_PAYLOAD_MAX_BYTE_LENGTH = 0xffff;

export type TestChatScriptName = 'echo' | 'silent';
/** Answers one inbound frame (length prefix included), e.g. by `connection.write(...)`. */
export type TestChatFrameHandler = (frame: Uint8Array, connection: TestChatConnection) => void;

export interface TestChatWriteOptions {
    /** Split every write into pieces of at most this many bytes (1: one byte per write). Default: no split. */
    writeChunkBytes?: number;
    /** Wait this long before each write (each piece when splitting). Default 0. */
    writeDelayMs?: number;
    /** Gather everything answered for one inbound chunk into one write. Default false. */
    coalesce?: boolean;
}

export interface TestChatServerOptions extends TestChatWriteOptions {
    /** Default 127.0.0.1. */
    readonly host?: string;
    /** Default 0 (a free port). */
    readonly port?: number;
    /** Default `echo`. */
    readonly script?: TestChatScriptName | TestChatFrameHandler;
    /** Take exactly this many bytes as the login; default: 144 plus whatever arrived with them. */
    readonly loginByteLength?: number;
    readonly logger?: Logger;
}

/** A frame with its `u16le` length prefix. */
export function cspFrame(payload: Uint8Array): Uint8Array {
    if (payload.byteLength > CSP_FRAME_PAYLOAD_MAX_BYTE_LENGTH) throw new RangeError('CSP frame payload too long');
    const frame = new Uint8Array(2 + payload.byteLength);
    frame[0] = payload.byteLength & 0xff;
    frame[1] = payload.byteLength >>> 8;
    frame.set(payload, 2);
    return frame;
}

/** The test server-hello for a client-hello. */
export function testServerHello(clientHello: Uint8Array): Uint8Array {
    const hello = new Uint8Array(TEST_SERVER_HELLO_BYTE_LENGTH).fill(TEST_SERVER_HELLO_FILL);
    hello.set(clientHello.subarray(0, CSP_CLIENT_HELLO_BYTE_LENGTH));
    return hello;
}

/** The test login-ack for a login. */
export function testLoginAck(login: Uint8Array): Uint8Array {
    const ack = new Uint8Array(TEST_LOGIN_ACK_BYTE_LENGTH);
    ack.set(login.subarray(0, 16), 16);
    return ack;
}

/** A flood frame: `frameBytes` in total, its payload starting with the u32le sequence number. */
export function floodFrame(seq: number, frameBytes: number): Uint8Array {
    const payload = new Uint8Array(frameBytes - 2).fill(seq & 0xff);
    new DataView(payload.buffer).setUint32(0, seq, true);
    return cspFrame(payload);
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

type Phase = 'client-hello' | 'login' | 'frames';

interface Outgoing {
    readonly bytes: Uint8Array;
    readonly done: () => void;
}

/** One client connection, seen from the chat-server side. */
export class TestChatConnection {
    public phase: Phase = 'client-hello';
    public clientHello: Uint8Array | undefined;
    public login: Uint8Array | undefined;
    /** Frames received after the login, length prefix included. */
    public readonly frames: Uint8Array[] = [];
    public bytesReceived = 0;
    /** Bytes the operating system has taken from this peer's writes. */
    public bytesHandedToKernel = 0;
    /** Write settings of this connection (start as the server's; tests may change them). */
    public readonly writeOptions: TestChatWriteOptions;
    /** Resolves once the socket is closed. */
    public readonly closed: Promise<void>;
    #pending: Buffer = Buffer.alloc(0);
    readonly #outbox: Outgoing[] = [];
    #pumping = false;
    #gathered: Uint8Array[] | undefined;
    #flooding = false;
    #wake: (() => void) | undefined;
    readonly #listeners = new Set<() => void>();

    readonly #socket: Socket;
    readonly #options: TestChatServerOptions;
    readonly #logger: Logger;

    public constructor(
        public readonly index: number,
        socket: Socket,
        options: TestChatServerOptions,
        logger: Logger,
    ) {
        this.#socket = socket;
        this.#options = options;
        this.#logger = logger;
        this.writeOptions = {
            writeChunkBytes: options.writeChunkBytes,
            writeDelayMs: options.writeDelayMs,
            coalesce: options.coalesce,
        };
        socket.setNoDelay(true);
        this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
        socket.on('data', (chunk: Buffer) => this.#onData(chunk));
        socket.on('error', (error) => this.#logger.debug('test chat connection error', { error }));
        socket.on('close', () => {
            this.#flooding = false;
            this.#wake?.();
            this.#notify();
        });
    }

    public get isClosed(): boolean {
        return this.#socket.destroyed;
    }

    /** Queues bytes as one write (split and delayed per `writeOptions`); resolves once the OS took them. */
    public write(bytes: Uint8Array): Promise<void> {
        if (this.#gathered !== undefined) {
            this.#gathered.push(bytes);
            return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
            this.#outbox.push({ bytes, done: resolve });
            void this.#pump();
        });
    }

    /** Queues one frame (`u16le` length prefix added). */
    public sendFrame(payload: Uint8Array): Promise<void> {
        return this.write(cspFrame(payload));
    }

    /** Ends the stream (FIN) after everything queued was written. */
    public async end(): Promise<void> {
        await this.write(new Uint8Array(0));
        this.#socket.end();
    }

    /** Drops the connection with a TCP reset. */
    public reset(): void {
        if (!this.#socket.destroyed) this.#socket.resetAndDestroy();
    }

    /** Stops reading: the client's bytes pile up in its own buffers. */
    public pauseReading(): void {
        this.#socket.pause();
    }

    public resumeReading(): void {
        this.#socket.resume();
    }

    /**
     * Writes flood frames (see {@link floodFrame}) of `frameBytes` each, as
     * fast as the socket takes them, until `totalBytes` were written,
     * `stopFlood()` or the connection closes. Resolves the bytes written.
     */
    public async flood(totalBytes: number, frameBytes = 8192): Promise<{ bytes: number; frames: number }> {
        await this.write(new Uint8Array(0));
        this.#flooding = true;
        let bytes = 0;
        let frames = 0;
        while (this.#flooding && bytes < totalBytes && !this.#socket.destroyed) {
            const frame = floodFrame(frames, frameBytes);
            frames++;
            bytes += frame.byteLength;
            const ok = this.#socket.write(frame, () => {
                this.bytesHandedToKernel += frame.byteLength;
            });
            if (!ok) await this.#drained();
        }
        this.#flooding = false;
        return { bytes, frames };
    }

    public stopFlood(): void {
        this.#flooding = false;
        this.#wake?.();
    }

    /** Resolves once `predicate` holds (checked after every inbound chunk and on close). */
    public async waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
        if (predicate()) return;
        await new Promise<void>((resolve, reject) => {
            const check = (): void => {
                if (!predicate() && !this.#socket.destroyed) return;
                clearTimeout(timer);
                this.#listeners.delete(check);
                if (predicate()) resolve();
                else reject(new Error(`test chat connection closed while waiting for ${what}`));
            };
            const timer = setTimeout(() => {
                this.#listeners.delete(check);
                reject(new Error(`timed out waiting for ${what}`));
            }, timeoutMs);
            this.#listeners.add(check);
        });
    }

    #notify(): void {
        for (const listener of [...this.#listeners]) listener();
    }

    #drained(): Promise<void> {
        return new Promise((resolve) => {
            const done = (): void => {
                this.#socket.off('drain', done);
                this.#wake = undefined;
                resolve();
            };
            this.#wake = done;
            this.#socket.on('drain', done);
        });
    }

    async #pump(): Promise<void> {
        if (this.#pumping) return;
        this.#pumping = true;
        try {
            for (let item = this.#outbox.shift(); item !== undefined; item = this.#outbox.shift()) {
                const { writeChunkBytes, writeDelayMs } = this.writeOptions;
                const size = writeChunkBytes ?? Math.max(item.bytes.byteLength, 1);
                for (let offset = 0; offset < item.bytes.byteLength; offset += size) {
                    if (this.#socket.destroyed) break;
                    if ((writeDelayMs ?? 0) > 0) await delay(writeDelayMs!);
                    const piece = item.bytes.subarray(offset, offset + size);
                    const ok = this.#socket.write(piece, () => {
                        this.bytesHandedToKernel += piece.byteLength;
                    });
                    if (!ok && !this.#socket.destroyed) await this.#drained();
                }
                item.done();
            }
        } finally {
            this.#pumping = false;
        }
    }

    #onData(chunk: Buffer): void {
        this.bytesReceived += chunk.byteLength;
        this.#pending = this.#pending.byteLength === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
        if (this.writeOptions.coalesce === true) this.#gathered = [];
        try {
            this.#parse();
        } finally {
            const gathered = this.#gathered;
            this.#gathered = undefined;
            if (gathered !== undefined && gathered.length > 0) void this.write(Buffer.concat(gathered));
        }
        this.#notify();
    }

    #take(byteLength: number): Uint8Array {
        const taken = new Uint8Array(this.#pending.subarray(0, byteLength));
        this.#pending = this.#pending.subarray(byteLength);
        return taken;
    }

    #parse(): void {
        for (;;) {
            switch (this.phase) {
                case 'client-hello':
                    if (this.#pending.byteLength < CSP_CLIENT_HELLO_BYTE_LENGTH) return;
                    this.clientHello = this.#take(CSP_CLIENT_HELLO_BYTE_LENGTH);
                    this.phase = 'login';
                    this.#logger.debug('test chat: client-hello', { connection: this.index });
                    void this.write(testServerHello(this.clientHello));
                    break;
                case 'login': {
                    const wanted = this.#options.loginByteLength ?? CSP_LOGIN_DATA_BYTE_LENGTH;
                    if (this.#pending.byteLength < wanted) return;
                    this.login = this.#take(
                        this.#options.loginByteLength === undefined ? this.#pending.byteLength : wanted,
                    );
                    this.phase = 'frames';
                    this.#logger.debug('test chat: login', { connection: this.index, bytes: this.login.byteLength });
                    void this.write(testLoginAck(this.login));
                    break;
                }
                case 'frames': {
                    if (this.#pending.byteLength < 2) return;
                    const length = 2 + (this.#pending[0]! | (this.#pending[1]! << 8));
                    if (this.#pending.byteLength < length) return;
                    const frame = this.#take(length);
                    this.frames.push(frame);
                    this.#answer(frame);
                    break;
                }
                default:
                    this.phase satisfies never;
                    return;
            }
        }
    }

    #answer(frame: Uint8Array): void {
        const script = this.#options.script ?? 'echo';
        if (script === 'echo') void this.write(frame);
        else if (script !== 'silent') script(frame, this);
    }
}

export class TestChatServer {
    public readonly connections: TestChatConnection[] = [];
    readonly #server: Server;
    readonly #options: TestChatServerOptions;
    readonly #logger: Logger;
    readonly #waiters = new Set<() => void>();

    private constructor(server: Server, options: TestChatServerOptions) {
        this.#server = server;
        this.#options = options;
        this.#logger = options.logger ?? silentLogger;
        server.on('connection', (socket) => {
            const connection = new TestChatConnection(this.connections.length, socket, this.#options, this.#logger);
            this.connections.push(connection);
            this.#logger.info('test chat: connection', { connection: connection.index });
            void connection.closed.then(() =>
                this.#logger.info('test chat: connection closed', {
                    connection: connection.index,
                    received: connection.bytesReceived,
                    written: connection.bytesHandedToKernel,
                }),
            );
            for (const waiter of [...this.#waiters]) waiter();
        });
    }

    public static async start(options: TestChatServerOptions = {}): Promise<TestChatServer> {
        const server = createServer({ noDelay: true });
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
                server.off('error', reject);
                resolve();
            });
        });
        return new TestChatServer(server, options);
    }

    public get port(): number {
        return (this.#server.address() as AddressInfo).port;
    }

    public get host(): string {
        return (this.#server.address() as AddressInfo).address;
    }

    /** `host:port`, ready for `chatServerAddress`. */
    public get address(): string {
        return `${this.host}:${this.port}`;
    }

    /** Resolves the connection with this index once it was accepted. */
    public async connection(index: number, timeoutMs = 5000): Promise<TestChatConnection> {
        const existing = this.connections[index];
        if (existing !== undefined) return existing;
        return new Promise<TestChatConnection>((resolve, reject) => {
            const check = (): void => {
                const found = this.connections[index];
                if (found === undefined) return;
                clearTimeout(timer);
                this.#waiters.delete(check);
                resolve(found);
            };
            const timer = setTimeout(() => {
                this.#waiters.delete(check);
                reject(new Error(`timed out waiting for chat connection ${index}`));
            }, timeoutMs);
            this.#waiters.add(check);
        });
    }

    /** Stops listening and drops every connection. */
    public async close(): Promise<void> {
        for (const connection of this.connections) connection.reset();
        await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
}
