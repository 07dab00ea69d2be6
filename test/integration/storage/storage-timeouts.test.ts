/**
 * Storage that stops answering without closing the connection (a network
 * partition, simulated by a TCP proxy that blackholes an open connection):
 * every Redis command, bus subscription and PostgreSQL query fails within
 * the storage timeout instead of hanging, as a retryable StorageError; a
 * device logging in meanwhile is refused with 1013 well before the
 * handshake timeout; and the same connections serve again once the
 * partition heals.
 */
import { expect } from 'chai';
import { CloseCode } from '../../../d2m/index.js';
import { StorageError } from '../../../src/errors.js';
import type { RedisPostgresBackend } from '../../../src/storage/redis-postgres-backend.js';
import { CLOSE_TIMEOUT_MS } from '../../../src/storage/redis/redis-client.js';
import { TestGroup } from '../../helpers/devices.js';
import { startTestMediator } from '../../helpers/mediator.js';
import {
    createTestRedisPostgresBackend,
    getDatabaseUrl,
    startRedisServer,
    type RedisServer,
} from '../../helpers/services.js';
import { proxyDatabase, TcpProxy } from '../../helpers/tcp-proxy.js';
import { deviceId, randomGroupId } from '../../contract/support.js';

const TIMEOUT_MS = 400;
/** A failure may come up to a fifth of the timeout late (the watchdog's period), plus slack for a loaded machine. */
const LATEST_MS = TIMEOUT_MS * 1.2 + 1_500;

/** Resolves how long the call took to fail, asserting a retryable StorageError. */
async function failsWithin(call: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    const error = await call().then(
        () => expect.fail('expected the call to fail'),
        (reason: unknown) => reason,
    );
    const elapsed = performance.now() - started;
    expect(error, String(error)).to.be.instanceOf(StorageError);
    expect((error as StorageError).retryable).to.equal(true);
    expect(elapsed).to.be.within(TIMEOUT_MS - 50, LATEST_MS);
    return elapsed;
}

/** Retries `call` until it succeeds (the healed connection catches up on its backlog first). */
async function succeedsAgain(call: () => Promise<unknown>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            await call();
            return;
        } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }
}

describe('storage timeouts (redis+postgres behind a blackholing proxy)', function () {
    this.timeout(60_000);

    describe('Redis partitioned', function () {
        let redis: RedisServer;
        let proxy: TcpProxy;
        let backend: RedisPostgresBackend;

        before(async function () {
            redis = await startRedisServer();
            proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
            backend = await createTestRedisPostgresBackend({
                redisUrl: `redis://127.0.0.1:${proxy.port}`,
                storageTimeoutMs: TIMEOUT_MS,
            });
        });

        after(async function () {
            await proxy.resume();
            await backend.close();
            await proxy.stop();
            await redis.stop();
        });

        it('fails commands, scripts and subscriptions within the timeout, then serves again', async function () {
            const group = randomGroupId();
            await backend.queue.addSlot(group, deviceId(2));
            proxy.blackhole();
            await failsWithin(() => backend.queue.listSlots(group));
            await failsWithin(() =>
                backend.queue.append({
                    groupId: group,
                    senderDeviceId: deviceId(1),
                    flags: 0,
                    envelope: Uint8Array.of(1),
                    timestamp: Date.now(),
                    limits: { maxCount: 10, maxBytes: 1_000 },
                }),
            );
            await failsWithin(() =>
                backend.coordinator.renewPresence(group, 'n1', ['c1'], Date.now() + 1_000, Date.now()),
            );
            await failsWithin(() => backend.coordinator.subscribe(randomGroupId(), () => undefined));
            await proxy.resume();
            await succeedsAgain(async () => {
                expect(await backend.queue.listSlots(group)).to.deep.equal([deviceId(2)]);
            });
            await backend.queue.deleteGroup(group);
        });

        it('closes within a bounded time while Redis does not answer', async function () {
            const other = await createTestRedisPostgresBackend({
                redisUrl: `redis://127.0.0.1:${proxy.port}`,
                storageTimeoutMs: TIMEOUT_MS,
            });
            try {
                proxy.blackhole();
                await failsWithin(() => other.queue.listSlots(randomGroupId()));
                const started = performance.now();
                await other.close();
                expect(performance.now() - started).to.be.below(CLOSE_TIMEOUT_MS + 2_000);
            } finally {
                await proxy.resume();
            }
        });
    });

    describe('PostgreSQL partitioned', function () {
        let proxy: TcpProxy;
        let backend: RedisPostgresBackend;

        before(async function () {
            const database = await proxyDatabase(await getDatabaseUrl());
            proxy = database.proxy;
            backend = await createTestRedisPostgresBackend({
                databaseUrl: database.url,
                storageTimeoutMs: TIMEOUT_MS,
            });
        });

        after(async function () {
            await proxy.resume();
            await backend.close();
            await proxy.stop();
        });

        it('fails queries within the timeout, then serves again', async function () {
            const group = randomGroupId();
            expect(await backend.groups.listSlots(group)).to.deep.equal([]);
            proxy.blackhole();
            await failsWithin(() => backend.groups.listSlots(group));
            // Concurrent queries need further pooled connections, which cannot be opened now.
            await Promise.all([1, 2, 3].map(() => failsWithin(() => backend.groups.getSharedDeviceData(group))));
            await proxy.resume();
            await succeedsAgain(async () => {
                expect(await backend.groups.listSlots(group)).to.deep.equal([]);
            });
        });

        it('refuses a device logging in with 1013 within the timeout, long before the handshake timeout', async function () {
            const mediator = await startTestMediator({ backend, config: { storageTimeoutMs: TIMEOUT_MS } });
            try {
                const group = new TestGroup(mediator.url);
                proxy.blackhole();
                const started = performance.now();
                const refused = await group.refused(1n);
                expect(refused.code).to.equal(CloseCode.TRY_AGAIN_LATER);
                // The login reads the group's policy from PostgreSQL first: one timeout, plus the handshake.
                expect(performance.now() - started).to.be.below(LATEST_MS + 1_000);
                await proxy.resume();
                await group.closeAll();
            } finally {
                await proxy.resume();
                await mediator.stop();
            }
        });
    });
});
