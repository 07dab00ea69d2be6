/**
 * The group bus when its subscriber connection is lost, against a real
 * redis-server (and a real Redis Cluster master) that is killed and started
 * again: every handler of an affected group receives `bus-interrupted` at
 * once, a new subscription fails fast and retryable while the connection is
 * down, and the subscriptions are back (SSUBSCRIBEd again) once Redis is.
 */
import { expect } from 'chai';
import { StorageError } from '../../../src/errors.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import type { RedisPostgresBackend } from '../../../src/storage/redis-postgres-backend.js';
import { keySlot } from '../../../src/storage/redis/key-slot.js';
import { RedisKeys } from '../../../src/storage/redis/keys.js';
import { closeRedis, connectRedis } from '../../../src/storage/redis/redis-client.js';
import { LuaScripts } from '../../../src/storage/redis/scripts.js';
import type { GroupId } from '../../../src/storage/types.js';
import { deviceId, randomGroupId } from '../../contract/support.js';
import {
    createTestRedisPostgresBackend,
    redisCli,
    startRedisCluster,
    startRedisServer,
    uniqueKeyPrefix,
    waitForClusterOk,
    type RedisCluster,
    type RedisServer,
} from '../../helpers/services.js';

/** How soon after the kill every handler must have heard of it. */
const INTERRUPTION_WITHIN_MS = 2_000;
/** A subscription attempt while Redis is down must fail well before the subscribe timeout (5 s). */
const FAST_FAILURE_MS = 1_000;

class Recorder {
    public readonly events: GroupEvent[] = [];
    public readonly handler = (event: GroupEvent): void => void this.events.push(event);

    public interruptions(): number {
        return this.events.filter((event) => event.type === 'bus-interrupted').length;
    }

    public appended(marker: number): boolean {
        return this.events.some((event) => event.type === 'appended' && event.deviceIds[0] === deviceId(marker));
    }
}

/** Polls `predicate` (sync or async) until it holds; fails after `timeoutMs`. */
async function waitUntil(
    predicate: () => boolean | Promise<boolean>,
    { timeoutMs }: { readonly timeoutMs: number },
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
        () => expect.fail('expected a rejection'),
        (error: unknown) => error,
    );
}

/** Subscriptions on the server for the channel (`PUBSUB SHARDNUMSUB`). */
async function shardSubscribers(port: number, channel: string): Promise<number> {
    const output = await redisCli(port, ['PUBSUB', 'SHARDNUMSUB', channel]);
    return Number(output.trim().split('\n')[1]);
}

/** Publishes `marker` on the group until Redis takes it and the recorder has it (the connections reconnect meanwhile). */
async function publishUntilReceived(
    backend: RedisPostgresBackend,
    group: GroupId,
    recorder: Recorder,
    marker: number,
): Promise<void> {
    await waitUntil(
        async () => {
            await backend.coordinator
                .publish(group, { type: 'appended', deviceIds: [deviceId(marker)] })
                .catch(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, 50));
            return recorder.appended(marker);
        },
        { timeoutMs: 15_000 },
    );
}

describe('redis group bus interruption', function () {
    this.timeout(40_000);

    describe('on a single Redis server', function () {
        let server: RedisServer;
        let backend: RedisPostgresBackend;
        let keys: RedisKeys;

        before(async function () {
            server = await startRedisServer();
            const keyPrefix = uniqueKeyPrefix();
            keys = new RedisKeys(keyPrefix);
            backend = await createTestRedisPostgresBackend({ redisUrl: server.url, keyPrefix });
        });

        after(async function () {
            await backend.close();
            await server.kill();
        });

        it('interrupts every handler at once, fails new subscriptions fast while down and resubscribes after the restart', async function () {
            const group = randomGroupId();
            const other = randomGroupId();
            const dropped = randomGroupId();
            const [first, second, third, fourth] = [new Recorder(), new Recorder(), new Recorder(), new Recorder()];
            await backend.coordinator.subscribe(group, first.handler);
            await backend.coordinator.subscribe(group, second.handler);
            await backend.coordinator.subscribe(other, third.handler);
            const unsubscribeDropped = await backend.coordinator.subscribe(dropped, fourth.handler);
            await publishUntilReceived(backend, group, first, 1);

            await server.kill();
            const killed = Date.now();
            await waitUntil(() => [first, second, third, fourth].every((recorder) => recorder.interruptions() === 1), {
                timeoutMs: INTERRUPTION_WITHIN_MS,
            });
            expect(Date.now() - killed).to.be.below(INTERRUPTION_WITHIN_MS);

            const started = Date.now();
            const error = await rejection(backend.coordinator.subscribe(randomGroupId(), () => undefined));
            expect(error).to.be.instanceOf(StorageError);
            expect((error as StorageError).retryable).to.equal(true);
            expect(Date.now() - started).to.be.below(FAST_FAILURE_MS);
            const publishError = await rejection(
                backend.coordinator.publish(group, { type: 'appended', deviceIds: [deviceId(2)] }),
            );
            expect((publishError as StorageError).retryable).to.equal(true);
            // Giving up a subscription while down does not wait for Redis.
            await unsubscribeDropped();

            await server.restart();
            await publishUntilReceived(backend, group, first, 3);
            // The reconnected command connection loaded the scripts before any other command (no NOSCRIPT).
            const probe = await connectRedis({ url: server.url });
            try {
                const shas = LuaScripts.read()
                    .all()
                    .map((script) => script.sha);
                expect(await probe.sendCommand(['SCRIPT', 'EXISTS', ...shas])).to.deep.equal(shas.map(() => 1));
            } finally {
                await closeRedis(probe);
            }
            await waitUntil(() => second.appended(3), { timeoutMs: 5_000 });
            await publishUntilReceived(backend, other, third, 4);
            // One interruption per loss, however many reconnect attempts it took.
            expect([first, second, third, fourth].map((recorder) => recorder.interruptions())).to.deep.equal([
                1, 1, 1, 1,
            ]);
            await waitUntil(async () => (await shardSubscribers(server.port, keys.channel(dropped))) === 0, {
                timeoutMs: 5_000,
            });
            expect(await shardSubscribers(server.port, keys.channel(group))).to.equal(1);
            expect(fourth.events.map((event) => event.type)).to.deep.equal(['bus-interrupted']);

            const late = new Recorder();
            await backend.coordinator.subscribe(randomGroupId(), late.handler);
            expect(late.events).to.deep.equal([]);
        });
    });

    describe('on a Redis Cluster', function () {
        let cluster: RedisCluster;
        let backend: RedisPostgresBackend;
        let keys: RedisKeys;

        /** A fresh group whose keys and channel live on the given master (slot ranges of startRedisCluster). */
        function groupOnNode(index: number): GroupId {
            for (;;) {
                const group = randomGroupId();
                const slot = keySlot(keys.channel(group));
                if ((slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2) === index) return group;
            }
        }

        before(async function () {
            cluster = await startRedisCluster();
            const keyPrefix = uniqueKeyPrefix();
            keys = new RedisKeys(keyPrefix);
            backend = await createTestRedisPostgresBackend({ redisUrl: cluster.url, redisCluster: true, keyPrefix });
        });

        after(async function () {
            await backend.close();
            await cluster.stop();
        });

        it('interrupts only the groups of the lost master and resubscribes them after its restart', async function () {
            const node = cluster.nodes[0]!;
            const onLost = groupOnNode(0);
            const onOther = groupOnNode(1);
            const lost = new Recorder();
            const kept = new Recorder();
            await backend.coordinator.subscribe(onLost, lost.handler);
            await backend.coordinator.subscribe(onOther, kept.handler);
            expect(await shardSubscribers(node.port, keys.channel(onLost))).to.equal(1);

            await node.kill();
            await waitUntil(() => lost.interruptions() === 1, { timeoutMs: INTERRUPTION_WITHIN_MS });
            const started = Date.now();
            const error = await rejection(backend.coordinator.subscribe(groupOnNode(0), () => undefined));
            expect((error as StorageError).retryable).to.equal(true);
            expect(Date.now() - started).to.be.below(FAST_FAILURE_MS);
            // The other masters' groups carry on; health reports the cluster not ok.
            await publishUntilReceived(backend, onOther, kept, 1);
            expect(kept.interruptions()).to.equal(0);
            const health = await backend.health(1_000);
            expect(health.checks.find((check) => check.name === 'redis')?.ok).to.equal(false);

            await node.restart();
            await waitForClusterOk(cluster.nodes.map((each) => each.port));
            await publishUntilReceived(backend, onLost, lost, 2);
            expect(lost.interruptions()).to.equal(1);
            expect((await backend.health(2_000)).ok).to.equal(true);
            expect(await shardSubscribers(node.port, keys.channel(onLost))).to.equal(1);
            // Scripts run again on the restarted master (its script cache is empty: NOSCRIPT, then EVAL).
            await backend.queue.addSlot(onLost, deviceId(7));
            expect(await backend.queue.listSlots(onLost)).to.deep.equal([deviceId(7)]);
            await backend.queue.deleteGroup(onLost);

            // A master this node holds no subscriber connection to yet: refused at once while it is down.
            await cluster.nodes[2]!.kill();
            await waitUntil(async () => !(await backend.health(1_000)).ok, { timeoutMs: 5_000 });
            const atOnce = Date.now();
            const refused = await rejection(backend.coordinator.subscribe(groupOnNode(2), () => undefined));
            expect((refused as StorageError).retryable).to.equal(true);
            expect(Date.now() - atOnce).to.be.below(FAST_FAILURE_MS);
            expect(lost.interruptions() + kept.interruptions()).to.equal(1);
        });
    });
});
