/**
 * The chat-server proxy's hooks (src/upstream/metrics.ts) on prom-client:
 * byte counters per direction, connects and connect failures by reason,
 * relay ends by reason, pauses, and gauges of the open relays read when
 * scraped (each relay keeps its own live figures).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectFailureReason, ProxyMetrics, RelayCloseReason, RelayGauge } from '../upstream/metrics.js';

const CONNECT_FAILURES: readonly ConnectFailureReason[] = ['no-chat-server', 'connect-failed', 'connect-timeout'];

export class PromProxyMetrics implements ProxyMetrics {
    readonly #open = new Set<RelayGauge>();
    readonly #bytes: Counter<'direction'>;
    readonly #connects: Counter;
    readonly #connectFailures: Counter<'reason'>;
    readonly #relaysClosed: Counter<'reason'>;
    readonly #pauses: Counter;

    public constructor(registry: Registry) {
        const registers = [registry];
        this.#bytes = new Counter({
            name: 'd2m_proxy_bytes_total',
            help: 'Chat-server proxy bytes: Proxy payload bytes written to chat servers, CSP message bytes sent to devices',
            labelNames: ['direction'],
            registers,
        });
        this.#bytes.inc({ direction: 'to_chat_server' }, 0);
        this.#bytes.inc({ direction: 'to_device' }, 0);
        this.#connects = new Counter({
            name: 'd2m_proxy_upstream_connects_total',
            help: 'Upstream chat-server connections established',
            registers,
        });
        this.#connectFailures = new Counter({
            name: 'd2m_proxy_upstream_connect_failures_total',
            help: 'Upstream chat-server connections that did not come about, by reason (the device is closed with 4001)',
            labelNames: ['reason'],
            registers,
        });
        for (const reason of CONNECT_FAILURES) this.#connectFailures.inc({ reason }, 0);
        this.#relaysClosed = new Counter({
            name: 'd2m_proxy_relays_closed_total',
            help: 'Chat-server relays that ended, by reason (device-closed is the normal end)',
            labelNames: ['reason'],
            registers,
        });
        this.#pauses = new Counter({
            name: 'd2m_proxy_upstream_pauses_total',
            help: 'Times reading from a chat server was paused because its device did not keep up',
            registers,
        });
        const open = this.#open;
        new Gauge({
            name: 'd2m_proxy_relays_open',
            help: 'Chat-server relays open now',
            registers,
            collect(this: Gauge) {
                this.set(open.size);
            },
        });
        new Gauge({
            name: 'd2m_proxy_relays_paused',
            help: 'Chat-server relays whose reading is paused now (slow device)',
            registers,
            collect(this: Gauge) {
                let paused = 0;
                for (const relay of open) if (relay.paused) paused++;
                this.set(paused);
            },
        });
        new Gauge({
            name: 'd2m_proxy_bytes_held_for_devices',
            help: 'Bytes held for devices by the open relays (socket buffers and unfinished CSP messages)',
            registers,
            collect(this: Gauge) {
                let held = 0;
                for (const relay of open) held += relay.bytesHeldForDevice;
                this.set(held);
            },
        });
        new Gauge({
            name: 'd2m_proxy_bytes_queued_to_chat_servers',
            help: 'Bytes written toward chat servers that their sockets have not taken yet',
            registers,
            collect(this: Gauge) {
                let queued = 0;
                for (const relay of open) queued += relay.bytesQueuedToChatServer;
                this.set(queued);
            },
        });
    }

    public relayOpened(relay: RelayGauge): void {
        this.#open.add(relay);
    }

    public upstreamConnected(): void {
        this.#connects.inc();
    }

    public upstreamConnectFailed(reason: ConnectFailureReason): void {
        this.#connectFailures.inc({ reason });
    }

    public bytesToChatServer(byteLength: number): void {
        this.#bytes.inc({ direction: 'to_chat_server' }, byteLength);
    }

    public bytesToDevice(byteLength: number): void {
        this.#bytes.inc({ direction: 'to_device' }, byteLength);
    }

    public upstreamPaused(): void {
        this.#pauses.inc();
    }

    public upstreamResumed(): void {
        // The paused gauge is read from the relays themselves.
    }

    public relayClosed(relay: RelayGauge, reason: RelayCloseReason): void {
        this.#open.delete(relay);
        this.#relaysClosed.inc({ reason });
    }
}
