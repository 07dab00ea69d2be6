/**
 * One device connection's TCP connection to its chat server, and the relay
 * over it.
 *
 * - Device → chat server: each Proxy payload is written as is, in order
 *   (also while connecting: the socket queues those bytes until it is
 *   connected).
 * - Chat server → device: the byte stream is cut into CSP messages
 *   (csp-stream-cutter.ts) and each is sent to the device as one Proxy frame,
 *   through the device's own WebSocket, so it keeps its place among the
 *   session's D2M frames.
 *
 * Backpressure:
 * - toward the device: while the device's WebSocket buffers more than
 *   `readHighWaterBytes`, reading from the chat server is paused; the
 *   device's drain resumes it once the buffer is at half of that. Held for a
 *   slow device: about `readHighWaterBytes` + one socket read (64 KiB) + one
 *   unfinished CSP message + the paused socket's own buffer.
 * - toward the chat server: WebSocket reads cannot be paused (uWebSockets.js
 *   20.30 has no such call), so the bytes queued toward the chat server
 *   (`socket.writableLength`, which includes what was written before the
 *   connection was established) are bounded: past `writeMaxBytes` the relay
 *   fails with `chat-server-not-reading` (4009).
 *
 * Ends: connect error or timeout → `connect-failed` / `connect-timeout`
 * (4001); the chat server ending the stream → `chat-server-closed` (4000),
 * after every complete message was handed to the device's WebSocket;
 * a socket error after connecting → `upstream-error` (4009); a CSP frame too
 * long for a Proxy frame → `message-too-long` (4009). `onEnd` reports each of
 * these once. `destroy()` (the device's WebSocket closed) ends the relay
 * without calling `onEnd`.
 *
 * Payload bytes are never logged.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { ChatServerProxyError, type ChatServerProxyFailure } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ChatServerAddress } from './address-map.js';
import { CspMessageTooLongError, CspStreamCutter } from './csp-stream-cutter.js';
import type { ProxyMetrics, RelayGauge } from './metrics.js';

/** What the relay needs of the device's connection. */
export interface DeviceSide {
    /** Sends one CSP message to the device as a Proxy frame. */
    sendProxy(message: Uint8Array): void;
    /** Bytes the device's WebSocket holds that the device has not taken yet. */
    bufferedAmount(): number;
}

export interface UpstreamConnectionOptions {
    readonly address: ChatServerAddress;
    readonly connectTimeoutMs: number;
    /** Reading from the chat server pauses while the device's WebSocket buffers more than this. */
    readonly readHighWaterBytes: number;
    /** Bytes queued toward the chat server beyond which the relay fails (4009). */
    readonly writeMaxBytes: number;
    /** The longest CSP message a Proxy frame can carry. */
    readonly maxMessageBytes: number;
    readonly device: DeviceSide;
    readonly metrics: ProxyMetrics;
    readonly logger: Logger;
    /** Called once when the relay ends by itself (never after `destroy()`). */
    readonly onEnd: (error: ChatServerProxyError) => void;
    /** Opens the TCP connection; tests may replace it. */
    readonly connect?: (address: ChatServerAddress) => Socket;
}

type State = 'connecting' | 'open' | 'ended';

function defaultConnect(address: ChatServerAddress): Socket {
    return tcpConnect({ host: address.host, port: address.port });
}

export class UpstreamConnection implements RelayGauge {
    readonly #options: UpstreamConnectionOptions;
    readonly #socket: Socket;
    readonly #cutter: CspStreamCutter;
    readonly #connectTimer: NodeJS.Timeout;
    #state: State = 'connecting';
    #paused = false;

    public constructor(options: UpstreamConnectionOptions) {
        this.#options = options;
        this.#cutter = new CspStreamCutter(options.maxMessageBytes);
        this.#socket = (options.connect ?? defaultConnect)(options.address);
        options.metrics.relayOpened(this);
        this.#socket.setNoDelay(true);
        this.#connectTimer = setTimeout(
            () => this.#fail('connect-timeout', `no connection within ${options.connectTimeoutMs} ms`),
            options.connectTimeoutMs,
        );
        this.#socket.once('connect', () => this.#onConnect());
        this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
        this.#socket.once('end', () => this.#onEnd());
        this.#socket.on('error', (error) => this.#onError(error));
        this.#socket.once('close', () => this.#fail('upstream-error', 'the connection closed'));
    }

    public get paused(): boolean {
        return this.#paused;
    }

    public get bytesHeldForDevice(): number {
        if (this.#state === 'ended') return 0;
        return this.#options.device.bufferedAmount() + this.#socket.readableLength + this.#cutter.pendingBytes;
    }

    public get bytesQueuedToChatServer(): number {
        return this.#state === 'ended' ? 0 : this.#socket.writableLength;
    }

    /** Writes one Proxy payload toward the chat server. Ignored once the relay has ended. */
    public write(data: Uint8Array): void {
        if (this.#state === 'ended') return;
        this.#socket.write(data);
        this.#options.metrics.bytesToChatServer(data.byteLength);
        if (this.#socket.writableLength > this.#options.writeMaxBytes) {
            this.#fail(
                'chat-server-not-reading',
                `more than ${this.#options.writeMaxBytes} bytes queued toward the chat server`,
            );
        }
    }

    /** The device's WebSocket drained some of its buffer. */
    public onDeviceDrain(): void {
        if (!this.#paused || this.#state === 'ended') return;
        if (this.#options.device.bufferedAmount() > this.#options.readHighWaterBytes / 2) return;
        this.#paused = false;
        this.#options.metrics.upstreamResumed();
        this.#options.logger.debug('chat-server reads resumed');
        this.#socket.resume();
    }

    /** The device's connection ended: drop the chat-server connection. */
    public destroy(): void {
        if (this.#state === 'ended') return;
        this.#end('device-closed');
    }

    #onConnect(): void {
        if (this.#state !== 'connecting') return;
        clearTimeout(this.#connectTimer);
        this.#state = 'open';
        this.#options.metrics.upstreamConnected();
        this.#options.logger.debug('chat server connected');
    }

    #onData(chunk: Buffer): void {
        if (this.#state !== 'open') return;
        const { device, metrics } = this.#options;
        try {
            this.#cutter.push(chunk, (message) => {
                metrics.bytesToDevice(message.byteLength);
                device.sendProxy(message);
            });
        } catch (error) {
            if (error instanceof CspMessageTooLongError) this.#fail('message-too-long', error.message);
            else this.#fail('upstream-error', 'relaying to the device failed', error);
            return;
        }
        if (!this.#paused && device.bufferedAmount() > this.#options.readHighWaterBytes) {
            this.#paused = true;
            this.#socket.pause();
            metrics.upstreamPaused(this.bytesHeldForDevice);
            this.#options.logger.debug('chat-server reads paused: the device is not keeping up');
        }
    }

    #onEnd(): void {
        if (this.#state === 'ended') return;
        const incomplete = this.#cutter.pendingBytes;
        if (incomplete > 0) this.#options.logger.debug('chat server ended inside a message', { incomplete });
        this.#fail('chat-server-closed', 'the chat server closed the connection');
    }

    #onError(error: Error): void {
        if (this.#state === 'connecting') {
            this.#fail('connect-failed', 'cannot connect to the chat server', error);
        } else {
            this.#fail('upstream-error', 'the chat-server connection failed', error);
        }
    }

    #fail(failure: ChatServerProxyFailure, message: string, cause?: unknown): void {
        if (this.#state === 'ended') return;
        const wasConnecting = this.#state === 'connecting';
        this.#end(failure);
        const code = (cause as { code?: unknown } | undefined)?.code;
        const fields = { failure, ...(typeof code === 'string' ? { error: code } : {}) };
        if (failure === 'chat-server-closed') this.#options.logger.debug('chat server closed the connection', fields);
        else this.#options.logger.warn(`chat-server relay failed: ${message}`, fields);
        if (wasConnecting && (failure === 'connect-failed' || failure === 'connect-timeout')) {
            this.#options.metrics.upstreamConnectFailed(failure);
        }
        this.#options.onEnd(new ChatServerProxyError(failure, message, { cause }));
    }

    #end(reason: ChatServerProxyFailure | 'device-closed'): void {
        this.#state = 'ended';
        this.#paused = false;
        clearTimeout(this.#connectTimer);
        this.#socket.destroy();
        this.#options.metrics.relayClosed(this, reason);
    }
}
