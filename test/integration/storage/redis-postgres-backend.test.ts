/**
 * The shared storage contracts against the redis+postgres backend, on real
 * Redis and PostgreSQL (see test/helpers/services.ts): once on a single
 * Redis server and once on a three-master Redis Cluster, where a command or
 * script touching keys of several slots fails with CROSSSLOT.
 *
 * On the cluster, the contract tests share one backend (its `close` is
 * returned as a no-op and the real one closes after the suites): the tests
 * use fresh group ids and clean up after themselves, and the connect and
 * discovery round trips of a cluster client per test would cost more than
 * the tests. Creating and closing cluster backends is covered below and by
 * the end-to-end suite.
 */
import { expect } from 'chai';
import type { StorageBackend } from '../../../src/storage/backend.js';
import type { RedisPostgresBackend } from '../../../src/storage/redis-postgres-backend.js';
import { deviceGroupStoreContract } from '../../contract/device-group-store.contract.js';
import { groupCoordinatorContract } from '../../contract/group-coordinator.contract.js';
import { reflectionQueueContract } from '../../contract/reflection-queue.contract.js';
import { createTestRedisPostgresBackend } from '../../helpers/services.js';

/** The same backend to every caller, with a `close` that leaves it open; `closeShared` closes it. */
function sharedBackend(create: () => Promise<RedisPostgresBackend>) {
    let shared: Promise<RedisPostgresBackend> | undefined;
    return {
        factory: async (): Promise<StorageBackend> => {
            shared ??= create();
            const backend = await shared;
            return {
                kind: backend.kind,
                durable: backend.durable,
                groups: backend.groups,
                queue: backend.queue,
                coordinator: backend.coordinator,
                logins: backend.logins,
                nodes: backend.nodes,
                health: (timeoutMs) => backend.health(timeoutMs),
                close: () => Promise.resolve(),
            };
        },
        closeShared: async (): Promise<void> => {
            const backend = shared;
            shared = undefined;
            if (backend !== undefined) await (await backend).close();
        },
    };
}

for (const redisCluster of [false, true]) {
    const name = redisCluster ? 'redis-cluster+postgres' : 'redis+postgres';
    const create = () => createTestRedisPostgresBackend({ redisCluster });

    describe(`${name} storage contracts`, function () {
        const shared = sharedBackend(create);
        const factory = redisCluster ? shared.factory : create;
        after(() => shared.closeShared());

        deviceGroupStoreContract(name, factory);
        reflectionQueueContract(name, factory);
        groupCoordinatorContract(name, factory);
    });

    describe(`${name} backend`, function () {
        it('says it is redis+postgres and durable, and closes idempotently', async function () {
            const backend = await create();
            expect(backend.kind).to.equal('redis+postgres');
            expect(backend.durable).to.equal(true);
            await backend.close();
            await backend.close();
        });

        it('reports its Redis healthy', async function () {
            const backend = await create();
            try {
                const health = await backend.health(2_000);
                expect(health.ok, JSON.stringify(health)).to.equal(true);
                expect(health.checks.map((check) => check.name)).to.include('redis');
            } finally {
                await backend.close();
            }
        });
    });
}
