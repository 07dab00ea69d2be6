/**
 * Readiness (/readyz) and liveness (/livez) of a node against real
 * services: a dedicated redis-server that the test stops and restarts, and
 * PostgreSQL reached through a TCP proxy the test controls (stopped, or
 * made to swallow traffic), so the shared PostgreSQL server is never
 * touched. Readiness fails within its timeout and recovers on its own.
 */
import { expect } from 'chai';
import type { AdminServer } from '../../src/admin/server.js';
import type { MediatorServer } from '../../src/mediator-server.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import {
    createTestRedisPostgresBackend,
    getDatabaseUrl,
    startRedisServer,
    type RedisServer,
} from '../helpers/services.js';
import { proxyDatabase, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startAdminNode } from '../helpers/admin-node.js';

const READINESS_TIMEOUT_MS = 300;

interface ReadyAnswer {
    readonly status: number;
    readonly body: {
        readonly status: string;
        readonly draining: boolean;
        readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly error?: string }[];
    };
    readonly ms: number;
}

async function readyz(admin: AdminServer): Promise<ReadyAnswer> {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${admin.port}/readyz`);
    const body = (await response.json()) as ReadyAnswer['body'];
    return { status: response.status, body, ms: performance.now() - started };
}

/** Polls /readyz until it answers `status`; resolves the answer. */
async function readyzBecomes(admin: AdminServer, status: number, timeoutMs = 10_000): Promise<ReadyAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const answer = await readyz(admin);
        if (answer.status === status) return answer;
        if (Date.now() > deadline) throw new Error(`/readyz stayed ${answer.status}: ${JSON.stringify(answer.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function check(answer: ReadyAnswer, name: string): { readonly ok: boolean; readonly error?: string } {
    const found = answer.body.checks.find((entry) => entry.name === name);
    expect(found, `check ${name}`).to.not.equal(undefined);
    return found!;
}

async function startNode(
    backend: StorageBackend,
    draining: () => boolean,
): Promise<{ server: MediatorServer; admin: AdminServer }> {
    return startAdminNode(backend, { isDraining: draining, readinessTimeoutMs: READINESS_TIMEOUT_MS });
}

describe('readiness (redis+postgres)', function () {
    this.timeout(30_000);
    let redis: RedisServer;
    let postgres: TcpProxy;
    let backend: StorageBackend;
    let server: MediatorServer;
    let admin: AdminServer;
    let draining = false;

    before(async function () {
        const [started, database] = await Promise.all([startRedisServer(), proxyDatabase(await getDatabaseUrl())]);
        [redis, postgres] = [started, database.proxy];
        backend = await createTestRedisPostgresBackend({ redisUrl: redis.url, databaseUrl: database.url });
        ({ server, admin } = await startNode(backend, () => draining));
    });

    after(async function () {
        await admin.close();
        await server.stop();
        await postgres.stop();
        await backend.close();
        await redis.stop();
    });

    it('is ready when Redis and PostgreSQL answer; liveness never looks at them', async function () {
        const answer = await readyz(admin);
        expect(answer.status).to.equal(200);
        expect(answer.body.status).to.equal('ready');
        expect(answer.body.checks.map((entry) => [entry.name, entry.ok])).to.deep.equal([
            ['redis', true],
            ['postgres', true],
        ]);
        expect((await fetch(`http://127.0.0.1:${admin.port}/livez`)).status).to.equal(200);
    });

    it('fails while Redis is stopped and recovers when it is back', async function () {
        await redis.stop();
        const down = await readyzBecomes(admin, 503);
        expect(down.body.status).to.equal('not-ready');
        expect(check(down, 'redis').ok).to.equal(false);
        expect(check(down, 'postgres').ok).to.equal(true);
        expect(down.ms).to.be.below(READINESS_TIMEOUT_MS + 500);
        expect((await fetch(`http://127.0.0.1:${admin.port}/livez`)).status).to.equal(200);
        await redis.restart();
        const up = await readyzBecomes(admin, 200);
        expect(check(up, 'redis').ok).to.equal(true);
    });

    it('fails while PostgreSQL is unreachable and recovers when it is back', async function () {
        await postgres.stop();
        const down = await readyzBecomes(admin, 503);
        expect(check(down, 'postgres').ok).to.equal(false);
        expect(check(down, 'redis').ok).to.equal(true);
        await postgres.resume();
        await readyzBecomes(admin, 200);
    });

    it('fails within its timeout when PostgreSQL accepts but does not answer', async function () {
        postgres.swallow();
        try {
            // Cutting the pooled connections fails the first probes at once; new connections then hang.
            const deadline = Date.now() + 10_000;
            let down = await readyz(admin);
            while (check(down, 'postgres').error !== `no answer within ${READINESS_TIMEOUT_MS} ms`) {
                if (Date.now() > deadline) throw new Error(`no timeout seen: ${JSON.stringify(down.body)}`);
                await new Promise((resolve) => setTimeout(resolve, 50));
                down = await readyz(admin);
            }
            expect(down.status).to.equal(503);
            expect(down.ms).to.be.below(READINESS_TIMEOUT_MS + 500);
            // A probe still hanging is joined, not repeated: the next answers take no longer.
            const again = await readyz(admin);
            expect(again.status).to.equal(503);
            expect(again.ms).to.be.below(READINESS_TIMEOUT_MS + 500);
        } finally {
            await postgres.stop();
            await postgres.resume();
        }
        await readyzBecomes(admin, 200);
    });

    it('fails while the node drains', async function () {
        draining = true;
        try {
            const answer = await readyz(admin);
            expect(answer.status).to.equal(503);
            expect(answer.body).to.include({ status: 'draining', draining: true });
        } finally {
            draining = false;
        }
        expect((await readyz(admin)).status).to.equal(200);
    });
});

describe('readiness (embedded)', function () {
    it('is always ready unless draining', async function () {
        const backend = createMemoryBackend();
        let draining = false;
        const { server, admin } = await startNode(backend, () => draining);
        try {
            const answer = await readyz(admin);
            expect(answer.status).to.equal(200);
            expect(answer.body.checks).to.deep.equal([{ name: 'embedded', ok: true, latencyMs: 0 }]);
            draining = true;
            expect((await readyz(admin)).status).to.equal(503);
        } finally {
            await admin.close();
            await server.stop();
            await backend.close();
        }
    });
});
