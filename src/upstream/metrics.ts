/**
 * Hooks through which the chat-server proxy reports what it does, for an
 * operator's metrics exporter. The proxy calls them synchronously on its hot
 * path: implementations must be cheap and must not throw.
 *
 * Life of one relay (one device connection's upstream):
 * `relayOpened` → (`upstreamConnected` | `upstreamConnectFailed`) →
 * `relayClosed` exactly once. A device whose server group has no chat
 * server gets only `upstreamConnectFailed('no-chat-server')` (no relay is
 * opened).
 */
import type { ChatServerProxyFailure } from '../errors.js';

/** Why a relay ended: one of the proxy failures, or the device's WebSocket closed. */
export type RelayCloseReason = ChatServerProxyFailure | 'device-closed';

/** Why no upstream connection came about. */
export type ConnectFailureReason = Extract<
    ChatServerProxyFailure,
    'no-chat-server' | 'connect-failed' | 'connect-timeout'
>;

/** Live figures of one relay, for gauges (read them when scraping, not on every event). */
export interface RelayGauge {
    /** Reading from the chat server is paused because the device does not keep up. */
    readonly paused: boolean;
    /** Bytes held for the device: its WebSocket's buffer, the paused socket's buffer, an unfinished CSP message. */
    readonly bytesHeldForDevice: number;
    /** Bytes written toward the chat server that its socket has not taken yet. */
    readonly bytesQueuedToChatServer: number;
}

export interface ProxyMetrics {
    /** A relay started connecting to its chat server. */
    relayOpened(relay: RelayGauge): void;
    upstreamConnected(): void;
    upstreamConnectFailed(reason: ConnectFailureReason): void;
    /** Proxy payload bytes written toward the chat server. */
    bytesToChatServer(byteLength: number): void;
    /** CSP message bytes sent to the device in Proxy frames. */
    bytesToDevice(byteLength: number): void;
    /** Reading from the chat server was paused (the device is slow); `heldBytes` held for the device then. */
    upstreamPaused(heldBytes: number): void;
    upstreamResumed(): void;
    relayClosed(relay: RelayGauge, reason: RelayCloseReason): void;
}

const ignore = (): void => undefined;

/** The default: reports nothing. */
export const NOOP_PROXY_METRICS: ProxyMetrics = Object.freeze({
    relayOpened: ignore,
    upstreamConnected: ignore,
    upstreamConnectFailed: ignore,
    bytesToChatServer: ignore,
    bytesToDevice: ignore,
    upstreamPaused: ignore,
    upstreamResumed: ignore,
    relayClosed: ignore,
});

/** Plain in-memory counters; a base for exporters, and what the tests read. */
export class CountingProxyMetrics implements ProxyMetrics {
    public connects = 0;
    public readonly connectFailures = new Map<ConnectFailureReason, number>();
    public bytesToChatServerTotal = 0;
    public bytesToDeviceTotal = 0;
    public pauses = 0;
    public resumes = 0;
    /** The most bytes held for one device at the moment its upstream was paused. */
    public maxHeldBytesAtPause = 0;
    public readonly closes = new Map<RelayCloseReason, number>();
    /** Relays not closed yet. */
    public readonly open = new Set<RelayGauge>();

    public relayOpened(relay: RelayGauge): void {
        this.open.add(relay);
    }

    public upstreamConnected(): void {
        this.connects++;
    }

    public upstreamConnectFailed(reason: ConnectFailureReason): void {
        this.connectFailures.set(reason, (this.connectFailures.get(reason) ?? 0) + 1);
    }

    public bytesToChatServer(byteLength: number): void {
        this.bytesToChatServerTotal += byteLength;
    }

    public bytesToDevice(byteLength: number): void {
        this.bytesToDeviceTotal += byteLength;
    }

    public upstreamPaused(heldBytes: number): void {
        this.pauses++;
        this.maxHeldBytesAtPause = Math.max(this.maxHeldBytesAtPause, heldBytes);
    }

    public upstreamResumed(): void {
        this.resumes++;
    }

    public relayClosed(relay: RelayGauge, reason: RelayCloseReason): void {
        this.open.delete(relay);
        this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
    }

    /** Sum over the open relays, as a gauge would report it. */
    public get bytesHeldForDevices(): number {
        let total = 0;
        for (const relay of this.open) total += relay.bytesHeldForDevice;
        return total;
    }
}
