/**
 * What survives a Redis crash: with `appendfsync always`, every append that
 * resolved (the moment ReflectAck may be sent) is still there after the
 * server is killed and restarted; the fencing counters keep increasing; the
 * backend reports the outage as retryable errors at once and recovers on
 * its own (new connection, empty script cache, resubscribed bus).
 */
import { expect } from 'chai';
import { StorageError } from '../../../src/errors.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import type { QueueLimits } from '../../../src/storage/reflection-queue.js';
import type { RedisPostgresBackend } from '../../../src/storage/redis-postgres-backend.js';
import { bytes, deviceId, hex, randomGroupId } from '../../contract/support.js';
import { createTestRedisPostgresBackend, startRedisServer, type RedisServer } from '../../helpers/services.js';

const S = deviceId(1);
const X = deviceId(2);
const LIMITS: QueueLimits = { maxCount: 1_000, maxBytes: 1_000_000 };

/** Retries `attempt` until it resolves (the client reconnects with back-off). */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            return await attempt();
        } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
}

describe('redis crash', function () {
    let server: RedisServer;
    let backend: RedisPostgresBackend;

    before(async function () {
        server = await startRedisServer();
    });

    after(async function () {
        await server.kill();
    });

    beforeEach(async function () {
        if (!server.running) await server.restart();
        backend = await createTestRedisPostgresBackend({ redisUrl: server.url });
    });

    afterEach(async function () {
        await backend.close();
    });

    it('keeps every acknowledged reflection and keeps fencing tokens increasing', async function () {
        const group = randomGroupId();
        await backend.queue.addSlot(group, X);
        const envelopes = Array.from({ length: 50 }, (_, index) => bytes(index, 0xaa));
        await Promise.all(
            envelopes.map((envelope, index) =>
                backend.queue.append({
                    groupId: group,
                    senderDeviceId: S,
                    flags: 0,
                    envelope,
                    timestamp: 1_000 + index,
                    limits: LIMITS,
                }),
            ),
        );
        const lock = await backend.coordinator.beginTransaction(group, {
            deviceId: S,
            connectionId: 'c1',
            encryptedScope: bytes(1),
            ttlMs: 1,
            now: 0,
        });
        if (lock.status !== 'acquired') expect.fail('expected a grant');

        await server.kill();
        // While Redis is down, calls fail at once with a retryable error instead of queueing.
        const started = Date.now();
        const error: unknown = await backend.queue.stats(group, X).then(
            () => undefined,
            (reason: unknown) => reason,
        );
        expect(error).to.be.instanceOf(StorageError);
        expect((error as StorageError).retryable).to.equal(true);
        expect(Date.now() - started).to.be.below(1_000);

        await server.restart();
        const items = await eventually(() => backend.queue.read(group, X, 0, 1_000, 1_000_000));
        expect(items.map((item) => hex(item.envelope)).sort()).to.deep.equal(envelopes.map((e) => hex(e)).sort());
        expect(items.map((item) => item.seq)).to.deep.equal(envelopes.map((_, index) => index + 1));

        // Scripts run again although the restarted server has an empty script cache.
        const next = await backend.coordinator.beginTransaction(group, {
            deviceId: S,
            connectionId: 'c2',
            encryptedScope: bytes(2),
            ttlMs: 1,
            now: 10,
        });
        if (next.status !== 'acquired') expect.fail('expected a grant');
        expect(BigInt(next.lock.token) > BigInt(lock.lock.token)).to.equal(true);
    });

    it('resubscribes the bus after a restart', async function () {
        const group = randomGroupId();
        const received: GroupEvent[] = [];
        await backend.coordinator.subscribe(group, (event) => received.push(event));
        await server.kill();
        await server.restart();
        await eventually(async () => {
            await backend.coordinator.publish(group, { type: 'appended', deviceIds: [X] });
            const deadline = Date.now() + 200;
            while (received.length < 2 && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 10));
            }
            if (received.length < 2) throw new Error('no event yet');
        });
        // The lost connection was reported first (events published meanwhile are gone).
        expect(received.slice(0, 2)).to.deep.equal([{ type: 'bus-interrupted' }, { type: 'appended', deviceIds: [X] }]);
    });
});
