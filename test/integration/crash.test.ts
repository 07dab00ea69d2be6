/**
 * Crash durability: a mediator on Redis (appendfsync always) and PostgreSQL
 * is killed with SIGKILL while devices of two groups reflect; a new process
 * takes over. Every reflection whose ReflectAck a device received must reach
 * every other slot of its group, in order, with no gap; an item may arrive
 * twice only across the crash (sent before it, not yet acknowledged).
 */
import { expect } from 'chai';
import type { DeviceId } from '../../d2m/index.js';
import { envelopeNumber, numberedEnvelope, TestGroup, waitUntil, type TestDevice } from '../helpers/devices.js';
import { spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';
import { getDatabaseUrl, startRedisServer, type RedisServer } from '../helpers/services.js';

const DEVICES_PER_GROUP = 3;
const GROUPS = 2;
const ACKS_BEFORE_KILL = 300;
const REFLECTIONS_AFTER_RESTART = 20;

interface Received {
    readonly phase: number;
    readonly sender: DeviceId;
    readonly number: number;
}

describe('crash durability (SIGKILL of the mediator, Redis appendfsync always)', function () {
    this.timeout(90_000);
    let redis: RedisServer;
    let node: MediatorProcess | undefined;

    before(async function () {
        redis = await startRedisServer();
    });

    after(async function () {
        await node?.stop();
        await redis.stop();
    });

    it('delivers every acknowledged reflection to every other slot, in order, with no gap', async function () {
        const databaseUrl = await getDatabaseUrl();
        node = await spawnMediator({ redisUrl: redis.url, databaseUrl });
        const first = node;

        const groups = Array.from({ length: GROUPS }, () => new TestGroup(first.url));
        // Device ids repeat across groups: key everything by group and device.
        const key = (device: TestDevice): string => `${device.client.deviceGroupId[0]}:${device.id}`;
        const acked = new Map<string, number[]>();
        const received = new Map<string, Received[]>();
        let totalAcked = 0;

        const attach = (device: TestDevice, phase: number): void => {
            const list = received.get(key(device)) ?? [];
            received.set(key(device), list);
            device.client.on('reflected', (event) => {
                if (event.envelope === undefined) return;
                list.push({ phase, sender: event.envelope.deviceId, number: envelopeNumber(event) });
            });
        };

        const reflectUntilClosed = async (device: TestDevice, start: number, count: number): Promise<void> => {
            const list = acked.get(key(device)) ?? [];
            acked.set(key(device), list);
            for (let n = start; n < start + count; n++) {
                try {
                    await device.client.reflect(numberedEnvelope(device.id, n));
                } catch {
                    return;
                }
                list.push(n);
                totalAcked++;
            }
        };

        // Phase 1: everyone reflects until the mediator is killed.
        const phase1: TestDevice[][] = [];
        for (const group of groups) {
            const devices: TestDevice[] = [];
            for (let d = 1; d <= DEVICES_PER_GROUP; d++) devices.push(await group.connect(BigInt(d)));
            phase1.push(devices);
        }
        for (const device of phase1.flat()) attach(device, 1);
        const loops = phase1.flat().map((device) => reflectUntilClosed(device, 1, 1_000_000));
        await waitUntil(() => totalAcked >= ACKS_BEFORE_KILL, 30_000, 'reflections before the kill');
        first.kill('SIGKILL');
        await first.exited;
        await Promise.all(loops);
        await Promise.all(phase1.flat().map((device) => device.waitForClose(10_000)));

        // Phase 2: a new process on the same Redis and PostgreSQL; devices reconnect.
        node = await spawnMediator({ redisUrl: redis.url, databaseUrl });
        const second = node;
        const phase2: TestDevice[][] = [];
        for (const group of groups) {
            const again = new TestGroup(second.url, group.dgk);
            const devices: TestDevice[] = [];
            for (let d = 1; d <= DEVICES_PER_GROUP; d++) {
                const device = await again.connect(BigInt(d));
                attach(device, 2);
                devices.push(device);
            }
            phase2.push(devices);
        }
        await Promise.all(phase2.flat().map((device) => device.client.waitForQueueDry()));
        await Promise.all(
            phase2.flat().map((device) => reflectUntilClosed(device, 1_000_000, REFLECTIONS_AFTER_RESTART)),
        );

        // Every device has every acknowledged number of every other device of its group.
        for (const devices of phase2) {
            for (const receiver of devices) {
                for (const sender of devices) {
                    if (sender.id === receiver.id) continue;
                    const expected = acked.get(key(sender)) ?? [];
                    const got = (): Set<number> =>
                        new Set(
                            (received.get(key(receiver)) ?? [])
                                .filter((entry) => entry.sender === sender.id)
                                .map((entry) => entry.number),
                        );
                    await waitUntil(
                        () => expected.every((n) => got().has(n)),
                        20_000,
                        `device ${receiver.id} to have every acknowledged reflection of ${sender.id}`,
                    );
                }
            }
        }

        let redelivered = 0;
        for (const devices of phase2) {
            for (const receiver of devices) {
                const entries = received.get(key(receiver)) ?? [];
                for (const sender of devices) {
                    if (sender.id === receiver.id) continue;
                    const fromSender = entries.filter((entry) => entry.sender === sender.id);
                    // Within one connection: strictly increasing (in order, no repeats).
                    for (const phase of [1, 2]) {
                        const numbers = fromSender.filter((entry) => entry.phase === phase).map((e) => e.number);
                        for (let i = 1; i < numbers.length; i++) {
                            expect(numbers[i], `order ${receiver.id}←${sender.id} phase ${phase}`).to.be.above(
                                numbers[i - 1]!,
                            );
                        }
                    }
                    // Across the crash: phase 2 starts where phase 1 left off or earlier (redelivery), never later.
                    const before = fromSender.filter((e) => e.phase === 1).map((e) => e.number);
                    const afterCrash = fromSender.filter((e) => e.phase === 2).map((e) => e.number);
                    const lastBefore = before.at(-1) ?? 0;
                    const firstAfter = afterCrash[0];
                    if (firstAfter !== undefined && firstAfter < 1_000_000) {
                        expect(firstAfter, `gap ${receiver.id}←${sender.id}`).to.be.at.most(lastBefore + 1);
                    }
                    redelivered += afterCrash.filter((n) => n <= lastBefore).length;
                    // No gap: the union of numbers below the restart range is 1..max.
                    const all = new Set(fromSender.map((e) => e.number).filter((n) => n < 1_000_000));
                    const max = Math.max(0, ...all);
                    for (let n = 1; n <= max; n++)
                        expect(all.has(n), `missing ${n} ${receiver.id}←${sender.id}`).to.equal(true);
                }
            }
        }
        const totalBefore = [...acked.values()].reduce(
            (sum, list) => sum + list.filter((n) => n < 1_000_000).length,
            0,
        );
        expect(totalBefore).to.be.at.least(ACKS_BEFORE_KILL);
        // Report what the run did (redeliveries are allowed, only of items unacknowledged at the crash).
        console.log(
            `      ${totalBefore} reflections acknowledged before the kill, ${redelivered} redelivered after it`,
        );
        await Promise.all(phase2.flat().map((device) => device.client.close()));
    });
});
