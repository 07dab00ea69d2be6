/**
 * Node incarnations: connection ids carry a random name of the node's
 * process run, so a node restarted under the same --node-id never reuses a
 * connection id that presence, kicks, locks or promotions may still name.
 * And one live process per node id: a second one waits a TTL for the
 * first's claim to run out and then refuses to start; a node whose id was
 * taken over stops serving.
 */
import { expect } from 'chai';
import { CloseCode } from '../../d2m/index.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import { connectionIdOf, newIncarnation } from '../../src/storage/types.js';
import { NodeIdInUseError } from '../../src/mediator/node-claim.js';
import { TestGroup } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { MediatorStartError, spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';
import { redisInline } from '../../scripts/lib/redis-server.js';
import { getDatabaseUrl, startRedisServer, type RedisServer } from '../helpers/services.js';

/** Short presence settings: a node id's claim lasts one presence TTL. */
const FAST = { presenceTtlMs: 900, presenceRenewIntervalMs: 300 } as const;
const FAST_ARGS = [
    '--presence-ttl-ms',
    String(FAST.presenceTtlMs),
    '--presence-renew-interval-ms',
    String(FAST.presenceRenewIntervalMs),
];

describe('node incarnation', function () {
    this.timeout(20_000);

    it('builds connection ids from node id, incarnation and counter; incarnations differ', function () {
        const incarnations = new Set(Array.from({ length: 100 }, () => newIncarnation()));
        expect(incarnations.size).to.equal(100);
        for (const incarnation of incarnations) expect(incarnation).to.match(/^[0-9a-f]{8}$/u);
        expect(connectionIdOf('node-1', 'a1b2c3d4', 35)).to.equal('node-1/a1b2c3d4.z');
    });

    it('gives different connection ids after a restart under the same --node-id', async function () {
        const backend = createMemoryBackend();
        const ids: string[] = [];
        try {
            for (let run = 0; run < 2; run++) {
                const mediator = await startTestMediator({ backend, config: { nodeId: 'same' } });
                try {
                    const group = new TestGroup(mediator.url);
                    await group.connect(1n);
                    const [stats] = mediator.server.sessionStats();
                    expect(stats?.connectionId).to.match(new RegExp(`^same/${mediator.server.incarnation}\\.1$`, 'u'));
                    ids.push(stats?.connectionId ?? '');
                    await group.closeAll();
                } finally {
                    await mediator.stop();
                }
            }
        } finally {
            await backend.close();
        }
        expect(ids[0]).to.not.equal(ids[1]);
    });

    it('refuses a second live node with the same --node-id once the first has renewed its claim for a whole TTL', async function () {
        const backend = createMemoryBackend();
        const nodes: TestMediator[] = [];
        try {
            nodes.push(await startTestMediator({ backend, config: { nodeId: 'twin', ...FAST } }));
            const [first] = nodes as [TestMediator];
            const group = new TestGroup(first.url);
            const device = await group.connect(1n);
            const started = performance.now();
            const refused = await startTestMediator({ backend, config: { nodeId: 'twin', ...FAST } }).then(
                (second) => {
                    nodes.push(second);
                    return undefined;
                },
                (error: unknown) => error,
            );
            const waitedMs = performance.now() - started;
            expect(refused).to.be.instanceOf(NodeIdInUseError);
            expect((refused as NodeIdInUseError).message).to.include('node id twin is in use');
            expect((refused as NodeIdInUseError).holder).to.equal(first.server.incarnation);
            // It waited a whole TTL for the holder's claim to run out before giving up.
            expect(waitedMs).to.be.at.least(FAST.presenceTtlMs);
            expect(device.client.closeError).to.equal(undefined);
            await group.closeAll();
        } finally {
            for (const node of nodes) await node.stop();
            await backend.close();
        }
    });

    it('stops serving (devices closed with 1013) when another process took its node id over', async function () {
        const backend = createMemoryBackend();
        const node = await startTestMediator({ backend, config: { nodeId: 'stalled', ...FAST } });
        try {
            const group = new TestGroup(node.url);
            const device = await group.connect(1n);
            // What a process started under the same id does while this one stalls past its claim.
            await backend.nodes.release('stalled', node.server.incarnation);
            expect(await backend.nodes.claim('stalled', 'intruder', 60_000)).to.deep.equal({ status: 'claimed' });
            expect((await device.waitForClose(FAST.presenceTtlMs + 2_000)).code).to.equal(CloseCode.TRY_AGAIN_LATER);
            expect(node.server.draining).to.equal(true);
            expect(node.logs.some((record) => record.msg.includes('taken over by another live process'))).to.equal(
                true,
            );
            // It leaves the intruder's claim alone.
            expect((await backend.nodes.claim('stalled', 'third', 1_000)).status).to.equal('taken');
        } finally {
            await node.stop();
            await backend.close();
        }
    });
});

describe('node id claims of mediator processes (redis+postgres)', function () {
    this.timeout(30_000);
    let redis: RedisServer;
    const processes: MediatorProcess[] = [];

    before(async function () {
        redis = await startRedisServer();
    });

    after(async function () {
        await Promise.all(processes.map((node) => node.stop(2_000)));
        await redis.stop();
    });

    it('a second live process with the same --node-id exits 1 naming the id; a restart after SIGKILL comes up; a drain gives the id up', async function () {
        const databaseUrl = await getDatabaseUrl();
        const nodeId = 'claimed-id';
        const spawn = (): Promise<MediatorProcess> =>
            spawnMediator({ redisUrl: redis.url, databaseUrl, nodeId, args: FAST_ARGS });
        const first = await spawn();
        processes.push(first);
        const refused = await spawn().then(
            (second) => {
                processes.push(second);
                return undefined;
            },
            (error: unknown) => error,
        );
        expect(refused).to.be.instanceOf(MediatorStartError);
        const { exit, stderr } = refused as MediatorStartError;
        expect(exit.code).to.equal(1);
        expect(stderr).to.include(`node id ${nodeId} is in use by another live mediator process`);

        first.kill('SIGKILL');
        await first.exited;
        const killedAt = performance.now();
        const restarted = await spawn();
        processes.push(restarted);
        // Within about one TTL: the dead process's claim runs out.
        expect(performance.now() - killedAt).to.be.below(FAST.presenceTtlMs + FAST.presenceRenewIntervalMs + 5_000);
        const group = new TestGroup(restarted.url);
        await group.connect(1n);
        await group.closeAll();

        // A drained node gives its id up, so the next process under it need not wait.
        const claimKey = `d2m:node:{${nodeId}}`;
        expect(await redisInline(redis.port, `EXISTS ${claimKey}`)).to.equal(':1\r\n');
        expect((await restarted.stop()).code).to.equal(0);
        expect(await redisInline(redis.port, `EXISTS ${claimKey}`)).to.equal(':0\r\n');
    });
});
