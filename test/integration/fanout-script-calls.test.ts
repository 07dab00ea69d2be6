/**
 * The cost of a reflection on Redis, counted with INFO commandstats on a
 * Redis of its own: online receivers that are up to date get each item
 * from its `appended` event (no queue-read) and acknowledge in batches (one
 * reflect-ack call per batch), and a sender's pipelined Reflects are
 * stored in batches (one reflect-append call for the appends waiting
 * together, at most 32), so a burst of reflections to three receivers costs
 * well under one Lua script call per reflection (a share of the append
 * batches and of the ack batches); one call per append alone would be more.
 */
import { expect } from 'chai';
import { scriptCallsOf } from '../../scripts/bench/services.js';
import { redisInline, startRedisServer, type RedisServer } from '../../scripts/lib/redis-server.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { groupIdFromBytes } from '../../src/storage/types.js';
import { numberedEnvelope, TestGroup, waitUntil, type TestDevice } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { createTestRedisPostgresBackend } from '../helpers/services.js';

const REFLECTIONS = 120;

describe('fan-out script calls per reflection (redis+postgres)', function () {
    this.timeout(60_000);
    let redis: RedisServer;
    let backend: StorageBackend;
    let mediator: TestMediator;
    let group: TestGroup;

    before(async function () {
        redis = await startRedisServer({ name: 'd2m-test-redis-script-calls' });
        backend = await createTestRedisPostgresBackend({ redisUrl: redis.url });
        mediator = await startTestMediator({ backend });
    });

    after(async function () {
        await group?.closeAll();
        await mediator?.stop();
        await backend?.close();
        await redis?.stop();
    });

    async function scriptCalls(): Promise<number> {
        return scriptCallsOf(await redisInline(redis.port, 'INFO commandstats'));
    }

    /** Script calls once they stopped changing (the acks of the last batch are in). */
    async function settledScriptCalls(): Promise<number> {
        let last = await scriptCalls();
        for (;;) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            const now = await scriptCalls();
            if (now === last) return now;
            last = now;
        }
    }

    it('costs at most 0.5 Lua calls per reflection for a burst to online, contiguous receivers', async function () {
        group = new TestGroup(mediator.url);
        const sender = await group.connect(1n);
        const receivers: TestDevice[] = [];
        for (const id of [2n, 3n, 4n]) receivers.push(await group.connect(id));
        await waitUntil(() => [sender, ...receivers].every((device) => device.queueDry), 5000, 'queue dry');
        // Let the logins' own calls (leader election, presence) settle first.
        const before = await settledScriptCalls();
        await Promise.all(
            Array.from({ length: REFLECTIONS }, (_unused, n) => sender.client.reflect(numberedEnvelope(sender.id, n))),
        );
        for (const receiver of receivers) await receiver.waitForReflected(REFLECTIONS, 10_000);
        const calls = (await settledScriptCalls()) - before;
        // Every ack was applied (and so counted above): the queues are empty.
        const groupId = groupIdFromBytes(group.keys.deviceGroupId);
        for (const receiver of receivers) {
            expect((await backend.queue.stats(groupId, receiver.id)).count, `queue of ${receiver.id}`).to.equal(0);
            expect(receiver.numbers(sender.id)).to.deep.equal(Array.from({ length: REFLECTIONS }, (_unused, n) => n));
        }
        const perReflection = calls / REFLECTIONS;
        expect(perReflection, `${calls} script calls for ${REFLECTIONS} reflections`).to.be.at.most(0.5);
    });
});
