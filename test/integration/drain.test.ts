/**
 * Graceful drain (redis+postgres, two `mediator serve` processes): under
 * reflect load across both nodes, SIGTERM one node. It exits 0; its devices
 * are closed with 1001, spread over the drain window; the leader role of
 * each group moves to a device on the other node; and every acknowledged
 * reflection reaches every other slot (the closed devices reconnect to the
 * surviving node to collect theirs).
 */
import { expect } from 'chai';
import { CloseCode, type DeviceId } from '../../d2m/index.js';
import { envelopeNumber, numberedEnvelope, TestGroup, waitUntil, type TestDevice } from '../helpers/devices.js';
import { startTestMediator } from '../helpers/mediator.js';
import { spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';
import { getDatabaseUrl, getRedisUrl } from '../helpers/services.js';

const GROUPS = 2;
const DEVICES_PER_NODE = 2;
const DRAIN_WINDOW_MS = 1500;
const ACKS_BEFORE_SIGTERM = 200;
const REFLECTIONS_AFTER_DRAIN = 10;

interface Member {
    readonly group: number;
    readonly id: DeviceId;
    /** Numbers this device reflected and got a ReflectAck for. */
    readonly acked: number[];
    /** (sender, number) of every reflection this device received, over all its connections. */
    readonly received: Set<string>;
    device: TestDevice;
}

describe('graceful drain (in process)', function () {
    it('fails readiness and refuses connections at once, then closes devices one by one, the leader last', async function () {
        const mediator = await startTestMediator({ kind: 'embedded' });
        const group = new TestGroup(mediator.url);
        const leader = await group.connect(1n);
        await leader.client.waitForLeader();
        const others = [await group.connect(2n), await group.connect(3n)];
        await Promise.all(others.map((device) => device.client.waitForQueueDry()));
        const closedAt = new Map<TestDevice, number>();
        const closes = [leader, ...others].map((device) =>
            device.client.closed.then((error) => {
                closedAt.set(device, Date.now());
                return error.code;
            }),
        );
        expect(mediator.server.draining).to.equal(false);
        const drained = mediator.server.drain(900);
        expect(mediator.server.draining).to.equal(true);
        let refused: unknown;
        try {
            await group.connect(4n, { handshakeTimeoutMs: 2000 });
        } catch (error) {
            refused = error;
        }
        expect(refused, 'a connection during the drain').to.be.instanceOf(Error);
        await drained;
        expect(await Promise.all(closes)).to.deep.equal([1001, 1001, 1001]);
        const times = [...closedAt.values()];
        // Due at 0, 300 and 600 ms; the spread seen by the clients may be shorter by scheduling delays.
        expect(Math.max(...times) - Math.min(...times)).to.be.at.least(300);
        expect(closedAt.get(leader)).to.equal(Math.max(...times));
        expect(mediator.server.sessionCount).to.equal(0);
        await mediator.stop();
    });
});

describe('graceful drain (SIGTERM, redis+postgres, two nodes)', function () {
    this.timeout(60_000);
    let nodeA: MediatorProcess | undefined;
    let nodeB: MediatorProcess | undefined;

    after(async function () {
        await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    });

    it('closes its devices with 1001 over the window, moves the leader, exits 0 and loses nothing acknowledged', async function () {
        const [redisUrl, databaseUrl] = await Promise.all([getRedisUrl(), getDatabaseUrl()]);
        [nodeA, nodeB] = await Promise.all([
            spawnMediator({
                redisUrl,
                databaseUrl,
                nodeId: 'drain-a',
                args: ['--drain-window-ms', String(DRAIN_WINDOW_MS)],
            }),
            spawnMediator({ redisUrl, databaseUrl, nodeId: 'drain-b', args: ['--drain-window-ms', '200'] }),
        ]);
        const a = nodeA;
        const b = nodeB;

        const members: Member[] = [];
        const track = (member: Member, device: TestDevice): void => {
            member.device = device;
            device.client.on('reflected', (event) => {
                if (event.envelope !== undefined)
                    member.received.add(`${event.envelope.deviceId}:${envelopeNumber(event)}`);
            });
        };
        const join = async (group: number, on: TestGroup, id: bigint): Promise<Member> => {
            const device = await on.connect(id);
            const member: Member = { group, id: device.id, acked: [], received: new Set(), device };
            track(member, device);
            members.push(member);
            return member;
        };

        // Each group: its first devices on node A (the first of them becomes leader), then devices on node B.
        const groupsOnB: TestGroup[] = [];
        const onA: Member[] = [];
        const onB: Member[] = [];
        for (let g = 0; g < GROUPS; g++) {
            const groupA = new TestGroup(a.url);
            const groupB = new TestGroup(b.url, groupA.dgk);
            groupsOnB.push(groupB);
            for (let d = 1; d <= DEVICES_PER_NODE; d++) onA.push(await join(g, groupA, BigInt(d)));
            await onA.at(-DEVICES_PER_NODE)!.device.client.waitForLeader();
            for (let d = 1; d <= DEVICES_PER_NODE; d++) onB.push(await join(g, groupB, BigInt(100 + d)));
        }
        await Promise.all(members.map((member) => member.device.client.waitForQueueDry()));
        const leadersOnB = (): number => onB.filter((member) => member.device.promoted).length;
        expect(leadersOnB()).to.equal(0);

        // Reflect load on every device until its connection closes (node A) or the load stops (node B).
        let loadRunning = true;
        let totalAcked = 0;
        const reflectLoop = async (member: Member, from: number, until: () => boolean): Promise<void> => {
            for (let n = from; until(); n++) {
                try {
                    await member.device.client.reflect(numberedEnvelope(member.id, n));
                } catch {
                    return;
                }
                member.acked.push(n);
                totalAcked++;
            }
        };
        const loops = members.map((member) => reflectLoop(member, 1, () => loadRunning));
        await waitUntil(() => totalAcked >= ACKS_BEFORE_SIGTERM, 20_000, 'reflections before SIGTERM');

        // SIGTERM node A: its devices are closed with 1001, one by one over the window.
        const closeTimes: number[] = [];
        const closes = onA.map((member) =>
            member.device.client.closed.then((error) => {
                closeTimes.push(Date.now());
                return error.code;
            }),
        );
        a.kill('SIGTERM');
        const exit = await a.exited;
        expect(exit).to.deep.equal({ code: 0, signal: null });
        expect(await Promise.all(closes)).to.deep.equal(onA.map(() => CloseCode.GOING_AWAY));
        const spreadMs = Math.max(...closeTimes) - Math.min(...closeTimes);
        // n devices are due at i * window / n: the last one (n-1)/n of the window after the first (all at
        // once would be a few ms); the clients may see the closes shifted by scheduling delays.
        expect(spreadMs).to.be.at.least((DRAIN_WINDOW_MS * (onA.length - 1)) / onA.length / 2);
        expect(a.stderr()).to.include('"msg":"drained"');
        expect(a.stderr()).not.to.include('"level":"error"');

        // The leader role of every group moved to a device on node B.
        await waitUntil(() => leadersOnB() === GROUPS, 10_000, 'a leader on node B in every group');
        for (let g = 0; g < GROUPS; g++) {
            expect(onB.filter((member) => member.group === g && member.device.promoted)).to.have.length(1);
        }

        // Node B keeps serving; then the load stops and node A's devices reconnect to node B.
        const ackedAfterDrain = totalAcked;
        await waitUntil(() => totalAcked >= ackedAfterDrain + REFLECTIONS_AFTER_DRAIN, 10_000, 'reflections on node B');
        loadRunning = false;
        await Promise.all(loops);
        for (const member of onA) {
            const device = await groupsOnB[member.group]!.connect(member.id);
            track(member, device);
        }
        await Promise.all(onA.map((member) => member.device.client.waitForQueueDry()));

        // Every acknowledged reflection reached every other device of its group.
        for (const receiver of members) {
            for (const sender of members) {
                if (sender.group !== receiver.group || sender.id === receiver.id) continue;
                await waitUntil(
                    () => sender.acked.every((n) => receiver.received.has(`${sender.id}:${n}`)),
                    10_000,
                    `device ${receiver.id} of group ${receiver.group} to have every acknowledged reflection of ${sender.id}`,
                );
            }
        }
        const ackedOnA = onA.reduce((sum, member) => sum + member.acked.length, 0);
        expect(ackedOnA).to.be.greaterThan(0);
        console.log(
            `      ${totalAcked} reflections acknowledged (${ackedOnA} by node A's devices); ` +
                `node A's ${onA.length} devices closed over ${spreadMs} ms`,
        );
        await Promise.all(groupsOnB.map((group) => group.closeAll()));
    });
});
