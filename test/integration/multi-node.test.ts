/**
 * Two `mediator serve` processes sharing one Redis and one PostgreSQL behave
 * as one mediator: reflections in order across nodes, one lock, one leader,
 * and 4112/4113 across nodes.
 */
import { expect } from 'chai';
import { CloseCode } from '../../d2m/index.js';
import { TransactionScope } from '../../d2d/index.js';
import { numberedEnvelope, TestGroup, waitUntil, withTimeout } from '../helpers/devices.js';
import { spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';
import { getDatabaseUrl, getRedisUrl } from '../helpers/services.js';

describe('several mediator nodes (redis+postgres)', function () {
    this.timeout(60_000);
    let nodes: MediatorProcess[] = [];
    const groups: TestGroup[] = [];

    before(async function () {
        const [redisUrl, databaseUrl] = await Promise.all([getRedisUrl(), getDatabaseUrl()]);
        nodes = await Promise.all([
            spawnMediator({ redisUrl, databaseUrl, nodeId: 'node-a' }),
            spawnMediator({ redisUrl, databaseUrl, nodeId: 'node-b' }),
        ]);
    });

    after(async function () {
        await Promise.all(nodes.map((node) => node.stop()));
    });

    afterEach(async function () {
        await Promise.all(groups.splice(0).map((group) => group.closeAll()));
    });

    /** The same group (one key), reached through each node's URL. */
    function groupOnBothNodes(): [TestGroup, TestGroup] {
        const onA = new TestGroup(nodes[0]!.url);
        const onB = new TestGroup(nodes[1]!.url, onA.dgk);
        groups.push(onA, onB);
        return [onA, onB];
    }

    it('delivers reflections across nodes, in order, to online and offline slots', async function () {
        const [onA, onB] = groupOnBothNodes();
        const a = await onA.connect(1n);
        const b = await onB.connect(2n);
        const c = await onB.connect(3n);
        await c.client.close();
        for (let n = 1; n <= 50; n++) await a.client.reflect(numberedEnvelope(a.id, n));
        for (let n = 101; n <= 110; n++) await b.client.reflect(numberedEnvelope(b.id, n));
        await b.waitForReflected(50);
        await a.waitForReflected(10);
        expect(b.numbers()).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(a.numbers()).to.deep.equal(Array.from({ length: 10 }, (_, i) => i + 101));
        const cAgain = await onA.connect(3n);
        await cAgain.client.waitForQueueDry();
        expect(cAgain.numbers(a.id)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(cAgain.numbers(b.id)).to.deep.equal(Array.from({ length: 10 }, (_, i) => i + 101));
    });

    it('has one transaction lock across nodes', async function () {
        const [onA, onB] = groupOnBothNodes();
        const a = await onA.connect(1n);
        const b = await onB.connect(2n);
        expect(await a.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });
        const rejected = await b.client.beginTransaction(TransactionScope.GROUP_SYNC);
        expect(rejected.status).to.equal('rejected');
        await a.client.reflect(numberedEnvelope(a.id, 1));
        await a.client.commitTransaction();
        await waitUntil(() => b.transactionsEnded.length === 1);
        await b.waitForReflected(1);
        expect(await b.client.beginTransaction(TransactionScope.GROUP_SYNC)).to.deep.equal({ status: 'acked' });
        await b.client.close();
        await waitUntil(() => a.transactionsEnded.length === 1);
    });

    it('has one leader across nodes and promotes another at once when it leaves', async function () {
        const [onA, onB] = groupOnBothNodes();
        const a = await onA.connect(1n);
        await a.client.waitForLeader();
        const b = await onB.connect(2n);
        const c = await onA.connect(3n);
        await Promise.all([b.client.waitForQueueDry(), c.client.waitForQueueDry()]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(b.promoted || c.promoted).to.equal(false);
        await a.client.close();
        await waitUntil(() => b.promoted || c.promoted, 5000, 'a new leader');
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(b.promoted && c.promoted).to.equal(false);
        // The most recently connected eligible device leads.
        expect(c.promoted).to.equal(true);
    });

    it('closes the older connection of a device on the other node with 4112', async function () {
        const [onA, onB] = groupOnBothNodes();
        const first = await onA.connect(1n);
        await onB.connect(1n);
        expect((await first.waitForClose()).code).to.equal(CloseCode.DUPLICATE_CONNECTION);
    });

    it('closes a device dropped from the other node with 4113', async function () {
        const [onA, onB] = groupOnBothNodes();
        const a = await onA.connect(1n);
        const b = await onB.connect(2n);
        await a.client.dropDevice(2n);
        expect((await withTimeout(b.client.closed, 5000, 'the drop')).code).to.equal(CloseCode.DEVICE_DROPPED);
    });
});

describe('a mediator node that dies (redis+postgres)', function () {
    this.timeout(60_000);
    const PRESENCE = ['--presence-ttl-ms', '1500', '--presence-renew-interval-ms', '300'];
    let nodes: MediatorProcess[] = [];

    afterEach(async function () {
        await Promise.all(nodes.map((node) => node.stop()));
        nodes = [];
    });

    it('loses its leader role and lock within the presence TTL; held reflections are delivered', async function () {
        const [redisUrl, databaseUrl] = await Promise.all([getRedisUrl(), getDatabaseUrl()]);
        nodes = await Promise.all([
            spawnMediator({ redisUrl, databaseUrl, nodeId: 'doomed', args: PRESENCE }),
            spawnMediator({ redisUrl, databaseUrl, nodeId: 'survivor', args: PRESENCE }),
        ]);
        const onA = new TestGroup(nodes[0]!.url);
        const onB = new TestGroup(nodes[1]!.url, onA.dgk);
        const a = await onA.connect(1n);
        await a.client.waitForLeader();
        const b = await onB.connect(2n);
        await b.client.waitForQueueDry();
        expect(await a.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({ status: 'acked' });
        await a.client.reflect(numberedEnvelope(a.id, 1));
        expect((await b.client.beginTransaction(TransactionScope.GROUP_SYNC)).status).to.equal('rejected');

        const killedAt = Date.now();
        nodes[0]!.kill('SIGKILL');
        await nodes[0]!.exited;
        await withTimeout(b.client.waitForLeader(), 10_000, 'the surviving device to lead');
        await waitUntil(() => b.transactionsEnded.length === 1, 10_000, 'TransactionEnded');
        await b.waitForReflected(1, 10_000);
        const failoverMs = Date.now() - killedAt;
        console.log(`      leader and lock failed over ${failoverMs} ms after the node was killed`);
        // Presence TTL 1.5 s plus renewal 0.3 s, and some slack for a busy machine.
        expect(failoverMs).to.be.below(6000);
        expect(b.numbers()).to.deep.equal([1]);
        expect(await b.client.beginTransaction(TransactionScope.GROUP_SYNC)).to.deep.equal({ status: 'acked' });
        await b.client.close();
    });
});
