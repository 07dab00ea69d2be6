/**
 * Fencing under the faults the chaos run injects, one at a time and on
 * purpose, with two `mediator serve` processes on one Redis (appendfsync
 * always) and PostgreSQL: a node paused (SIGSTOP) past the presence TTL, a
 * node partitioned from Redis or from PostgreSQL (a TCP proxy that
 * blackholes both directions and keeps the sockets open), a restart under
 * the same --node-id, a SIGKILL right after an in-transaction ReflectAck,
 * and idle groups at the smallest accepted presence TTL.
 *
 * What each test asserts is what a device can observe: no ReflectAck,
 * CommitTransactionAck or promotion from a node after its presence could
 * have expired, closes with 1013 (never a 41xx the fault did not earn), a
 * leader within the TTL after the old one is gone, and every acknowledged
 * reflection delivered to every other slot. Bounds derive from the
 * presence settings plus a margin for a loaded machine.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { CloseCode, type DeviceId } from '../../d2m/index.js';
import { TransactionScope } from '../../d2d/index.js';
import { groupIdFromBytes } from '../../src/storage/types.js';
import { numberedEnvelope, TestGroup, waitUntil, type TestDevice } from '../helpers/devices.js';
import { BACKEND_KINDS, startTestMediator } from '../helpers/mediator.js';
import { spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';
import { getDatabaseUrl, startRedisServer, type RedisServer } from '../helpers/services.js';
import { proxyDatabase, TcpProxy } from '../helpers/tcp-proxy.js';

const TTL_MS = 2_000;
const RENEW_MS = 500;
const STORAGE_TIMEOUT_MS = 1_000;
/** Room for a loaded, shared 2-core machine on top of every bound below. */
const SLACK_MS = 2_500;
/** A leader is promoted by the next renewal pass after the old one's presence expired. */
const LEADER_WITHIN_MS = TTL_MS + RENEW_MS + SLACK_MS;

interface Node {
    readonly process: MediatorProcess;
    readonly url: string;
    readonly nodeId: string;
    /** Between this node and Redis. */
    readonly redis: TcpProxy;
    /** Between this node and PostgreSQL. */
    readonly postgres: TcpProxy;
}

/** Acknowledged reflections, by sender, and when their ReflectAck came. */
class Acknowledged {
    readonly #acks: { readonly sender: TestDevice; readonly n: number; readonly at: number }[] = [];

    /** Reflects `n` and records the ack; resolves whether it was acknowledged. */
    public async reflect(sender: TestDevice, n: number): Promise<boolean> {
        try {
            await sender.client.reflect(numberedEnvelope(sender.id, n));
        } catch {
            return false;
        }
        this.record(sender, n);
        return true;
    }

    public record(sender: TestDevice, n: number): void {
        this.#acks.push({ sender, n, at: Date.now() });
    }

    /** The acks `senders` received after `since` (an ack in the same millisecond came before it). */
    public since(since: number, senders: readonly TestDevice[]): number[] {
        return this.#acks.filter((ack) => ack.at > since && senders.includes(ack.sender)).map((ack) => ack.n);
    }

    /** Numbers acknowledged to the sender with this device id. */
    public of(sender: DeviceId): number[] {
        return this.#acks.filter((ack) => ack.sender.id === sender).map((ack) => ack.n);
    }

    public senders(): DeviceId[] {
        return [...new Set(this.#acks.map((ack) => ack.sender.id))];
    }
}

/** Waits until each receiver has every acknowledged reflection of every other sender (0 lost). */
async function expectNoneLost(acked: Acknowledged, receivers: readonly TestDevice[], timeoutMs: number): Promise<void> {
    for (const receiver of receivers) {
        for (const sender of acked.senders()) {
            if (sender === receiver.id) continue;
            const expected = acked.of(sender);
            await waitUntil(
                () => expected.every((n) => receiver.numbers(sender).includes(n)),
                timeoutMs,
                `device ${receiver.id} to have the acknowledged reflections ${expected.join(',')} of ${sender} ` +
                    `(has ${receiver.numbers(sender).join(',')})`,
            );
        }
    }
}

/** Records when a device was promoted to leader. */
function promotions(device: TestDevice): number[] {
    const times: number[] = [];
    device.client.on('promotedToLeader', () => void times.push(Date.now()));
    return times;
}

function settled<T>(promise: Promise<T>): Promise<T | 'refused'> {
    return promise.then(
        (value) => value,
        () => 'refused' as const,
    );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('fencing: pauses, partitions, same-id restarts and kills after an in-transaction ack (redis+postgres)', function () {
    this.timeout(40_000);
    let redis: RedisServer;
    let databaseUrl: string;
    /** The node that keeps running in every test (each test faults a node of its own). */
    let running: Node;
    const nodes: Node[] = [];
    const groups: TestGroup[] = [];

    before(async function () {
        [redis, databaseUrl] = await Promise.all([startRedisServer(), getDatabaseUrl()]);
        running = await startNode('running');
        nodes.splice(nodes.indexOf(running), 1);
    });

    after(async function () {
        await stopNode(running);
        await redis.stop();
    });

    afterEach(async function () {
        await Promise.all(groups.splice(0).map((group) => group.closeAll().catch(() => undefined)));
        await Promise.all(nodes.splice(0).map((node) => stopNode(node)));
    });

    async function stopNode(node: Node): Promise<void> {
        node.process.kill('SIGCONT');
        await node.redis.resume();
        await node.postgres.resume();
        await node.process.stop(2_000);
        await Promise.all([node.redis.stop(), node.postgres.stop()]);
    }

    /** A node reaching Redis and PostgreSQL through proxies of its own (each can be partitioned alone). */
    async function startNode(
        name: string,
        options: { readonly nodeId?: string; readonly args?: readonly string[] } = {},
    ): Promise<Node> {
        const redisProxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
        const postgres = await proxyDatabase(databaseUrl);
        const nodeId = options.nodeId ?? `${name}-${randomBytes(3).toString('hex')}`;
        const process = await spawnMediator({
            redisUrl: `redis://127.0.0.1:${redisProxy.port}`,
            databaseUrl: postgres.url,
            nodeId,
            // prettier-ignore
            args: options.args ?? [
                '--presence-ttl-ms', String(TTL_MS),
                '--presence-renew-interval-ms', String(RENEW_MS),
                '--storage-timeout-ms', String(STORAGE_TIMEOUT_MS),
            ],
        });
        const node: Node = { process, url: process.url, nodeId, redis: redisProxy, postgres: postgres.proxy };
        nodes.push(node);
        return node;
    }

    function groupOn(node: Node, other?: TestGroup): TestGroup {
        const group = new TestGroup(node.url, other?.dgk);
        groups.push(group);
        return group;
    }

    it('a: a node paused past the TTL right after login acks nothing stale once resumed; a leader in time, nothing lost', async function () {
        const [a, b] = [await startNode('paused'), running];
        const onA = groupOn(a);
        const onB = groupOn(b, onA);
        const d1 = await onA.connect(1n);
        const d1Promoted = promotions(d1);
        await d1.client.waitForLeader();
        const d2 = await onA.connect(2n);
        const d2Promoted = promotions(d2);
        const d3 = await onB.connect(3n);
        const d4 = await onB.connect(4n);
        await Promise.all([d2, d3, d4].map((device) => device.client.waitForQueueDry()));
        const acked = new Acknowledged();
        expect(await d1.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });
        expect(await acked.reflect(d1, 1)).to.equal(true);

        // Paused right after the group logged in: its first renewal on that node has not happened yet.
        a.process.kill('SIGSTOP');
        const pausedAt = Date.now();
        const stale = Promise.all([
            acked.reflect(d1, 2),
            settled(d1.client.commitTransaction().then(() => 'acked' as const)),
            acked.reflect(d2, 1),
        ]);

        // The running node takes over: a leader, and the paused holder's lock ended with its held reflection out.
        await waitUntil(() => d3.promoted || d4.promoted, LEADER_WITHIN_MS, 'a leader on the running node');
        const leaderAfterMs = Date.now() - pausedAt;
        await waitUntil(() => d3.transactionsEnded.length >= 1, LEADER_WITHIN_MS, 'the stale lock to end');
        expect(d3.numbers(d1.id)).to.deep.equal([1]);
        expect(await d3.client.beginTransaction(TransactionScope.GROUP_SYNC)).to.deep.equal({ status: 'acked' });

        const afterResume: string[] = [];
        for (const device of [d1, d2]) {
            device.client.on('reflected', () => void afterResume.push(`${device.id}: Reflected`));
            device.client.on('transactionEnded', () => void afterResume.push(`${device.id}: TransactionEnded`));
            device.client.on('promotedToLeader', () => void afterResume.push(`${device.id}: promoted`));
            device.client.on('queueDry', () => void afterResume.push(`${device.id}: ReflectionQueueDry`));
        }
        a.process.kill('SIGCONT');
        const resumedAt = Date.now();
        const closes = await Promise.all([d1.waitForClose(SLACK_MS), d2.waitForClose(SLACK_MS)]);
        const closedAfterMs = Date.now() - resumedAt;
        expect(closes.map((close) => close.code)).to.deep.equal([CloseCode.TRY_AGAIN_LATER, CloseCode.TRY_AGAIN_LATER]);
        // Nothing sent to the stalled node was acknowledged: no ReflectAck, no CommitTransactionAck while d3 holds the lock.
        expect(await stale).to.deep.equal([false, 'refused', false]);
        expect(acked.since(pausedAt, [d1, d2])).to.deep.equal([]);
        expect(d1Promoted.every((at) => at < pausedAt)).to.equal(true);
        expect(d2Promoted).to.deep.equal([]);
        // The resumed node's first act for its stale sessions is their close: nothing else reaches them.
        expect(afterResume, 'sent to a stale session after the resume').to.deep.equal([]);
        await d3.client.commitTransaction();

        // 0 acknowledged reflections lost, the stalled devices' own slots included.
        expect(await acked.reflect(d3, 1)).to.equal(true);
        const d2Again = await onB.connectWhenBack(2n);
        const d1Again = await onB.connectWhenBack(1n);
        await expectNoneLost(acked, [d1Again, d2Again, d3, d4], 10_000);
        console.log(
            `      leader after ${leaderAfterMs} ms of pause, stale devices closed ${closedAfterMs} ms after resume`,
        );
    });

    it('b: a node partitioned from Redis closes its devices with 1013 in time; after the heal no stale ack or write', async function () {
        const [a, b] = [await startNode('cut'), running];
        const onA = groupOn(a);
        const onB = groupOn(b, onA);
        const d1 = await onA.connect(1n);
        await d1.client.waitForLeader();
        const d2 = await onA.connect(2n);
        const d3 = await onB.connect(3n);
        const d4 = await onB.connect(4n);
        await Promise.all([d2, d3, d4].map((device) => device.client.waitForQueueDry()));
        const acked = new Acknowledged();
        expect(await d1.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });
        expect(await acked.reflect(d1, 1)).to.equal(true);

        a.redis.blackhole();
        const cutAt = Date.now();
        const stale = Promise.all([
            acked.reflect(d1, 2),
            settled(d1.client.commitTransaction().then(() => 'acked' as const)),
            acked.reflect(d2, 1),
        ]);
        const closes = await Promise.all([d1.waitForClose(TTL_MS + SLACK_MS), d2.waitForClose(TTL_MS + SLACK_MS)]);
        const closedAfterMs = Date.now() - cutAt;
        expect(closes.map((close) => close.code)).to.deep.equal([CloseCode.TRY_AGAIN_LATER, CloseCode.TRY_AGAIN_LATER]);
        expect(await stale).to.deep.equal([false, 'refused', false]);

        await waitUntil(() => d3.promoted || d4.promoted, LEADER_WITHIN_MS, 'a leader on the reachable node');
        const leaderAfterMs = Date.now() - cutAt;
        await waitUntil(() => d3.transactionsEnded.length >= 1, LEADER_WITHIN_MS, 'the cut-off lock to end');
        expect(await d3.client.beginTransaction(TransactionScope.GROUP_SYNC)).to.deep.equal({ status: 'acked' });
        // d2 carries on through the other node: its next reflection is acknowledged there.
        const d2Again = await onB.connectWhenBack(2n);
        expect(await acked.reflect(d2Again, 2)).to.equal(true);

        // The partition heals: the bytes the cut-off node wrote meanwhile reach Redis now.
        await a.redis.forward();
        await sleep(2 * RENEW_MS + STORAGE_TIMEOUT_MS);
        await d3.client.commitTransaction();
        await expectNoneLost(acked, [d2Again, d3, d4], 10_000);
        // Not acknowledged, and delivered late they must not store anything (fenced by the sender's presence).
        for (const receiver of [d3, d4]) {
            expect(receiver.numbers(d2.id), `d2's reflections at ${receiver.id}`).to.deep.equal([2]);
            expect(receiver.numbers(d1.id), `d1's reflections at ${receiver.id}`).to.deep.equal([1]);
        }
        expect(acked.since(cutAt, [d1, d2])).to.deep.equal([]);
        console.log(`      cut-off devices closed after ${closedAfterMs} ms, a leader after ${leaderAfterMs} ms`);
    });

    it('c: PostgreSQL cut off from a node: a leader in time, logins refused with 1013, unrelated groups kept', async function () {
        const [a, b] = [await startNode('no-pg'), running];
        const onA = groupOn(a);
        const onB = groupOn(b, onA);
        const leaving = await onA.connect(1n);
        await leaving.client.waitForLeader();
        const d2 = await onB.connect(2n);
        await d2.client.waitForQueueDry();
        const unrelated = groupOn(a);
        const e1 = await unrelated.connect(1n);
        const e2 = await unrelated.connect(2n);
        await e2.client.waitForQueueDry();

        a.postgres.blackhole();
        const cutAt = Date.now();
        // The leader leaves while its node cannot reach PostgreSQL: the election must not wait for it.
        await leaving.client.close();
        await waitUntil(() => d2.promoted, TTL_MS, 'a leader while PostgreSQL is cut off');
        const leaderAfterMs = Date.now() - cutAt;

        const loginAt = Date.now();
        const refused = await onA.refused(3n);
        const refusedAfterMs = Date.now() - loginAt;
        expect(refused.code, refused.reason).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(refusedAfterMs).to.be.below(STORAGE_TIMEOUT_MS + SLACK_MS);

        // Reflections need only Redis; the unrelated group stays connected past several renewals and the TTL.
        const acked = new Acknowledged();
        expect(await acked.reflect(e1, 1)).to.equal(true);
        await e2.waitForReflected(1);
        await sleep(Math.max(0, TTL_MS + 2 * RENEW_MS - (Date.now() - cutAt)));
        expect(e1.client.closeError).to.equal(undefined);
        expect(e2.client.closeError).to.equal(undefined);
        expect(d2.client.closeError).to.equal(undefined);

        await a.postgres.resume();
        const back = await onA.connectWhenBack(3n);
        await back.client.waitForQueueDry();
        console.log(`      leader after ${leaderAfterMs} ms, login refused after ${refusedAfterMs} ms`);
    });

    it('d: a restart under the same --node-id: no wrong 41xx, a leader in time, BeginTransaction works', async function () {
        const nodeId = `same-${randomBytes(3).toString('hex')}`;
        const [a, b] = [await startNode('same', { nodeId }), running];
        const onA = groupOn(a);
        const onB = groupOn(b, onA);
        const d1 = await onA.connect(1n);
        await d1.client.waitForLeader();
        const d2 = await onA.connect(2n);
        const d3 = await onB.connect(3n);
        await Promise.all([d2, d3].map((device) => device.client.waitForQueueDry()));
        expect(await d1.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });

        a.process.kill('SIGKILL');
        await a.process.exited;
        const killedAt = Date.now();
        // When a device of the group first leads after the kill (d3 on the running node, or a device back on the restarted one).
        const candidates = [d3];
        let leaderAt: number | undefined;
        const watchLeader = setInterval(() => {
            if (leaderAt === undefined && candidates.some((device) => device.promoted)) leaderAt = Date.now();
        }, 5);
        try {
            const again = await startNode('same', { nodeId });
            const restartMs = Date.now() - killedAt;
            const onAgain = groupOn(again, onA);
            const closes = await Promise.all([d1.waitForClose(), d2.waitForClose()]);
            for (const close of closes) expect(close.code).to.be.below(4100);
            // Reconnect in the other order, so that a reused connection id would hit the wrong device.
            const d2Again = await onAgain.connectWhenBack(2n);
            candidates.push(d2Again);
            const d1Again = await onAgain.connectWhenBack(1n);
            candidates.push(d1Again);
            await waitUntil(() => leaderAt !== undefined, LEADER_WITHIN_MS, 'a leader after the kill');
            const leaderAfterMs = (leaderAt ?? Number.POSITIVE_INFINITY) - killedAt;
            expect(leaderAfterMs, 'a leader within the TTL after the old one is gone').to.be.below(LEADER_WITHIN_MS);
            expect(await d1Again.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({
                status: 'acked',
            });
            await d1Again.client.commitTransaction();
            await sleep(RENEW_MS);
            for (const device of [d1Again, d2Again, d3]) expect(device.client.closeError).to.equal(undefined);
            console.log(`      restarted in ${restartMs} ms, a leader ${leaderAfterMs} ms after the kill`);
        } finally {
            clearInterval(watchLeader);
        }
    });

    it('e: a node killed right after an in-transaction ReflectAck: the held reflections reach every other slot', async function () {
        const [a, b] = [await startNode('killed'), running];
        const onA = groupOn(a);
        const onB = groupOn(b, onA);
        const d1 = await onA.connect(1n);
        const d2 = await onB.connect(2n);
        const offline = await onB.connect(3n);
        await offline.client.close();
        await d2.client.waitForQueueDry();
        const acked = new Acknowledged();
        expect(await d1.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });
        expect(await acked.reflect(d1, 1)).to.equal(true);
        // SIGKILL in the very callback of the second ack, before CommitTransaction could be sent.
        await d1.client.reflect(numberedEnvelope(d1.id, 2)).then(() => {
            a.process.kill('SIGKILL');
            acked.record(d1, 2);
        });
        const killedAt = Date.now();
        expect(acked.of(d1.id)).to.deep.equal([1, 2]);

        await waitUntil(() => d2.numbers(d1.id).length >= 2, LEADER_WITHIN_MS, 'the held reflections');
        const deliveredAfterMs = Date.now() - killedAt;
        expect(d2.numbers(d1.id)).to.deep.equal([1, 2]);
        await waitUntil(() => d2.transactionsEnded.length === 1, 2_000, 'TransactionEnded');
        const offlineAgain = await onB.connect(3n);
        await offlineAgain.client.waitForQueueDry();
        expect(offlineAgain.numbers(d1.id)).to.deep.equal([1, 2]);
        console.log(`      held reflections delivered ${deliveredAfterMs} ms after the kill`);
    });

    it('f: at the smallest accepted presence TTL (3 renewals), idle devices stay connected', async function () {
        const renewMs = 300;
        // prettier-ignore
        const args = ['--presence-ttl-ms', String(3 * renewMs), '--presence-renew-interval-ms', String(renewMs)];
        const node = await startNode('idle', { args });
        const group = groupOn(node);
        const devices = [await group.connect(1n), await group.connect(2n), await group.connect(3n)];
        await Promise.all(devices.map((device) => device.client.waitForQueueDry()));
        await sleep(12 * renewMs);
        for (const device of devices) expect(device.client.closeError, `device ${device.id}`).to.equal(undefined);
        const acked = new Acknowledged();
        expect(await acked.reflect(devices[0]!, 1)).to.equal(true);
        await expectNoneLost(acked, devices, 5_000);
    });
});

for (const kind of BACKEND_KINDS) {
    describe(`${kind}: a transaction lock ended elsewhere reaches its holder`, function () {
        this.timeout(20_000);

        it('closes the holder with 1013 "transaction lock lost"; its acknowledged reflections are delivered', async function () {
            const mediator = await startTestMediator({ kind });
            try {
                const group = new TestGroup(mediator.url);
                const holder = await group.connect(1n);
                const other = await group.connect(2n);
                await other.client.waitForQueueDry();
                expect(await holder.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({
                    status: 'acked',
                });
                await holder.client.reflect(numberedEnvelope(holder.id, 1));
                const groupId = groupIdFromBytes(group.keys.deviceGroupId);
                const { queue, coordinator } = mediator.backend;
                const lock = await coordinator.getLockRecord(groupId);
                if (lock === undefined) expect.fail('expected the holder’s lock');
                // What another node does to a lock whose holder it counts as gone: held items out, then the end.
                await queue.releaseHeld(groupId, lock.token, { maxCount: 1_000, maxBytes: 1_000_000 });
                expect(await coordinator.endTransaction(groupId, lock.connectionId, lock.token)).to.not.equal(
                    undefined,
                );

                const closed = await holder.waitForClose(5_000);
                expect(closed.code).to.equal(CloseCode.TRY_AGAIN_LATER);
                expect(closed.reason).to.equal('transaction lock lost');
                expect(holder.transactionsEnded, 'the holder is closed, not told TransactionEnded').to.deep.equal([]);
                await waitUntil(() => other.transactionsEnded.length === 1, 5_000, 'TransactionEnded');
                await other.waitForReflected(1);
                expect(other.numbers(holder.id)).to.deep.equal([1]);
                expect(other.client.closeError).to.equal(undefined);
                await group.closeAll();
            } finally {
                await mediator.stop();
            }
        });
    });
}
