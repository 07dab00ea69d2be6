/**
 * The chat-server proxy of a mediator node: the address mapping, the relay
 * settings and the metrics, shared by every session. A session asks it for
 * an upstream connection when its device sends the first Proxy frame after
 * authentication.
 */
import { PAYLOAD_MAX_BYTE_LENGTH } from '../../d2m/index.js';
import type { MediatorConfig } from '../config/config.js';
import { ChatServerProxyError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { formatChatServerAddress, loadChatServerAddressMap, type ChatServerAddressMap } from './address-map.js';
import { NOOP_PROXY_METRICS, type ProxyMetrics } from './metrics.js';
import { UpstreamConnection, type DeviceSide, type UpstreamConnectionOptions } from './upstream-connection.js';

export interface ChatServerProxyOptions {
    /** `undefined`: no chat-server proxy; every device that sends Proxy frames is closed with 4001. */
    readonly addresses: ChatServerAddressMap | undefined;
    readonly connectTimeoutMs: number;
    readonly readHighWaterBytes: number;
    readonly writeMaxBytes: number;
    readonly metrics?: ProxyMetrics;
    /** Opens TCP connections; tests may replace it. */
    readonly connect?: UpstreamConnectionOptions['connect'];
}

/** What one relay needs from its session. */
export interface RelayRequest {
    readonly serverGroup: string;
    readonly device: DeviceSide;
    /** The session's logger (connection, group and device bound). */
    readonly logger: Logger;
    readonly onEnd: (error: ChatServerProxyError) => void;
}

export class ChatServerProxy {
    readonly #options: ChatServerProxyOptions;
    readonly #metrics: ProxyMetrics;

    public constructor(options: ChatServerProxyOptions) {
        this.#options = options;
        this.#metrics = options.metrics ?? NOOP_PROXY_METRICS;
    }

    /** Builds the proxy from the configuration; throws ConfigError when the address setting is invalid. */
    public static fromConfig(config: MediatorConfig, metrics?: ProxyMetrics): ChatServerProxy {
        return new ChatServerProxy({
            addresses:
                config.chatServerAddress === undefined ? undefined : loadChatServerAddressMap(config.chatServerAddress),
            connectTimeoutMs: config.upstreamConnectTimeoutMs,
            readHighWaterBytes: config.upstreamReadHighWaterBytes,
            writeMaxBytes: config.upstreamWriteMaxBytes,
            metrics,
        });
    }

    /** Where the addresses come from, for the start-up log; `undefined` without a proxy. */
    public get source(): string | undefined {
        return this.#options.addresses?.source;
    }

    /**
     * Starts connecting to the chat server of `request.serverGroup`. Throws
     * {@link ChatServerProxyError} (`no-chat-server`, 4001) when there is none.
     */
    public open(request: RelayRequest): UpstreamConnection {
        const address = this.#options.addresses?.addressFor(request.serverGroup);
        if (address === undefined) {
            this.#metrics.upstreamConnectFailed('no-chat-server');
            throw new ChatServerProxyError(
                'no-chat-server',
                this.#options.addresses === undefined
                    ? 'this mediator has no chat-server proxy'
                    : `no chat server for server group ${request.serverGroup}`,
            );
        }
        const logger = request.logger.child({ upstream: formatChatServerAddress(address) });
        return new UpstreamConnection({
            address,
            connectTimeoutMs: this.#options.connectTimeoutMs,
            readHighWaterBytes: this.#options.readHighWaterBytes,
            writeMaxBytes: this.#options.writeMaxBytes,
            maxMessageBytes: PAYLOAD_MAX_BYTE_LENGTH,
            device: request.device,
            metrics: this.#metrics,
            logger,
            onEnd: request.onEnd,
            connect: this.#options.connect,
        });
    }
}
