/**
 * No cross-slot operation: every command the Redis storage sends for a
 * device group, scripts included, touches keys (and a sharded channel) of
 * the group's one cluster slot. Runs every queue and coordinator operation
 * on a real Redis Cluster through a commander that records each command,
 * then checks the keys of each one with the slot function, which is itself
 * checked against CLUSTER KEYSLOT. The contract suites run on the cluster
 * too (redis-postgres-backend.test.ts), where Redis would answer CROSSSLOT.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { RedisArgument } from 'redis';
import { StorageError } from '../../../src/errors.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import type { QueueLimits } from '../../../src/storage/reflection-queue.js';
import { commandKeys, commonSlot, keySlot } from '../../../src/storage/redis/key-slot.js';
import { RedisKeys } from '../../../src/storage/redis/keys.js';
import type { RedisCommander } from '../../../src/storage/redis/redis-client.js';
import {
    closeRedisCluster,
    clusterBusConnection,
    clusterCommander,
    connectRedisCluster,
    masterCommanders,
    parseSeedUrls,
    type RedisClusterClient,
} from '../../../src/storage/redis/redis-cluster.js';
import { RedisGroupCoordinator } from '../../../src/storage/redis/redis-group-coordinator.js';
import { RedisLoginStore } from '../../../src/storage/redis/redis-login-store.js';
import { RedisReflectionQueue } from '../../../src/storage/redis/redis-reflection-queue.js';
import { RedisNodeRegistry } from '../../../src/storage/redis/redis-node-registry.js';
import { LuaScripts, SCRIPT_NAMES, type ScriptName } from '../../../src/storage/redis/scripts.js';
import type { GroupId } from '../../../src/storage/types.js';
import { bytes, deviceId, randomGroupId } from '../../contract/support.js';
import { getRedisClusterUrl, redisCli, uniqueKeyPrefix } from '../../helpers/services.js';

const LIMITS: QueueLimits = { maxCount: 100, maxBytes: 100_000 };
const [A, B, C] = [deviceId(1), deviceId(2), deviceId(3)];

interface Recorded {
    readonly args: readonly RedisArgument[];
    /** The group whose operation sent it. */
    readonly group: GroupId | undefined;
}

describe('redis cluster slots', function () {
    this.timeout(30_000);
    let seeds: string[];
    let port: number;

    before(async function () {
        seeds = parseSeedUrls(await getRedisClusterUrl());
        port = Number(new URL(seeds[0] ?? '').port);
    });

    it('computes the slot of a key as CLUSTER KEYSLOT does (hash tags included)', async function () {
        const keys = [
            'plain',
            'd2m:q:{abc}',
            'x{}y',
            '{}{abc}',
            'a{b',
            'a}b{c}',
            '{user1000}.following',
            `t${randomBytes(4).toString('hex')}:lock:{${randomBytes(32).toString('hex')}}`,
            ...Array.from({ length: 20 }, () => randomBytes(12).toString('base64')),
        ];
        for (const key of keys) {
            const expected = Number((await redisCli(port, ['CLUSTER', 'KEYSLOT', key])).trim());
            expect(keySlot(key), key).to.equal(expected);
        }
    });

    it('puts every key and the channel of a group into the slot of its hash tag', function () {
        const keys = new RedisKeys(uniqueKeyPrefix());
        for (let round = 0; round < 50; round++) {
            const group = randomGroupId();
            const { presence, lock, leader, counters } = keys.coordinator(group);
            const all = [...keys.allQueueKeys(group), presence, lock, leader, counters, keys.channel(group)];
            expect(commonSlot(all)).to.equal(keySlot(`{${group}}`));
        }
    });

    describe('every operation of the queue and the coordinator', function () {
        let cluster: RedisClusterClient;
        let queue: RedisReflectionQueue;
        let coordinator: RedisGroupCoordinator;
        let logins: RedisLoginStore;
        let keys: RedisKeys;
        let scripts: LuaScripts;
        const recorded: Recorded[] = [];
        let current: GroupId | undefined;

        before(async function () {
            cluster = await connectRedisCluster({ urls: seeds });
            const bus = clusterBusConnection(await connectRedisCluster({ urls: seeds, minimizeConnections: true }));
            const routed = clusterCommander(cluster);
            const recording: RedisCommander = {
                sendCommand(args) {
                    recorded.push({ args: [...args], group: current });
                    return routed.sendCommand(args);
                },
            };
            scripts = await LuaScripts.load(await masterCommanders(cluster));
            keys = new RedisKeys(uniqueKeyPrefix());
            // As the backend builds it for a cluster.
            queue = new RedisReflectionQueue({
                client: recording,
                scripts,
                keys,
                appendsInCallOrder: false,
                appendBatchesInFlight: 1,
            });
            coordinator = new RedisGroupCoordinator({ client: recording, bus, scripts, keys, gatherCalls: false });
            logins = new RedisLoginStore({ client: recording, scripts, keys, gatherCalls: false });
        });

        after(async function () {
            await coordinator.close();
            await closeRedisCluster(cluster);
        });

        /** Runs every operation on one group, recording what it sends. */
        async function exercise(group: GroupId): Promise<void> {
            current = group;
            const now = Date.now();
            const events: GroupEvent[] = [];
            const unsubscribe = await coordinator.subscribe(group, (event) => events.push(event));
            for (const device of [A, B, C]) await queue.addSlot(group, device);
            await queue.listSlots(group);
            const common = { groupId: group, senderDeviceId: A, flags: 0, timestamp: now, limits: LIMITS };
            await queue.append({ ...common, envelope: bytes(1, 2, 3) });
            const lock = await coordinator.beginTransaction(group, {
                deviceId: A,
                connectionId: 'c-a',
                encryptedScope: bytes(9),
                ttlMs: 10_000,
                now,
            });
            expect(lock.status).to.equal('acquired');
            const token = lock.status === 'acquired' ? lock.lock.token : '';
            await queue.append({ ...common, envelope: bytes(4), hold: token });
            await queue.staleHeldTokens(group, now);
            await coordinator.getTransaction(group, now);
            await coordinator.getLockRecord(group);
            await coordinator.endTransaction(group, 'c-a', token);
            await queue.releaseHeld(group, token, LIMITS);
            const items = await queue.read(group, B, 0, 10, 100_000);
            expect(items).to.have.length(2);
            await queue.ack(group, B, items[0]?.seq ?? 0);
            await queue.stats(group, B);
            await queue.payloadCount(group);
            await coordinator.register(group, {
                deviceId: B,
                connectionId: 'c-b',
                nodeId: 'n1',
                connectedSince: now,
                expiresAt: now + 60_000,
            });
            await coordinator.updatePresence(group, B, 'c-b', { eligible: true, proxyActive: true });
            await coordinator.listPresence(group, now);
            await coordinator.electLeader(group, now);
            await logins.registerLogin({
                groupId: group,
                presence: {
                    deviceId: C,
                    connectionId: 'c-c',
                    nodeId: 'n1',
                    connectedSince: now,
                    expiresAt: now + 60_000,
                },
                newSlot: true,
                now,
            });
            await coordinator.becomeEligible(group, C, 'c-c', now);
            await coordinator.leave(group, C, 'c-c', now);
            await coordinator.getLeader(group);
            await coordinator.renewPresence(group, 'n1', ['c-b'], now + 60_000, now);
            await coordinator.publish(group, { type: 'appended', deviceIds: [C] });
            await coordinator.unregister(group, B, 'c-b');
            await queue.removeSlot(group, C);
            await unsubscribe();
            await queue.deleteGroup(group);
            current = undefined;
            expect(events.map((event) => event.type)).to.include.members(['appended', 'transaction-ended', 'promoted']);
        }

        it('sends only commands whose keys, and channels, lie in the slot of their group', async function () {
            const groups = Array.from({ length: 6 }, () => randomGroupId());
            for (const group of groups) await exercise(group);

            const byScript = new Map(scripts.all().map((script) => [script.sha, script.name] as const));
            const scriptsRun = new Set<ScriptName>();
            const channelPrefix = keys.channel(groups[0]!).replace(/\{.*\}$/u, '');
            const slots = new Set<number>();
            for (const { args, group } of recorded) {
                const what = args.map(String).slice(0, 4).join(' ');
                expect(group, what).not.to.equal(undefined);
                const groupSlot = keySlot(`{${group}}`);
                const keysOf = commandKeys(args);
                expect(keysOf, what).not.to.equal(undefined);
                expect(keysOf?.length, what).to.be.greaterThan(0);
                expect(commonSlot(keysOf ?? []), what).to.equal(groupSlot);
                // Channels passed to scripts (SPUBLISH inside) are in the same slot.
                for (const arg of args.slice(3)) {
                    if (typeof arg === 'string' && arg.startsWith(channelPrefix)) {
                        expect(keySlot(arg), what).to.equal(groupSlot);
                    }
                }
                const name = String(args[0]).toUpperCase();
                if (name === 'EVALSHA') scriptsRun.add(byScript.get(String(args[1])) ?? expect.fail('unknown sha'));
                slots.add(groupSlot);
            }
            // The node registry's scripts touch one key per node id, not a group's (tested below);
            // The -multi scripts take several groups' keys and are never used on a cluster.
            expect([...scriptsRun].sort()).to.deep.equal(
                SCRIPT_NAMES.filter((name) => !name.startsWith('node-') && !name.endsWith('-multi')).sort(),
            );
            expect(slots.size).to.equal(groups.length);
        });

        it('claims and releases a node id on the cluster (one key, in the node id’s slot)', async function () {
            const registry = new RedisNodeRegistry({ client: clusterCommander(cluster), scripts, keys });
            const nodeId = `n-${randomBytes(4).toString('hex')}`;
            expect(keySlot(keys.node(nodeId))).to.equal(keySlot(`{${nodeId}}`));
            expect(await registry.claim(nodeId, 'first', 60_000)).to.deep.equal({ status: 'claimed' });
            expect(await registry.claim(nodeId, 'second', 60_000)).to.deep.include({
                status: 'taken',
                incarnation: 'first',
            });
            await registry.release(nodeId, 'second');
            expect((await registry.claim(nodeId, 'second', 60_000)).status).to.equal('taken');
            await registry.release(nodeId, 'first');
            expect(await registry.claim(nodeId, 'second', 60_000)).to.deep.equal({ status: 'claimed' });
            await registry.release(nodeId, 'second');
        });
    });

    describe('the cluster commander', function () {
        let cluster: RedisClusterClient;

        before(async function () {
            cluster = await connectRedisCluster({ urls: seeds });
        });

        after(async function () {
            await closeRedisCluster(cluster);
        });

        it('refuses a multi-key command across groups before sending it, which Redis would answer CROSSSLOT', async function () {
            const keys = new RedisKeys(uniqueKeyPrefix());
            const first = randomGroupId();
            let second = randomGroupId();
            while (keySlot(keys.queue(first).queue) === keySlot(keys.queue(second).queue)) second = randomGroupId();
            const del = ['DEL', keys.queue(first).queue, keys.queue(second).queue];

            const refused = await clusterCommander(cluster)
                .sendCommand(del)
                .then(
                    () => expect.fail('expected a refusal'),
                    (error: unknown) => error,
                );
            expect(refused).to.be.instanceOf(StorageError);
            expect((refused as StorageError).retryable).to.equal(false);

            const node = await cluster.getNodeClientForKey(keys.queue(first).queue);
            const answer = await node.sendCommand(del).then(String, (error: unknown) => String(error));
            expect(answer).to.match(/CROSSSLOT/u);
        });

        it('refuses commands it cannot route by their keys', async function () {
            const refused = await clusterCommander(cluster)
                .sendCommand(['KEYS', '*'])
                .then(
                    () => expect.fail('expected a refusal'),
                    (error: unknown) => error,
                );
            expect(refused).to.be.instanceOf(StorageError);
        });
    });
});
