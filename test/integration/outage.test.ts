/**
 * Outages of the services behind a running node (redis+postgres): a
 * dedicated redis-server (AOF, fsync always) that the test kills and
 * restarts, and PostgreSQL reached through a TCP proxy the test stops.
 *
 * While a service is gone the node refuses new devices with 1013 (try
 * later), closes devices whose requests it can no longer store with 1013,
 * and acknowledges nothing it has not stored. When the service returns the
 * same node serves again without a restart, and what was acknowledged
 * before the outage is delivered.
 */
import { expect } from 'chai';
import { CloseCode } from '../../d2m/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { numberedEnvelope, TestGroup, waitUntil, type TestDevice } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';
import {
    createTestRedisPostgresBackend,
    getDatabaseUrl,
    startRedisServer,
    type RedisServer,
} from '../helpers/services.js';
import { proxyDatabase, type TcpProxy } from '../helpers/tcp-proxy.js';

const PRESENCE = { presenceTtlMs: 1_500, presenceRenewIntervalMs: 250 } as const;

async function closeCodeOf(device: TestDevice, timeoutMs = 5_000): Promise<number> {
    return (await device.waitForClose(timeoutMs)).code;
}

describe('outages (redis+postgres): refuse, close with 1013, recover without a restart', function () {
    this.timeout(60_000);
    let redis: RedisServer;
    let postgres: TcpProxy;
    let backend: StorageBackend;
    let mediator: TestMediator;

    before(async function () {
        const [started, database] = await Promise.all([startRedisServer(), proxyDatabase(await getDatabaseUrl())]);
        [redis, postgres] = [started, database.proxy];
        backend = await createTestRedisPostgresBackend({ redisUrl: redis.url, databaseUrl: database.url });
        mediator = await startTestMediator({ backend, config: PRESENCE });
    });

    after(async function () {
        await mediator.stop();
        await backend.close();
        await postgres.stop();
        await redis.stop();
    });

    it('Redis killed: devices closed with 1013, nothing unstored acknowledged, queues intact after it returns', async function () {
        const group = new TestGroup(mediator.url);
        const sender = await group.connect(1n);
        const offline = await group.connect(2n);
        await offline.client.close();
        for (let n = 0; n < 5; n++) await sender.client.reflect(numberedEnvelope(sender.id, n));

        await redis.kill();
        const acknowledged: number[] = [];
        const attempt = sender.client.reflect(numberedEnvelope(sender.id, 5)).then(
            (id) => void acknowledged.push(id),
            () => undefined,
        );
        expect(await closeCodeOf(sender)).to.equal(CloseCode.TRY_AGAIN_LATER);
        await attempt;
        expect(acknowledged, 'a reflection acknowledged while Redis was down').to.deep.equal([]);

        const refused = await group.refused(3n);
        expect(refused.code).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(refused.reconnect).to.equal('auto');

        await redis.restart();
        const receiver = await group.connectWhenBack(2n, 15_000, 200);
        await receiver.waitForReflected(5, 10_000);
        const back = await group.connectWhenBack(1n, 15_000, 200);
        await back.client.reflect(numberedEnvelope(back.id, 6));
        await waitUntil(() => receiver.numbers().length >= 6, 10_000, 'the reflection after the outage');
        await new Promise((resolve) => setTimeout(resolve, 100));
        // Item 5 was never acknowledged and Redis was down: it was not stored.
        expect(receiver.numbers(back.id)).to.deep.equal([0, 1, 2, 3, 4, 6]);
        await group.closeAll();
    });

    it('PostgreSQL unreachable: new devices refused with 1013, requests that need it closed with 1013, then back', async function () {
        const group = new TestGroup(mediator.url);
        const first = await group.connectWhenBack(1n, 15_000, 200);
        const second = await group.connectWhenBack(2n, 15_000, 200);

        await postgres.stop();
        const refused = await group.refused(3n);
        expect(refused.code).to.equal(CloseCode.TRY_AGAIN_LATER);

        // Reflections live in Redis and keep flowing between connected devices.
        await first.client.reflect(numberedEnvelope(first.id, 1));
        await second.waitForReflected(1);

        // Device information lives in PostgreSQL: the request cannot be answered.
        const failed = await first.client.getDevicesInfo().then(
            () => 'answered',
            (error: unknown) => error,
        );
        expect(failed).to.not.equal('answered');
        expect(await closeCodeOf(first)).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(second.client.closeError, 'the other device is unaffected').to.equal(undefined);

        await postgres.resume();
        const third = await group.connectWhenBack(3n, 15_000, 200);
        const info = await third.client.getDevicesInfo();
        expect([...info.keys()].map(String).sort()).to.deep.equal(['1', '2', '3']);
        await group.closeAll();
    });
});
