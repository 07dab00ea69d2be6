/**
 * Metrics as traffic flows: a node with the prom-client metrics, scraped
 * on its admin port's /metrics before and after real device traffic (the
 * SDK and raw sockets), on every storage backend. Each node has its own
 * registry, so several run in this process.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { buildClientUrl, CloseCode, ensureServerGroup } from '../../d2m/index.js';
import { TransactionScope } from '../../d2d/index.js';
import { TestChatServer } from '../../src/dev/test-chat-server.js';
import { MediatorMetrics, type MediatorMetricsOptions } from '../../src/metrics/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import { startAdminNode, type AdminNode } from '../helpers/admin-node.js';
import { numberedEnvelope, SERVER_GROUP, TestGroup, waitUntil } from '../helpers/devices.js';
import { BACKEND_KINDS, createTestBackend, type ConfigOverrides } from '../helpers/mediator.js';

const HANDSHAKE_TIMEOUT_MS = 300;

/** One scrape, parsed: series (`name{a="1",b="2"}` with labels sorted) → value. */
class Scrape {
    readonly #series = new Map<string, { name: string; labels: Record<string, string>; value: number }>();

    public constructor(public readonly text: string) {
        for (const line of text.split('\n')) {
            if (line === '' || line.startsWith('#')) continue;
            const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/u.exec(line);
            if (match === null) throw new Error(`unparsable metrics line: ${line}`);
            const labels: Record<string, string> = {};
            for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/gu)) {
                labels[pair[1]!] = pair[2]!;
            }
            this.#series.set(line.slice(0, line.lastIndexOf(' ')), {
                name: match[1]!,
                labels,
                value: Number(match[3]),
            });
        }
    }

    /** Sum over the series of `name` whose labels include `labels`; 0 when there are none. */
    public value(name: string, labels: Readonly<Record<string, string>> = {}): number {
        let total = 0;
        for (const series of this.#series.values()) {
            if (series.name !== name) continue;
            if (Object.entries(labels).every(([key, value]) => series.labels[key] === value)) total += series.value;
        }
        return total;
    }

    public has(name: string): boolean {
        return [...this.#series.values()].some((series) => series.name === name);
    }
}

interface Node extends AdminNode {
    scrape(): Promise<Scrape>;
}

async function startNode(
    backend: StorageBackend,
    config: ConfigOverrides = {},
    options: MediatorMetricsOptions = {},
): Promise<Node> {
    const node = await startAdminNode(backend, {
        config: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, ...config },
        metrics: options,
    });
    return {
        ...node,
        scrape: async () => {
            const response = await fetch(`${node.adminUrl}/metrics`);
            expect(response.status).to.equal(200);
            return new Scrape(await response.text());
        },
    };
}

/** A raw WebSocket that opens a valid connection and never sends ClientHello; resolves its close code. */
async function idleConnection(url: string): Promise<number> {
    const target = buildClientUrl(
        url,
        { deviceGroupId: new TestGroup(url).keys.deviceGroupId, serverGroup: ensureServerGroup(SERVER_GROUP) },
        'current',
    );
    const socket = new WebSocket(target);
    return new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.once('close', (code) => resolve(code));
    });
}

for (const kind of BACKEND_KINDS) {
    describe(`metrics (${kind})`, function () {
        this.timeout(20_000);
        let backend: StorageBackend;
        let node: Node;
        const groups: TestGroup[] = [];

        before(async function () {
            backend = await createTestBackend(kind);
            node = await startNode(backend);
        });

        after(async function () {
            await node.stop();
            await backend.close();
        });

        afterEach(async function () {
            await Promise.all(groups.splice(0).map((group) => group.closeAll()));
        });

        it('counts handshakes, reflections, deliveries, acks, locks, leaders, closes and storage calls', async function () {
            const before = await node.scrape();
            expect(before.value('d2m_connections', { state: 'active' })).to.equal(0);

            const group = new TestGroup(node.url);
            groups.push(group);
            const a = await group.connect(1n);
            await a.client.waitForLeader();
            const b = await group.connect(2n);
            const c = await group.connect(3n, { autoAckReflected: false });
            for (let n = 1; n <= 20; n++) await a.client.reflect(numberedEnvelope(a.id, n));
            await a.client.reflect(new Uint8Array([9, 9, 9]), { ephemeral: true });
            await Promise.all([b.waitForReflected(21), c.waitForReflected(21)]);
            expect(await a.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });
            expect((await b.client.beginTransaction(TransactionScope.GROUP_SYNC)).status).to.equal('rejected');
            await a.client.commitTransaction();
            expect(await idleConnection(node.url)).to.equal(CloseCode.PROTOCOL_ERROR);

            let after = await node.scrape();
            const delta = (name: string, labels?: Readonly<Record<string, string>>): number =>
                after.value(name, labels) - before.value(name, labels);
            for (let attempt = 0; delta('d2m_reflected_acks_total') < 20 && attempt < 100; attempt++) {
                await new Promise((resolve) => setTimeout(resolve, 20));
                after = await node.scrape();
            }
            expect(delta('d2m_handshakes_total', { outcome: 'ok' })).to.equal(3);
            expect(delta('d2m_handshakes_total', { outcome: 'timeout' })).to.equal(1);
            expect(delta('d2m_close_codes_sent_total', { code: String(CloseCode.PROTOCOL_ERROR) })).to.equal(1);
            expect(delta('d2m_reflects_total', { kind: 'persistent' })).to.equal(20);
            expect(delta('d2m_reflects_total', { kind: 'ephemeral' })).to.equal(1);
            expect(delta('d2m_reflect_ack_latency_seconds_count')).to.equal(20);
            expect(delta('d2m_reflect_ack_latency_seconds_sum')).to.be.greaterThan(0);
            expect(delta('d2m_reflect_ack_latency_seconds_bucket', { le: '+Inf' })).to.equal(20);
            expect(delta('d2m_deliveries_total', { kind: 'queued' })).to.equal(40);
            expect(delta('d2m_deliveries_total', { kind: 'ephemeral' })).to.equal(2);
            expect(delta('d2m_reflected_acks_total')).to.equal(20);
            expect(delta('d2m_transaction_rejections_total')).to.equal(1);
            expect(delta('d2m_transaction_lock_hold_seconds_count')).to.equal(1);
            expect(delta('d2m_leader_promotions_total')).to.equal(1);
            expect(
                delta('d2m_storage_operation_seconds_count', { store: 'queue', operation: 'append', result: 'ok' }),
            ).to.equal(20);
            expect(
                delta('d2m_storage_operation_seconds_count', { store: 'groups', operation: 'loginSlot', result: 'ok' }),
            ).to.equal(3);
            expect(delta('d2m_storage_operation_seconds_count', { store: 'coordinator' })).to.be.greaterThan(0);
            // Read on scrape: three devices online; c acknowledged nothing.
            expect(after.value('d2m_connections', { state: 'active' })).to.equal(3);
            expect(after.value('d2m_unacked_reflections')).to.equal(20);
            expect(after.value('d2m_queue_slots_observed')).to.equal(3);
            expect(after.value('d2m_queue_items')).to.equal(20);
            expect(after.value('d2m_queue_items_max')).to.equal(20);
            expect(after.value('d2m_queue_bytes')).to.be.greaterThan(20 * 4);
            await new Promise((resolve) => setTimeout(resolve, 10));
            const later = await node.scrape();
            expect(later.value('d2m_queue_oldest_unacked_age_seconds')).to.be.greaterThan(0);

            await b.client.dropDevice(3n);
            expect((await c.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            await waitUntil(() => node.server.sessionCount === 2);
            const dropped = await node.scrape();
            expect(
                dropped.value('d2m_close_codes_sent_total', { code: String(CloseCode.DEVICE_DROPPED) }) -
                    before.value('d2m_close_codes_sent_total', { code: String(CloseCode.DEVICE_DROPPED) }),
            ).to.equal(1);
            expect(dropped.value('d2m_connections', { state: 'active' })).to.equal(2);
            expect(dropped.value('d2m_queue_items')).to.equal(0);
            expect(dropped.value('d2m_unacked_reflections')).to.equal(0);
        });
    });
}

describe('metrics (embedded): proxy, scrape bounds, one registry per node', function () {
    this.timeout(20_000);
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async function () {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function node(config: ConfigOverrides = {}, options: MediatorMetricsOptions = {}): Promise<Node> {
        const backend = createMemoryBackend();
        const started = await startNode(backend, config, options);
        cleanups.push(() => backend.close());
        cleanups.push(() => started.stop());
        return started;
    }

    it('counts chat-server proxy bytes, connects and upstream failures', async function () {
        const chat = await TestChatServer.start({});
        cleanups.push(() => chat.close());
        const relaying = await node({ chatServerAddress: chat.address });
        const proxyless = await node();
        const hello = randomBytes(48);
        const group = new TestGroup(relaying.url);
        cleanups.push(() => group.closeAll());
        const device = await group.connect(1n, { sendProxyBeforeHandshake: hello });
        await waitUntil(() => device.proxy.length >= 1, 5000, 'the server-hello');
        let scrape = await relaying.scrape();
        expect(scrape.value('d2m_proxy_bytes_total', { direction: 'to_chat_server' })).to.equal(48);
        expect(scrape.value('d2m_proxy_bytes_total', { direction: 'to_device' })).to.equal(80);
        expect(scrape.value('d2m_proxy_upstream_connects_total')).to.equal(1);
        expect(scrape.value('d2m_proxy_relays_open')).to.equal(1);
        await device.client.close();
        await waitUntil(() => relaying.server.sessionCount === 0);
        scrape = await relaying.scrape();
        expect(scrape.value('d2m_proxy_relays_open')).to.equal(0);
        expect(scrape.value('d2m_proxy_relays_closed_total', { reason: 'device-closed' })).to.equal(1);

        const refused = new TestGroup(proxyless.url);
        const lonely = await refused.connect(1n, { sendProxyBeforeHandshake: hello });
        expect((await lonely.waitForClose()).code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_FAILED);
        scrape = await proxyless.scrape();
        expect(scrape.value('d2m_proxy_upstream_connect_failures_total', { reason: 'no-chat-server' })).to.equal(1);
        expect(
            scrape.value('d2m_close_codes_sent_total', { code: String(CloseCode.CHAT_SERVER_CONNECTION_FAILED) }),
        ).to.equal(1);
        // The other node's registry saw none of it.
        expect((await relaying.scrape()).value('d2m_proxy_upstream_connect_failures_total')).to.equal(0);
    });

    it('reads at most the configured number of queues per scrape, in rotation', async function () {
        const bounded = await node({}, { processMetrics: false, queueSampler: { maxSlotsPerScrape: 2 } });
        const group = new TestGroup(bounded.url);
        cleanups.push(() => group.closeAll());
        const devices = [];
        for (let id = 1n; id <= 5n; id++) devices.push(await group.connect(id, { autoAckReflected: false }));
        await devices[0]!.client.reflect(numberedEnvelope(devices[0]!.id, 1));
        await Promise.all(devices.slice(1).map((device) => device.waitForReflected(1)));
        const observed: number[] = [];
        for (let scrape = 0; scrape < 3; scrape++) {
            observed.push((await bounded.scrape()).value('d2m_queue_slots_observed'));
        }
        expect(observed).to.deep.equal([2, 4, 5]);
        const full = await bounded.scrape();
        expect(full.value('d2m_queue_items')).to.equal(4);
        expect(full.value('d2m_queue_items_max')).to.equal(1);
        expect(full.has('process_cpu_seconds_total')).to.equal(false);
    });

    it('registers every metric the Grafana dashboard queries', function () {
        const dashboard = readFileSync(new URL('../../../ops/grafana/d2m-mediator.json', import.meta.url), 'utf8');
        const queried = new Set<string>();
        for (const match of dashboard.matchAll(/\b((?:d2m|process|nodejs)_[a-z0-9_]+)/gu)) queried.add(match[1]!);
        expect(queried.size).to.be.greaterThan(25);
        const metrics = new MediatorMetrics();
        const missing = [...queried].filter(
            (name) => metrics.registry.getSingleMetric(name.replace(/_(bucket|count|sum)$/u, '')) === undefined,
        );
        expect(missing).to.deep.equal([]);
    });
});
