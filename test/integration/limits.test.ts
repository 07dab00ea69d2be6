/**
 * Limits against abuse on a real node (embedded backend) over real
 * WebSockets: upgrades refused with 429 or 503 and a Retry-After header
 * (unauthenticated connections per address and in total, connections per
 * device group), connections closed with 4010 for sending too many frames
 * or bytes, the handshake timeout, and the metrics that count each; devices
 * that stay within the limits keep working meanwhile.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { buildClientUrl, CloseCode, D2mPayloadType, ensureServerGroup } from '../../d2m/index.js';
import { buildConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { startMediatorServer, type MediatorServer } from '../../src/mediator-server.js';
import { MediatorMetrics } from '../../src/metrics/index.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import { numberedEnvelope, SERVER_GROUP, TestGroup, waitUntil } from '../helpers/devices.js';
import type { ConfigOverrides } from '../helpers/mediator.js';
import { rawHandshake, RawClient } from '../helpers/raw-client.js';

const RETRY_AFTER_S = 7;

interface Node {
    readonly url: string;
    readonly server: MediatorServer;
    /** The value of counter `name` summed over the series whose labels include `labels`. */
    count(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
    stop(): Promise<void>;
}

async function startNode(config: ConfigOverrides): Promise<Node> {
    const metrics = new MediatorMetrics({ processMetrics: false });
    const backend = createMemoryBackend();
    const server = await startMediatorServer({
        config: buildConfig({ host: '127.0.0.1', port: 0, retryAfterS: RETRY_AFTER_S, ...config }),
        backend,
        crypto: sodiumCryptoBackend,
        logger: silentLogger,
        metrics,
    });
    return {
        url: `ws://127.0.0.1:${server.port}/`,
        server,
        count: async (name, labels = {}) => {
            const metric = metrics.registry.getSingleMetric(name);
            if (metric === undefined) throw new Error(`no metric ${name}`);
            const { values } = await metric.get();
            return values
                .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
                .reduce((sum, value) => sum + value.value, 0);
        },
        stop: async () => {
            await server.stop();
            await backend.close();
        },
    };
}

type UpgradeOutcome =
    | { readonly status: 101; readonly socket: WebSocket }
    | { readonly status: number; readonly retryAfter: string | undefined };

/** Tries one WebSocket upgrade; the HTTP status of a refusal with its Retry-After, or the open socket. */
function upgrade(url: string): Promise<UpgradeOutcome> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
        socket.once('open', () => resolve({ status: 101, socket }));
        socket.once('unexpected-response', (_request, response) => {
            response.resume();
            socket.terminate();
            resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
        });
        socket.once('error', reject);
    });
}

function groupUrl(node: Node, group: TestGroup): string {
    return buildClientUrl(
        node.url,
        { deviceGroupId: group.keys.deviceGroupId, serverGroup: ensureServerGroup(SERVER_GROUP) },
        'current',
    );
}

/** Opens a connection that reads ServerHello and never answers it (unauthenticated until it times out). */
async function unauthenticated(node: Node, group = new TestGroup(node.url)): Promise<RawClient> {
    const raw = await RawClient.open(groupUrl(node, group));
    expect((await raw.next()).type).to.equal(D2mPayloadType.SERVER_HELLO);
    return raw;
}

async function expectRefused(url: string, status: number): Promise<void> {
    const outcome = await upgrade(url);
    if (outcome.status === 101 && 'socket' in outcome) {
        outcome.socket.terminate();
        expect.fail(`expected ${status}, the upgrade was accepted`);
    }
    expect(outcome.status).to.equal(status);
    expect((outcome as { retryAfter: string | undefined }).retryAfter).to.equal(String(RETRY_AFTER_S));
}

/** A device that reflects one message and sees it reflected to its peer: the node still serves the group. */
async function reflectsThrough(group: TestGroup, firstId: bigint): Promise<void> {
    const sender = await group.connect(firstId);
    const receiver = await group.connect(firstId + 1n);
    await sender.client.reflect(numberedEnvelope(sender.id, 1));
    await receiver.waitForReflected(1);
    await sender.client.close();
    await receiver.client.close();
}

describe('limits against abuse (embedded)', function () {
    let node: Node | undefined;

    afterEach(async function () {
        await node?.stop();
        node = undefined;
    });

    it('refuses a fourth unauthenticated connection from one address with 429, and authenticated ones do not count', async function () {
        node = await startNode({ maxUnauthenticatedPerIp: 3, handshakeTimeoutMs: 60_000 });
        const idle = [await unauthenticated(node), await unauthenticated(node), await unauthenticated(node)];
        await expectRefused(groupUrl(node, new TestGroup(node.url)), 429);
        expect(
            await node.count('d2m_upgrades_refused_total', { reason: 'unauthenticated-per-ip', status: '429' }),
        ).to.equal(1);

        // One leaves; a device takes its place and, once authenticated, frees it again.
        idle.shift()!.close();
        const server = node.server;
        await waitUntil(() => server.sessionCount === 2, 5000, 'the idle connection to close');
        const group = new TestGroup(node.url);
        const device = await group.connect(1n);
        idle.push(await unauthenticated(node));
        await expectRefused(groupUrl(node, group), 429);
        expect(await node.count('d2m_upgrades_refused_total', { reason: 'unauthenticated-per-ip' })).to.equal(2);
        await device.client.close();
        for (const raw of idle) raw.close();
    });

    it('refuses upgrades with 503 once the node holds its total of unauthenticated connections', async function () {
        node = await startNode({ maxUnauthenticated: 2, handshakeTimeoutMs: 60_000 });
        const idle = [await unauthenticated(node), await unauthenticated(node)];
        await expectRefused(groupUrl(node, new TestGroup(node.url)), 503);
        expect(
            await node.count('d2m_upgrades_refused_total', { reason: 'unauthenticated-total', status: '503' }),
        ).to.equal(1);
        for (const raw of idle) raw.close();
        const server = node.server;
        await waitUntil(() => server.sessionCount === 0, 5000, 'the idle connections to close');
        await reflectsThrough(new TestGroup(node.url), 1n);
    });

    it('refuses a connection beyond the per-group limit with 429 while other groups connect', async function () {
        node = await startNode({ maxConnectionsPerGroup: 2 });
        const group = new TestGroup(node.url);
        const first = await group.connect(1n);
        const second = await group.connect(2n);
        await expectRefused(groupUrl(node, group), 429);
        expect(await node.count('d2m_upgrades_refused_total', { reason: 'group-connections', status: '429' })).to.equal(
            1,
        );
        await reflectsThrough(new TestGroup(node.url), 1n);

        // The group's devices still work, and a place freed is a place to take.
        await first.client.reflect(numberedEnvelope(first.id, 1));
        await second.waitForReflected(1);
        await first.client.close();
        const server = node.server;
        await waitUntil(() => server.sessionCount === 1, 5000, 'the device to disconnect');
        const third = await group.connect(3n);
        await second.client.close();
        await third.client.close();
    });

    it('closes a connection that sends frames faster than the frame limit with 4010', async function () {
        node = await startNode({ inboundFramesPerSecond: 10, inboundFrameBurst: 20 });
        const group = new TestGroup(node.url);
        const raw = await RawClient.open(groupUrl(node, group));
        await rawHandshake(raw, { dgpkSecretKey: group.keys.dgpk.secretKey, deviceId: 1n });
        expect((await raw.nextOf(D2mPayloadType.SERVER_INFO)).type).to.equal(D2mPayloadType.SERVER_INFO);
        // ReflectedAck for an unknown id is ignored: only the rate is wrong here.
        for (let i = 0; i < 40; i++) raw.send({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: i } });
        const closed = await raw.closed;
        expect(closed.code).to.equal(CloseCode.PROTOCOL_ERROR);
        expect(closed.reason).to.equal('inbound frames limit exceeded');
        expect(await node.count('d2m_inbound_limit_closes_total', { limit: 'frames' })).to.equal(1);
        expect(await node.count('d2m_close_codes_sent_total', { code: '4010' })).to.equal(1);

        // A device sending at a normal pace is unaffected.
        const device = await group.connect(2n);
        const peer = await group.connect(3n);
        for (let n = 0; n < 5; n++) {
            await device.client.reflect(numberedEnvelope(device.id, n));
            await new Promise((resolve) => setTimeout(resolve, 150));
        }
        await peer.waitForReflected(5);
        expect(device.client.closeError).to.equal(undefined);
        await device.client.close();
        await peer.client.close();
    });

    it('closes a connection that sends more bytes than the byte limit with 4010', async function () {
        node = await startNode({ inboundBytesPerSecond: 1024, inboundByteBurst: 65536 });
        const group = new TestGroup(node.url);
        const raw = await RawClient.open(groupUrl(node, group));
        await rawHandshake(raw, { dgpkSecretKey: group.keys.dgpk.secretKey, deviceId: 1n });
        await raw.nextOf(D2mPayloadType.SERVER_INFO);
        for (let id = 1; id <= 3; id++) {
            raw.send({
                type: D2mPayloadType.REFLECT,
                body: { flags: 0, reflectId: id, envelope: new Uint8Array(30_000) },
            });
        }
        const closed = await raw.closed;
        expect(closed.code).to.equal(CloseCode.PROTOCOL_ERROR);
        expect(closed.reason).to.equal('inbound bytes limit exceeded');
        expect(await node.count('d2m_inbound_limit_closes_total', { limit: 'bytes' })).to.equal(1);
        expect(await node.count('d2m_inbound_limit_closes_total', { limit: 'frames' })).to.equal(0);
        await reflectsThrough(group, 2n);
    });

    it('drops ephemeral reflections for a device that does not read, keeping what it buffers bounded', async function () {
        this.timeout(30_000);
        const highWater = 65536;
        node = await startNode({ deliveryHighWaterBytes: highWater });
        const group = new TestGroup(node.url);
        const raw = await RawClient.open(groupUrl(node, group));
        await rawHandshake(raw, { dgpkSecretKey: group.keys.dgpk.secretKey, deviceId: 1n });
        await raw.nextOf(D2mPayloadType.SERVER_INFO);
        raw.socket.pause();
        const sender = await group.connect(2n);
        const peer = await group.connect(3n);
        const envelope = new Uint8Array(60_000);
        const server = node.server;
        const reader = (): number => server.sessionStats().find((stats) => stats.deviceId === 1n)?.bufferedAmount ?? 0;
        let peak = 0;
        // Far more than the kernel's socket buffers hold: the rest has to be dropped or buffered.
        // The peer reads each before the next is sent, so it is never behind.
        for (let n = 1; n <= 400; n++) {
            await sender.client.reflect(envelope, { ephemeral: true });
            await peer.waitForReflected(n);
            peak = Math.max(peak, reader());
        }
        expect(await node.count('d2m_ephemeral_dropped_total')).to.be.greaterThan(0);
        expect(peak).to.be.at.most(highWater + envelope.byteLength + 64);
        expect(server.sessionStats().some((stats) => stats.deviceId === 1n)).to.equal(true);
        // The reading peer got every one, and the group still works.
        await sender.client.reflect(numberedEnvelope(sender.id, 1));
        await waitUntil(() => peer.numbers().length === 1, 5000, 'the persistent reflection');
        raw.socket.resume();
        raw.close();
        await sender.client.close();
        await peer.client.close();
    });

    it('closes a connection without ClientHello after the handshake timeout and counts it', async function () {
        node = await startNode({ handshakeTimeoutMs: 200 });
        const raw = await unauthenticated(node);
        const closed = await raw.closed;
        expect(closed.code).to.equal(CloseCode.PROTOCOL_ERROR);
        expect(await node.count('d2m_handshakes_total', { outcome: 'timeout' })).to.equal(1);
        // A timed-out connection leaves the unauthenticated counts: the place is free again.
        await reflectsThrough(new TestGroup(node.url), 1n);
    });
});
