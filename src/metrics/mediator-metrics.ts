/**
 * The mediator's metrics on prom-client, in a registry of its own (never
 * the global default one, so several servers can run in one process). One
 * instance per node: the composition root builds it, passes it to the
 * server as its metrics hooks, passes `proxy` as the chat-server proxy's
 * hooks, wraps the storage backend with `instrumentBackend`, and serves
 * `registry` on the admin port's /metrics.
 *
 * Events are counted as they happen; connection counts and the queue
 * figures of the node's connected slots are read when scraped (bounded
 * work, see queue-sampler.ts). Every metric name starts with `d2m_`;
 * docs/admin-api.md lists them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
    INBOUND_LIMITS,
    REFUSAL_REASONS,
    refusalStatus,
    type InboundLimit,
    type RefusalReason,
} from '../limits/index.js';
import type { StorageBackend } from '../storage/backend.js';
import { HANDSHAKE_OUTCOMES, type HandshakeOutcome, type MediatorMetricsHooks, type ObservedNode } from './hooks.js';
import { PromProxyMetrics } from './proxy-metrics.js';
import { QueueSampler, type QueueSample, type QueueSamplerOptions } from './queue-sampler.js';
import { instrumentBackend } from './storage-timing.js';

/** Seconds; ReflectAck is usually sent within milliseconds (one storage round trip). */
const REFLECT_ACK_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds; transactions last from milliseconds up to the maximum TTL (120 s by default). */
const LOCK_HOLD_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds; one storage call, from an in-process map to a PostgreSQL transaction. */
const STORAGE_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
/** Lock grants tracked for their hold time; a node that loses track of more forgets the oldest. */
const MAX_TRACKED_LOCKS = 100_000;

export interface MediatorMetricsOptions {
    /** Also collect prom-client's process and Node.js metrics into the registry (default true). */
    readonly processMetrics?: boolean;
    /** Bounds of the scrape-time queue sampling. */
    readonly queueSampler?: Partial<QueueSamplerOptions>;
}

export class MediatorMetrics implements MediatorMetricsHooks {
    public readonly registry = new Registry();
    /** Hooks for the chat-server proxy (`MediatorServerOptions.proxyMetrics`). */
    public readonly proxy: PromProxyMetrics;
    /** Storage call durations; filled by a backend wrapped with {@link MediatorMetrics.instrument}. */
    public readonly storageSeconds: Histogram<'store' | 'operation' | 'result'>;

    readonly #handshakes: Counter<'outcome'>;
    readonly #closes: Counter<'code'>;
    readonly #reflects: Counter<'kind'>;
    readonly #reflectAckSeconds: Histogram;
    readonly #deliveries: Counter<'kind'>;
    readonly #reflectedAcks: Counter;
    readonly #transactionRejections: Counter;
    readonly #lockHoldSeconds: Histogram;
    readonly #locksExpired: Counter;
    readonly #leaderPromotions: Counter;
    readonly #slotsEvicted: Counter;
    readonly #slotsOverflowed: Counter;
    readonly #ephemeralDropped: Counter;
    readonly #upgradesRefused: Counter<'reason' | 'status'>;
    readonly #inboundLimitCloses: Counter<'limit'>;
    readonly #sampler: QueueSampler;
    /** `<groupId>:<token>` → performance.now() at the grant. */
    readonly #lockGrants = new Map<string, number>();

    public constructor(options: MediatorMetricsOptions = {}) {
        const registers = [this.registry];
        if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
        this.proxy = new PromProxyMetrics(this.registry);
        this.#sampler = new QueueSampler(options.queueSampler);

        this.#handshakes = new Counter({
            name: 'd2m_handshakes_total',
            help: 'Handshakes by outcome (ok: ServerInfo sent)',
            labelNames: ['outcome'],
            registers,
        });
        for (const outcome of HANDSHAKE_OUTCOMES) this.#handshakes.inc({ outcome }, 0);
        this.#closes = new Counter({
            name: 'd2m_close_codes_sent_total',
            help: 'Device connections closed by the mediator, by WebSocket close code',
            labelNames: ['code'],
            registers,
        });
        this.#reflects = new Counter({
            name: 'd2m_reflects_total',
            help: 'Reflect messages received from devices, by kind (persistent or ephemeral)',
            labelNames: ['kind'],
            registers,
        });
        this.#reflects.inc({ kind: 'persistent' }, 0);
        this.#reflects.inc({ kind: 'ephemeral' }, 0);
        this.#reflectAckSeconds = new Histogram({
            name: 'd2m_reflect_ack_latency_seconds',
            help: 'Time from handling a Reflect to sending its ReflectAck (the reflection is stored for every other slot)',
            buckets: REFLECT_ACK_BUCKETS_S,
            registers,
        });
        this.#deliveries = new Counter({
            name: 'd2m_deliveries_total',
            help: 'Reflected messages sent to devices, by kind (queued or ephemeral)',
            labelNames: ['kind'],
            registers,
        });
        this.#deliveries.inc({ kind: 'queued' }, 0);
        this.#deliveries.inc({ kind: 'ephemeral' }, 0);
        this.#reflectedAcks = new Counter({
            name: 'd2m_reflected_acks_total',
            help: 'ReflectedAck messages that removed a queued reflection',
            registers,
        });
        this.#transactionRejections = new Counter({
            name: 'd2m_transaction_rejections_total',
            help: 'BeginTransaction answered with TransactionRejected: the device has to wait for the lock',
            registers,
        });
        this.#lockHoldSeconds = new Histogram({
            name: 'd2m_transaction_lock_hold_seconds',
            help: 'How long connections of this node held the transaction lock (grant to release)',
            buckets: LOCK_HOLD_BUCKETS_S,
            registers,
        });
        this.#locksExpired = new Counter({
            name: 'd2m_transaction_locks_expired_total',
            help: 'Transaction locks ended by the mediator because their holder did not release them in time',
            registers,
        });
        this.#leaderPromotions = new Counter({
            name: 'd2m_leader_promotions_total',
            help: 'Connections of this node promoted to leader of their device group',
            registers,
        });
        this.#slotsEvicted = new Counter({
            name: 'd2m_slots_evicted_total',
            help: 'Device slots dropped to make room for a new device (DROP_LEAST_RECENT)',
            registers,
        });
        this.#slotsOverflowed = new Counter({
            name: 'd2m_slots_queue_overflowed_total',
            help: 'Device slots dropped because their reflection queue reached its limit (4114)',
            registers,
        });
        this.#ephemeralDropped = new Counter({
            name: 'd2m_ephemeral_dropped_total',
            help: 'Ephemeral reflections not sent to a device behind in reading (its socket held more than the delivery high-water mark)',
            registers,
        });
        this.#upgradesRefused = new Counter({
            name: 'd2m_upgrades_refused_total',
            help:
                'WebSocket upgrades refused before the connection was accepted, by reason ' +
                '(unauthenticated-per-ip, group-connections: 429; unauthenticated-total, draining: 503)',
            labelNames: ['reason', 'status'],
            registers,
        });
        for (const reason of REFUSAL_REASONS) this.#upgradesRefused.inc({ reason, status: statusOf(reason) }, 0);
        this.#inboundLimitCloses = new Counter({
            name: 'd2m_inbound_limit_closes_total',
            help: 'Connections closed (4010) for sending more than an inbound limit allows, by limit (frames, bytes)',
            labelNames: ['limit'],
            registers,
        });
        for (const limit of INBOUND_LIMITS) this.#inboundLimitCloses.inc({ limit }, 0);
        this.storageSeconds = new Histogram({
            name: 'd2m_storage_operation_seconds',
            help: 'Duration of storage calls by store (groups, queue, coordinator), operation and result',
            labelNames: ['store', 'operation', 'result'],
            buckets: STORAGE_BUCKETS_S,
            registers,
        });
        this.#scrapeGauges();
    }

    /** The backend with its stores timed into `d2m_storage_operation_seconds`. */
    public instrument(backend: StorageBackend): StorageBackend {
        return instrumentBackend(backend, this.storageSeconds);
    }

    public handshake(outcome: HandshakeOutcome): void {
        this.#handshakes.inc({ outcome });
    }

    public closeSent(code: number): void {
        this.#closes.inc({ code: String(code) });
    }

    public reflectReceived(ephemeral: boolean): void {
        this.#reflects.inc({ kind: ephemeral ? 'ephemeral' : 'persistent' });
    }

    public reflectAcked(latencyMs: number): void {
        this.#reflectAckSeconds.observe(latencyMs / 1000);
    }

    public delivered(count: number, ephemeral: boolean): void {
        this.#deliveries.inc({ kind: ephemeral ? 'ephemeral' : 'queued' }, count);
    }

    public ephemeralDropped(): void {
        this.#ephemeralDropped.inc();
    }

    public reflectedAcked(): void {
        this.#reflectedAcks.inc();
    }

    public transactionRejected(): void {
        this.#transactionRejections.inc();
    }

    public lockAcquired(groupId: string, token: string): void {
        if (this.#lockGrants.size >= MAX_TRACKED_LOCKS) {
            const oldest = this.#lockGrants.keys().next();
            if (oldest.done !== true) this.#lockGrants.delete(oldest.value);
        }
        this.#lockGrants.set(`${groupId}:${token}`, performance.now());
    }

    public lockReleased(groupId: string, token: string): void {
        const key = `${groupId}:${token}`;
        const grantedAt = this.#lockGrants.get(key);
        if (grantedAt === undefined) return;
        this.#lockGrants.delete(key);
        this.#lockHoldSeconds.observe((performance.now() - grantedAt) / 1000);
    }

    public lockExpired(): void {
        this.#locksExpired.inc();
    }

    public leaderPromoted(): void {
        this.#leaderPromotions.inc();
    }

    public slotsEvicted(count: number): void {
        this.#slotsEvicted.inc(count);
    }

    public queueOverflowed(count: number): void {
        this.#slotsOverflowed.inc(count);
    }

    public upgradeRefused(reason: RefusalReason): void {
        this.#upgradesRefused.inc({ reason, status: statusOf(reason) });
    }

    public inboundLimitExceeded(limit: InboundLimit): void {
        this.#inboundLimitCloses.inc({ limit });
    }

    public observeNode(node: ObservedNode): void {
        this.#sampler.observe(node);
    }

    /** Gauges filled from one shared sample per scrape. */
    #scrapeGauges(): void {
        const registers = [this.registry];
        const sampler = this.#sampler;
        const gauge = (name: string, help: string, read: (sample: QueueSample) => number): void => {
            new Gauge({
                name,
                help,
                registers,
                async collect(this: Gauge) {
                    this.set(read(await sampler.sample()));
                },
            });
        };
        new Gauge({
            name: 'd2m_connections',
            help: 'Open device connections on this node, by state (awaiting-hello, authenticating, active)',
            labelNames: ['state'],
            registers,
            async collect(this: Gauge<'state'>) {
                const sample = await sampler.sample();
                this.reset();
                for (const state of ['awaiting-hello', 'authenticating', 'active']) {
                    this.set({ state }, sample.connections.get(state) ?? 0);
                }
            },
        });
        gauge(
            'd2m_unacked_reflections',
            'Reflections sent on the open connections and not acknowledged yet',
            (sample) => sample.unacked,
        );
        gauge(
            'd2m_queue_slots_observed',
            'Connected slots of this node whose reflection queue figures the queue gauges cover',
            (sample) => sample.slots,
        );
        gauge(
            'd2m_queue_items',
            'Reflections queued for the slots connected to this node (sum)',
            (sample) => sample.items,
        );
        gauge(
            'd2m_queue_items_max',
            'Reflections queued for the most backlogged slot connected to this node',
            (sample) => sample.maxItems,
        );
        gauge(
            'd2m_queue_bytes',
            'Envelope bytes queued for the slots connected to this node (sum)',
            (sample) => sample.bytes,
        );
        gauge(
            'd2m_queue_oldest_unacked_age_seconds',
            'Age of the oldest unacknowledged reflection queued for a slot connected to this node',
            (sample) => sample.oldestAgeMs / 1000,
        );
        gauge(
            'd2m_queue_sample_failures',
            'Queue figures that could not be read during the latest scrape (storage failing or slow)',
            (sample) => sample.failures,
        );
    }
}

function statusOf(reason: RefusalReason): string {
    return String(refusalStatus(reason));
}
