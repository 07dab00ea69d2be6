/**
 * The Proxy path of one device connection, from its first frame to its
 * close: Proxy frames that arrive before the device is authenticated are
 * buffered (bounded; overflow is a protocol error, 4010), and once it is,
 * they and every later one go to the device's chat-server relay
 * (src/upstream/), opened on the first one. Opening the relay marks the
 * device as preferred for leadership. The relay ends with the connection;
 * after it failed, later Proxy frames are dropped (the connection is
 * closing with the relay's close code).
 */
import { D2mProtocolError } from '../../d2m/index.js';
import { ChatServerProxyError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RelayRequest } from '../upstream/chat-server-proxy.js';
import type { UpstreamConnection } from '../upstream/upstream-connection.js';

/** What the relay uses of one upstream connection. */
export type RelayConnection = Pick<UpstreamConnection, 'write' | 'onDeviceDrain' | 'destroy'>;

/** Opens a relay to a chat server (the node's ChatServerProxy). */
export interface ChatServerOpener {
    open(request: RelayRequest): RelayConnection;
}

/** What the relay needs of the authenticated device once it may relay. */
export interface RelayedDevice {
    /** The chat-server group from the device's ClientUrlInfo. */
    readonly serverGroup: string;
    readonly logger: Logger;
    /** Sends one Proxy frame with chat-server bytes to the device. */
    sendProxy(data: Uint8Array): void;
    /** Bytes the device's WebSocket holds that the device has not read yet. */
    bufferedAmount(): number;
    /** The relay ended: closes the connection with the error's code. */
    fail(error: ChatServerProxyError): void;
    /** The device relays chat-server bytes: it is preferred as leader. */
    markProxyActive(): void;
}

export class ProxyRelay {
    readonly #chatServer: ChatServerOpener | undefined;
    readonly #preAuthMaxBytes: number;
    readonly #preAuth: Uint8Array[] = [];
    #preAuthBytes = 0;
    #device: RelayedDevice | undefined;
    /** The chat-server relay, from the first Proxy frame after authentication on. */
    #upstream: RelayConnection | undefined;
    /** The relay failed or the connection ended: later Proxy frames are dropped. */
    #over = false;

    /** Without `chatServer`, a device that sends Proxy frames is closed with 4001. */
    public constructor(chatServer: ChatServerOpener | undefined, preAuthMaxBytes: number) {
        this.#chatServer = chatServer;
        this.#preAuthMaxBytes = preAuthMaxBytes;
    }

    /** Bytes buffered before authentication and not relayed yet. */
    public get bufferedBytes(): number {
        return this.#preAuthBytes;
    }

    /**
     * Chat-server bytes from the device. Before `activate`, buffers them
     * (throws D2mProtocolError past the bound); after, relays them. Throws
     * {@link ChatServerProxyError} (4001) when there is no chat server for
     * the device.
     */
    public onProxy(data: Uint8Array): void {
        if (this.#over) return;
        const device = this.#device;
        if (device === undefined) {
            this.#preAuthBytes += data.byteLength;
            if (this.#preAuthBytes > this.#preAuthMaxBytes) {
                throw new D2mProtocolError('unexpected-message', 'too many Proxy bytes before authentication');
            }
            this.#preAuth.push(data);
            return;
        }
        this.#upstream ??= this.#open(device);
        this.#upstream.write(data);
    }

    /** The device is authenticated: relays what was buffered, in order, and from now on every frame. */
    public activate(device: RelayedDevice): void {
        this.#device = device;
        const buffered = this.#preAuth.splice(0);
        this.#preAuthBytes = 0;
        for (const data of buffered) this.onProxy(data);
    }

    /** The device's WebSocket drained: the relay may read from the chat server again. */
    public onDeviceDrain(): void {
        this.#upstream?.onDeviceDrain();
    }

    /** The connection ended: drops the chat-server connection at once. Idempotent. */
    public close(): void {
        this.#over = true;
        this.#preAuth.length = 0;
        this.#preAuthBytes = 0;
        this.#upstream?.destroy();
    }

    #open(device: RelayedDevice): RelayConnection {
        if (this.#chatServer === undefined) {
            this.#over = true;
            throw new ChatServerProxyError('no-chat-server', 'this mediator has no chat-server proxy');
        }
        let upstream: RelayConnection;
        try {
            upstream = this.#chatServer.open({
                serverGroup: device.serverGroup,
                device: {
                    sendProxy: (message) => device.sendProxy(message),
                    bufferedAmount: () => device.bufferedAmount(),
                },
                logger: device.logger,
                onEnd: (error) => {
                    this.#over = true;
                    device.fail(error);
                },
            });
        } catch (error) {
            this.#over = true;
            throw error;
        }
        device.markProxyActive();
        return upstream;
    }
}
