/**
 * One real-Redis test per Lua script, asserting domain behaviour and what
 * the script leaves in Redis (payload reference counts, hash tags, expiry),
 * plus the script loader (arity check, NOSCRIPT fallback, status mapping).
 */
import { expect } from 'chai';
import { CloseCode, type DeviceId } from '../../../d2m/index.js';
import { LockLostError, PresenceLostError, StorageError } from '../../../src/errors.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import type { QueueLimits, ReflectionQueue } from '../../../src/storage/reflection-queue.js';
import type { RedisPostgresBackend } from '../../../src/storage/redis-postgres-backend.js';
import { decodeGroupEvent, encodeGroupEvent } from '../../../src/storage/redis/bus-codec.js';
import { RedisKeys } from '../../../src/storage/redis/keys.js';
import {
    bufferCommander,
    closeRedis,
    connectRedis,
    type RedisClient,
    type RedisCommander,
} from '../../../src/storage/redis/redis-client.js';
import { GatheredScript } from '../../../src/storage/redis/gathered-script.js';
import { RedisLoginStore } from '../../../src/storage/redis/redis-login-store.js';
import { ACK_DEFER_MAX_MS, RedisReflectionQueue } from '../../../src/storage/redis/redis-reflection-queue.js';
import { LuaScripts, SCRIPT_NAMES } from '../../../src/storage/redis/scripts.js';
import { ScriptStatus } from '../../../src/storage/redis/status-codes.js';
import type { GroupId } from '../../../src/storage/types.js';
import { bytes, deviceId, hex, randomGroupId } from '../../contract/support.js';

/** Presence registered by these tests stays alive well beyond the run. */
const ALIVE_UNTIL = Date.now() + 3_600_000;
import {
    createTestRedisPostgresBackend,
    getRedisUrl,
    startRedisServer,
    uniqueKeyPrefix,
} from '../../helpers/services.js';

const S = deviceId(1);
const X = deviceId(2);
const Y = deviceId(3);
const LIMITS: QueueLimits = { maxCount: 100, maxBytes: 10_000 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
        () => expect.fail('expected a rejection'),
        (error: unknown) => error,
    );
}

describe('redis Lua scripts', function () {
    let backend: RedisPostgresBackend;
    let raw: RedisClient;
    let redis: RedisCommander;
    let keys: RedisKeys;
    let group: GroupId;
    const events: GroupEvent[] = [];
    let unsubscribe: (() => Promise<void>) | undefined;

    before(async function () {
        raw = await connectRedis({ url: await getRedisUrl() });
        redis = bufferCommander(raw);
    });

    after(async function () {
        await closeRedis(raw);
    });

    beforeEach(async function () {
        const keyPrefix = uniqueKeyPrefix();
        backend = await createTestRedisPostgresBackend({ keyPrefix });
        keys = new RedisKeys(keyPrefix);
        group = randomGroupId();
        events.length = 0;
        unsubscribe = await backend.coordinator.subscribe(group, (event) => events.push(event));
    });

    afterEach(async function () {
        await unsubscribe?.();
        await backend.queue.deleteGroup(group);
        await backend.close();
    });

    /** Waits until every event published so far has arrived (publishes and awaits a marker). */
    async function settle(): Promise<GroupEvent[]> {
        const marker = bytes(0xfe, 0xed, events.length);
        await backend.coordinator.publish(group, {
            type: 'ephemeral',
            senderDeviceId: deviceId(0),
            flags: 0,
            timestamp: 0,
            envelope: marker,
        });
        const deadline = Date.now() + 5_000;
        while (!events.some((event) => event.type === 'ephemeral' && hex(event.envelope) === hex(marker))) {
            if (Date.now() > deadline) expect.fail('marker did not arrive');
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return events.filter((event) => event.type !== 'ephemeral');
    }

    /** A command connection that records the name of each command it sends. */
    function recordingCommands(): { sent: string[]; recording: RedisCommander } {
        const sent: string[] = [];
        const recording: RedisCommander = {
            sendCommand(args) {
                sent.push(String(args[0]));
                return redis.sendCommand(args);
            },
        };
        return { sent, recording };
    }

    /** A queue on a recording connection, with slots X and Y in `group` and X in a second group. */
    async function twoGroupQueue(): Promise<{ sent: string[]; queue: RedisReflectionQueue; other: GroupId }> {
        const scripts = await LuaScripts.load(redis);
        const { sent, recording } = recordingCommands();
        const queue = new RedisReflectionQueue({ client: recording, scripts, keys });
        const other = randomGroupId();
        for (const [g, device] of [
            [group, X],
            [group, Y],
            [other, X],
        ] as const) {
            await queue.addSlot(g, device);
        }
        return { sent, queue, other };
    }

    async function command(...args: string[]): Promise<unknown> {
        return redis.sendCommand(args);
    }

    /** Payloads stored for the group (three hash fields each). */
    async function payloadCount(): Promise<number> {
        return backend.queue.payloadCount(group);
    }

    /** Appends at 1000 to `group` on the backend's queue, unless `extra` names another group or queue. */
    async function append(
        sender: DeviceId,
        envelope: Uint8Array,
        extra: {
            hold?: string;
            limits?: QueueLimits;
            connectionId?: string;
            queue?: ReflectionQueue;
            groupId?: GroupId;
        } = {},
    ) {
        return (extra.queue ?? backend.queue).append({
            groupId: extra.groupId ?? group,
            senderDeviceId: sender,
            flags: 0,
            envelope,
            timestamp: 1_000,
            limits: extra.limits ?? LIMITS,
            hold: extra.hold,
            senderConnectionId: extra.connectionId,
        });
    }

    /** Takes the group's lock for `connectionId`, granted at 0 (the appends here are at 1000). */
    async function takeLock(device: DeviceId, connectionId: string, ttlMs = 59_000): Promise<string> {
        const result = await backend.coordinator.beginTransaction(group, {
            deviceId: device,
            connectionId,
            encryptedScope: bytes(),
            ttlMs,
            now: 0,
        });
        return result.status === 'acquired' ? result.lock.token : expect.fail(`lock: ${result.status}`);
    }

    describe('queue scripts', function () {
        it('slot-add: idempotent re-add keeps the queue and the seq counter', async function () {
            await backend.queue.addSlot(group, X);
            await append(S, bytes(1));
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, X);
            expect(await command('SCARD', keys.queue(group).slots)).to.equal(1);
            await append(S, bytes(2));
            const items = await backend.queue.read(group, X, 0, 10, 1_000);
            expect(items.map((item) => [item.seq, hex(item.envelope)])).to.deep.equal([
                [1, '01'],
                [2, '02'],
            ]);
        });

        it('slot-remove: deletes queue, counters and payload references; the seq restarts', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            await append(S, bytes(1));
            await append(S, bytes(2));
            await backend.queue.removeSlot(group, X);
            // Y still references both payloads.
            expect(await payloadCount()).to.equal(2);
            await backend.queue.removeSlot(group, Y);
            expect(await payloadCount()).to.equal(0);
            // The group's last member is gone: nothing of its queues is left in Redis.
            expect(await command('EXISTS', ...keys.allQueueKeys(group))).to.equal(0);
            await backend.queue.addSlot(group, X);
            await append(S, bytes(3));
            expect((await backend.queue.read(group, X, 0, 10, 1_000)).map((item) => item.seq)).to.deep.equal([1]);
        });

        it('reflect-append: fans out in order, stores the payload once, trims at the limit, publishes appended', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            const limits = { maxCount: 2, maxBytes: 1_000 };
            expect(await append(S, bytes(1, 1), { limits })).to.deep.equal({ recipients: [X, Y], overflowed: [] });
            expect(await payloadCount()).to.equal(1);
            await append(X, bytes(2), { limits });
            // X has 1 item, Y has 2: Y is at its limit and is removed instead of receiving the third.
            expect(await append(S, bytes(3), { limits })).to.deep.equal({ recipients: [X], overflowed: [Y] });
            expect((await backend.queue.read(group, X, 0, 10, 1_000)).map((item) => hex(item.envelope))).to.deep.equal([
                '0101',
                '03',
            ]);
            expect(await backend.queue.listSlots(group)).to.deep.equal([X]);
            // Y's references are gone: only the payloads X holds are left.
            expect(await payloadCount()).to.equal(2);
            // Each event carries the item as stored (binary on the bus).
            const item = (...values: number[]) => ({ flags: 0, timestamp: 1_000, envelope: bytes(...values) });
            expect(await settle()).to.deep.equal([
                { type: 'appended', deviceIds: [X, Y], seqs: [1, 1], items: [item(1, 1)] },
                { type: 'appended', deviceIds: [Y], seqs: [2], items: [item(2)] },
                { type: 'appended', deviceIds: [X], seqs: [2], items: [item(3)] },
            ]);
        });

        it('reflect-release: moves held items in order once, converting the held reference', async function () {
            await backend.queue.addSlot(group, X);
            const first = await takeLock(S, 'c-s');
            await append(S, bytes(1), { hold: first });
            await append(S, bytes(3), { hold: first });
            await backend.coordinator.endTransaction(group, 'c-s', first);
            const second = await takeLock(Y, 'c-y');
            await append(Y, bytes(2), { hold: second });
            expect(await payloadCount()).to.equal(3);
            expect(await command('LLEN', keys.queue(group).held)).to.equal(3);
            expect(await backend.queue.releaseHeld(group, first, LIMITS)).to.deep.equal({
                released: 2,
                overflowed: [],
            });
            expect(await backend.queue.releaseHeld(group, first, LIMITS)).to.deep.equal({
                released: 0,
                overflowed: [],
            });
            expect(await command('LLEN', keys.queue(group).held)).to.equal(1);
            const items = await backend.queue.read(group, X, 0, 10, 1_000);
            expect(items.map((item) => hex(item.envelope))).to.deep.equal(['01', '03']);
            for (const item of items) await backend.queue.ack(group, X, item.seq);
            // Only the payload still held for the second lock remains.
            expect(await payloadCount()).to.equal(1);
            expect(await settle()).to.deep.equal([
                { type: 'transaction-ended', deviceId: S, connectionId: 'c-s', encryptedScope: bytes(), token: first },
                { type: 'appended', deviceIds: [X], seqs: [2] },
            ]);
        });

        it('reflect-append: holds only under the current unexpired lock token, else stores nothing (LOCK_LOST)', async function () {
            await backend.queue.addSlot(group, X);
            const error = await rejection(append(S, bytes(1), { hold: '1' }));
            expect(error).to.be.instanceOf(LockLostError);
            const token = await takeLock(S, 'c-s', 500);
            // The lock (granted at 0, TTL 500) has expired at the append's timestamp (1000).
            expect(await rejection(append(S, bytes(2), { hold: token }))).to.be.instanceOf(LockLostError);
            expect(await command('EXISTS', keys.queue(group).held)).to.equal(0);
            expect(await payloadCount()).to.equal(0);
        });

        it('reflect-append: stores only for the sender’s current unexpired presence, else nothing (PRESENCE_LOST)', async function () {
            await backend.queue.addSlot(group, X);
            const presence = keys.coordinator(group).presence;
            expect(await rejection(append(S, bytes(1), { connectionId: 'c-s' }))).to.be.instanceOf(PresenceLostError);
            await command('HSET', presence, String(S), JSON.stringify({ c: 'c-s', n: 'n', s: '0', x: '1000' }));
            // Expired at the append's timestamp (1000).
            expect(await rejection(append(S, bytes(2), { connectionId: 'c-s' }))).to.be.instanceOf(PresenceLostError);
            await command('HSET', presence, String(S), JSON.stringify({ c: 'c-other', n: 'n', s: '0', x: '9000' }));
            expect(await rejection(append(S, bytes(3), { connectionId: 'c-s' }))).to.be.instanceOf(PresenceLostError);
            await command('HSET', presence, String(S), 'not json');
            expect(await rejection(append(S, bytes(4), { connectionId: 'c-s' }))).to.be.instanceOf(PresenceLostError);
            expect(await payloadCount()).to.equal(0);
            expect(await settle()).to.deep.equal([]);
            await command('HSET', presence, String(S), JSON.stringify({ c: 'c-s', n: 'n', s: '0', x: '1001' }));
            expect(await append(S, bytes(5), { connectionId: 'c-s' })).to.deep.equal({
                recipients: [X],
                overflowed: [],
            });
        });

        it('reflect-append-multi: batches of several groups started in one turn share one call, each with its own outcome', async function () {
            const { sent, queue, other } = await twoGroupQueue();
            try {
                sent.length = 0;
                const request = (g: GroupId, sender: DeviceId, envelope: Uint8Array, connectionId?: string) =>
                    append(sender, envelope, { queue, groupId: g, connectionId });
                // Started in one synchronous step: three sender connections, two groups; the one with a
                // connection id has no presence, so the fence refuses its batch alone. S's second append
                // in `group` waits for S's batch in flight (one at a time) and follows in a call of its own.
                const results = await Promise.allSettled([
                    request(group, S, bytes(1)),
                    request(other, S, bytes(2)),
                    request(group, Y, bytes(3), 'c-y'),
                    request(group, S, bytes(4)),
                ]);
                expect(sent).to.deep.equal(['EVALSHA', 'EVALSHA']);
                expect(results.map((result) => result.status)).to.deep.equal([
                    'fulfilled',
                    'fulfilled',
                    'rejected',
                    'fulfilled',
                ]);
                expect((results[2] as PromiseRejectedResult).reason).to.be.instanceOf(PresenceLostError);
                expect((results[0] as PromiseFulfilledResult<unknown>).value).to.deep.equal({
                    recipients: [X, Y],
                    overflowed: [],
                });
                const envelopes = async (g: GroupId, device: DeviceId) =>
                    (await queue.read(g, device, 0, 10, 10_000)).map((item) => hex(item.envelope));
                expect(await envelopes(group, X)).to.deep.equal(['01', '04']);
                expect(await envelopes(group, Y)).to.deep.equal(['01', '04']);
                expect(await envelopes(other, X)).to.deep.equal(['02']);
            } finally {
                await queue.deleteGroup(other);
            }
        });

        it('reflect-append: replies with the items stored, the slots and where each overflowed, whatever the item count', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            const scripts = LuaScripts.read();
            const { lock, presence } = keys.coordinator(group);
            const q = keys.queue(group);
            const appendKeys = [q.slots, q.queue, q.counters, q.payloads, q.held, lock, presence];
            const args = (maxCount: string, items: string, envelopes: string) => [
                keys.channel(group),
                String(S),
                maxCount,
                '10000',
                '0',
                '',
                '',
                items,
                envelopes,
            ];
            // Three items, every slot takes them all: the reply names each slot once.
            const all = await scripts.run(
                redis,
                'reflect-append',
                appendKeys,
                args('100', '0:1000:1,1:1001:2,0:1002:1', 'abcd'),
            );
            const text = (values: readonly unknown[]) => [
                values[0],
                (values[1] as Buffer[]).map((id) => id.toString()),
                values[2],
            ];
            expect(all.status).to.equal(ScriptStatus.OK);
            expect(text(all.values)).to.deep.equal([3, [String(X), String(Y)], [0, 0]]);
            // Y drained; X holds 3 and may hold 4: of two more items, X overflows on the second.
            await backend.queue.ackMany(group, [{ deviceId: Y, seqs: [1, 2, 3] }]);
            const some = await scripts.run(redis, 'reflect-append', appendKeys, args('4', '0:1003:1,0:1004:1', 'ef'));
            expect(text(some.values)).to.deep.equal([2, [String(X), String(Y)], [2, 0]]);
            expect(await backend.queue.listSlots(group)).to.deep.equal([Y]);
            // Stored for every slot as the item-by-item replies said.
            expect((await backend.queue.read(group, Y, 0, 10, 10_000)).map((item) => hex(item.envelope))).to.deep.equal(
                [hex(bytes(0x65)), hex(bytes(0x66))],
            );
        });

        it('reflect-append-multi: a malformed section fails the whole call before anything is stored', async function () {
            await backend.queue.addSlot(group, X);
            const scripts = LuaScripts.read();
            const { lock, presence } = keys.coordinator(group);
            const q = keys.queue(group);
            const sectionKeys = [q.slots, q.queue, q.counters, q.payloads, q.held, lock, presence];
            const section = (item: string) => [keys.channel(group), String(S), '100', '10000', '0', '', '', item, 'ab'];
            const error = await rejection(
                scripts.run(
                    redis,
                    'reflect-append-multi',
                    [...sectionKeys, ...sectionKeys],
                    [...section('0:1000:2'), ...section('0:1000:x')],
                ),
            );
            expect(error).to.be.instanceOf(StorageError);
            expect((error as StorageError).retryable).to.equal(false);
            expect(await payloadCount()).to.equal(0);
            // Whole sections only.
            const arity = await rejection(
                scripts.run(redis, 'reflect-append-multi', sectionKeys, [...section('0:1000:2'), '1']),
            );
            expect(arity).to.be.instanceOf(StorageError);
            expect(await payloadCount()).to.equal(0);
        });

        it('login-register-multi: logins of several groups in one turn share one call, each with its own outcome', async function () {
            const scripts = await LuaScripts.load(redis);
            const { sent, recording } = recordingCommands();
            const logins = new RedisLoginStore({ client: recording, scripts, keys });
            const other = randomGroupId();
            const broken = randomGroupId();
            try {
                // A held list that cannot be parsed makes login-register refuse that login (CORRUPT_STATE).
                await command('RPUSH', keys.queue(broken).held, 'not an entry');
                const login = (g: GroupId, device: DeviceId, connectionId: string) =>
                    logins.registerLogin({
                        groupId: g,
                        presence: {
                            deviceId: device,
                            connectionId,
                            nodeId: 'n1',
                            connectedSince: 1_000,
                            expiresAt: ALIVE_UNTIL,
                        },
                        newSlot: true,
                        now: 1_000,
                    });
                sent.length = 0;
                const results = await Promise.allSettled([
                    login(group, X, 'c-x'),
                    login(broken, X, 'c-bx'),
                    login(other, Y, 'c-y'),
                    login(group, Y, 'c-gy'),
                ]);
                expect(sent).to.deep.equal(['EVALSHA']);
                expect(results.map((result) => result.status)).to.deep.equal([
                    'fulfilled',
                    'rejected',
                    'fulfilled',
                    'fulfilled',
                ]);
                expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(StorageError);
                for (const index of [0, 2, 3]) {
                    expect((results[index] as PromiseFulfilledResult<unknown>).value).to.deep.equal({
                        replaced: undefined,
                        lock: undefined,
                        staleHeldTokens: [],
                        stats: { count: 0, bytes: 0, oldestTimestamp: undefined },
                    });
                }
                expect(await backend.queue.listSlots(group)).to.deep.equal([X, Y].sort((a, b) => (a < b ? -1 : 1)));
                expect(await backend.queue.listSlots(other)).to.deep.equal([Y]);
                // The refused login changed nothing.
                expect(await backend.queue.listSlots(broken)).to.deep.equal([]);
                expect(await command('HLEN', keys.coordinator(broken).presence)).to.equal(0);
                const connections = (await backend.coordinator.listPresence(group, 1_000)).map((p) => p.connectionId);
                expect(connections.sort()).to.deep.equal(['c-gy', 'c-x']);
            } finally {
                await backend.queue.deleteGroup(other);
                await command('DEL', keys.queue(broken).held);
            }
        });

        it('presence-eligible-multi: connections of several groups become eligible in one call, each group electing its leader', async function () {
            const scripts = await LuaScripts.load(redis);
            const { sent, recording } = recordingCommands();
            const eligible = new GatheredScript({
                client: recording,
                scripts,
                single: 'presence-eligible',
                multi: 'presence-eligible-multi',
            });
            const other = randomGroupId();
            const register = (g: GroupId, device: DeviceId, connectionId: string) =>
                backend.coordinator.register(g, {
                    deviceId: device,
                    connectionId,
                    nodeId: 'n1',
                    connectedSince: 1_000,
                    expiresAt: ALIVE_UNTIL,
                });
            try {
                await register(group, X, 'c-x');
                await register(other, Y, 'c-y');
                const become = (g: GroupId, device: DeviceId, connectionId: string) => {
                    const k = keys.coordinator(g);
                    return eligible.run(
                        [k.presence, k.leader, k.counters],
                        [keys.channel(g), String(device), connectionId, '2000'],
                    );
                };
                sent.length = 0;
                const replies = await Promise.all([
                    become(group, X, 'c-x'),
                    become(other, Y, 'c-y'),
                    // Not the device's presence: nothing is set, the election still runs (and keeps X).
                    become(group, Y, 'c-nobody'),
                ]);
                expect(sent).to.deep.equal(['EVALSHA']);
                expect(replies.map((reply) => [reply.status, ...reply.values.slice(0, 2).map(String)])).to.deep.equal([
                    [ScriptStatus.OK, String(X), 'c-x'],
                    [ScriptStatus.OK, String(Y), 'c-y'],
                    [ScriptStatus.OK, String(X), 'c-x'],
                ]);
                expect((await backend.coordinator.getLeader(other))?.connectionId).to.equal('c-y');
                // Alone, a call goes out as the plain script.
                sent.length = 0;
                const alone = await become(group, X, 'c-x');
                expect(alone.status).to.equal(ScriptStatus.OK);
                expect(sent).to.deep.equal(['EVALSHA']);
                const malformed = await rejection(
                    scripts.run(
                        redis,
                        'presence-eligible-multi',
                        [
                            keys.coordinator(group).presence,
                            keys.coordinator(group).leader,
                            keys.coordinator(group).counters,
                        ],
                        [keys.channel(group), String(X), 'c-x', 'soon'],
                    ),
                );
                expect(malformed).to.be.instanceOf(StorageError);
            } finally {
                await backend.coordinator.unregister(other, Y, 'c-y');
                await command('DEL', keys.coordinator(other).leader, keys.coordinator(other).counters);
            }
        });

        it('held-stale: names the held tokens that are not the current unexpired lock', async function () {
            await backend.queue.addSlot(group, X);
            expect(await backend.queue.staleHeldTokens(group, 1_000)).to.deep.equal([]);
            const first = await takeLock(S, 'c-s');
            await append(S, bytes(1), { hold: first });
            await append(S, bytes(2), { hold: first });
            expect(await backend.queue.staleHeldTokens(group, 1_000)).to.deep.equal([]);
            // Past the lock's expiry the token is stale even though the lock key is still there.
            expect(await backend.queue.staleHeldTokens(group, 60_000)).to.deep.equal([first]);
            await command('DEL', keys.coordinator(group).lock);
            expect(await backend.queue.staleHeldTokens(group, 1_000)).to.deep.equal([first]);
            const second = await takeLock(Y, 'c-y');
            await append(Y, bytes(3), { hold: second });
            expect(await backend.queue.staleHeldTokens(group, 1_000)).to.deep.equal([first]);
            await command('RPUSH', keys.queue(group).held, 'garbage');
            const error = await rejection(backend.queue.staleHeldTokens(group, 1_000));
            expect((error as StorageError).message).to.include('corrupt state');
        });

        it('reflect-ack: removes one item in any order and frees the payload with the last reference', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            await append(S, bytes(1));
            await append(S, bytes(2));
            expect(await backend.queue.ack(group, X, 2)).to.equal(true);
            expect(await backend.queue.ack(group, X, 2)).to.equal(false);
            expect(await backend.queue.ack(group, X, 3)).to.equal(false);
            expect(await payloadCount()).to.equal(2);
            expect(await backend.queue.ack(group, Y, 2)).to.equal(true);
            expect(await payloadCount()).to.equal(1);
            expect(await backend.queue.stats(group, X)).to.deep.equal({ count: 1, bytes: 1, oldestTimestamp: 1_000 });
        });

        it('reflect-ack: a batch removes each listed item once, in one call, and ignores unknown seqs', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            for (let marker = 1; marker <= 4; marker++) await append(S, bytes(marker, marker));
            expect(await backend.queue.ackMany(group, [{ deviceId: X, seqs: [3, 1, 3, 9, 0, -1, 1.5] }])).to.equal(2);
            expect((await backend.queue.read(group, X, 0, 10, 1_000)).map((item) => item.seq)).to.deep.equal([2, 4]);
            expect(await backend.queue.stats(group, X)).to.deep.equal({ count: 2, bytes: 4, oldestTimestamp: 1_000 });
            expect(await payloadCount()).to.equal(4);
            expect(await backend.queue.ackMany(group, [{ deviceId: Y, seqs: [1, 3] }])).to.equal(2);
            expect(await payloadCount()).to.equal(2);
            expect(await backend.queue.ackMany(group, [{ deviceId: X, seqs: [] }])).to.equal(0);
            expect(await backend.queue.ackMany(group, [{ deviceId: X, seqs: [2, 4] }])).to.equal(2);
            expect(await backend.queue.stats(group, X)).to.deep.equal({
                count: 0,
                bytes: 0,
                oldestTimestamp: undefined,
            });
        });

        it('reflect-ack: frees a payload whose references a batch drops together, and keeps the others', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            for (let marker = 1; marker <= 3; marker++) await append(S, bytes(marker));
            // Payload 1 loses both references, payload 2 one of two, in one call (one far-apart seq too).
            const acks = [
                { deviceId: X, seqs: [1, 2, 2] },
                { deviceId: Y, seqs: [1, 2 ** 40] },
            ];
            expect(await backend.queue.ackMany(group, acks)).to.equal(3);
            expect(await payloadCount()).to.equal(2);
            expect(String(await command('HGET', keys.queue(group).payloads, '2:r'))).to.equal('1');
            expect((await backend.queue.read(group, Y, 0, 10, 1_000)).map((item) => hex(item.envelope))).to.deep.equal([
                '02',
                '03',
            ]);
            expect(
                await backend.queue.ackMany(group, [
                    { deviceId: Y, seqs: [2, 3] },
                    { deviceId: X, seqs: [3] },
                ]),
            ).to.equal(3);
            expect(await payloadCount()).to.equal(0);
        });

        it('reflect-ack: takes ranges of seqs, alone or mixed with single seqs, and refuses malformed ones', async function () {
            await backend.queue.addSlot(group, X);
            await backend.queue.addSlot(group, Y);
            for (let index = 1; index <= 8; index++) await append(S, bytes(index));
            const q = keys.queue(group);
            const scripts = LuaScripts.read();
            const ack = (list: string) => scripts.run(redis, 'reflect-ack', [q.queue, q.counters, q.payloads], [list]);
            // X: one range (2..6) read in one step; Y: a range, a single seq and a range overlapping it.
            const reply = await ack(`${X}:2-6,${Y}:1-2,${Y}:5,${Y}:4-5,${X}:40-41`);
            expect(reply.values).to.deep.equal([9]);
            const seqs = async (device: DeviceId) =>
                (await backend.queue.read(group, device, 0, 20, 10_000)).map((item) => item.seq);
            expect(await seqs(X)).to.deep.equal([1, 7, 8]);
            expect(await seqs(Y)).to.deep.equal([3, 6, 7, 8]);
            expect(await backend.queue.stats(group, X)).to.deep.include({ count: 3, bytes: 3 });
            for (const bad of [`${X}:5-3`, `${X}:1-65537`, `${X}:3-`, `${X}:-3`, `${X}:1-2-3`]) {
                const error = await rejection(ack(bad));
                expect(error, bad).to.be.instanceOf(StorageError);
            }
            // A range of the longest length is taken; the payloads go with their last references.
            expect((await ack(`${X}:1-65536,${Y}:1-65536`)).values).to.deep.equal([7]);
            expect(await payloadCount()).to.equal(0);
        });

        it('reflect-ack-multi: ack batches of several groups in one turn share one call, each with its own outcome', async function () {
            const { sent, queue, other } = await twoGroupQueue();
            try {
                const store = (g: GroupId, envelope: Uint8Array) => append(S, envelope, { queue, groupId: g });
                for (const value of [1, 2, 3]) {
                    await store(group, bytes(value));
                    await store(other, bytes(value + 10));
                }
                sent.length = 0;
                // Started in one synchronous step: two groups, and a seq past the end of a slot's queue.
                const removed = await Promise.all([
                    queue.ackMany(group, [
                        { deviceId: X, seqs: [1, 2] },
                        { deviceId: Y, seqs: [2] },
                    ]),
                    queue.ackMany(other, [{ deviceId: X, seqs: [3, 9] }]),
                ]);
                expect(sent).to.deep.equal(['EVALSHA']);
                expect(removed).to.deep.equal([3, 1]);
                const seqs = async (g: GroupId, device: DeviceId) =>
                    (await queue.read(g, device, 0, 10, 10_000)).map((item) => item.seq);
                expect(await seqs(group, X)).to.deep.equal([3]);
                expect(await seqs(group, Y)).to.deep.equal([1, 3]);
                expect(await seqs(other, X)).to.deep.equal([1, 2]);
                expect(await queue.stats(group, X)).to.deep.include({ count: 1, bytes: 1 });
                // Group payload 2 lost both references (X and Y); payload 1 keeps Y's.
                expect(await payloadCount()).to.equal(2);
            } finally {
                await queue.deleteGroup(other);
            }
        });

        it('ackMany: a deferrable call waits for the next append call and goes out first, with it', async function () {
            const scripts = await LuaScripts.load(redis);
            // The scripts called, by name, in the order their calls were sent.
            const names = new Map(SCRIPT_NAMES.map((name) => [scripts.get(name).sha, name]));
            const sent: string[] = [];
            const recording: RedisCommander = {
                sendCommand(args) {
                    sent.push(names.get(String(args[1])) ?? String(args[0]));
                    return redis.sendCommand(args);
                },
            };
            const queue = new RedisReflectionQueue({ client: recording, scripts, keys });
            await queue.addSlot(group, X);
            const store = (value: number) => append(S, bytes(value), { queue });
            for (const value of [1, 2, 3]) await store(value);
            const turn = () => new Promise((resolve) => setImmediate(resolve));
            sent.length = 0;
            // Held back past the end of its turn ...
            const deferred = queue.ackMany(group, [{ deviceId: X, seqs: [1] }], { deferrable: true });
            await turn();
            expect(sent).to.deep.equal([]);
            // ... until an append call goes: the ack call leaves first, in the same synchronous step.
            const stored = store(4);
            expect(await deferred).to.equal(1);
            await stored;
            expect(sent).to.deep.equal(['reflect-ack', 'reflect-append']);
            // With no append to go with, it goes after ACK_DEFER_MAX_MS.
            sent.length = 0;
            const started = performance.now();
            expect(await queue.ackMany(group, [{ deviceId: X, seqs: [2] }], { deferrable: true })).to.equal(1);
            expect(performance.now() - started).to.be.at.least(ACK_DEFER_MAX_MS - 1);
            expect(sent).to.deep.equal(['reflect-ack']);
            // Something waits for it: flushDeferredAcks sends it at the end of the turn; so is any
            // call that is not deferrable.
            const hurried = queue.ackMany(group, [{ deviceId: X, seqs: [3] }], { deferrable: true });
            queue.flushDeferredAcks();
            const prompt = queue.ackMany(group, [{ deviceId: X, seqs: [4] }]);
            sent.length = 0;
            await turn();
            expect(sent).to.deep.equal(['reflect-ack-multi']);
            expect(await Promise.all([hurried, prompt])).to.deep.equal([1, 1]);
            expect(await queue.read(group, X, 0, 10, 10_000)).to.deep.equal([]);
        });

        it('reflect-ack-multi: a malformed section fails alone and changes nothing of its group', async function () {
            await backend.queue.addSlot(group, X);
            for (const value of [1, 2]) await append(S, bytes(value));
            const scripts = LuaScripts.read();
            const q = keys.queue(group);
            const sectionKeys = [q.queue, q.counters, q.payloads];
            const reply = await scripts.run(
                redis,
                'reflect-ack-multi',
                [...sectionKeys, ...sectionKeys],
                [`${X}:3-1`, `${X}:1`],
            );
            expect(reply.status).to.equal(ScriptStatus.OK);
            const [bad, good] = reply.values[0] as unknown[][];
            expect(bad![0]).to.equal(ScriptStatus.BAD_ARGUMENT);
            expect(good).to.deep.equal([ScriptStatus.OK, 1]);
            expect((await backend.queue.read(group, X, 0, 10, 10_000)).map((item) => item.seq)).to.deep.equal([2]);
            // Whole sections only.
            const arity = await rejection(
                scripts.run(redis, 'reflect-ack-multi', [...sectionKeys, q.queue], [`${X}:2`]),
            );
            expect(arity).to.be.instanceOf(StorageError);
            expect(await backend.queue.stats(group, X)).to.deep.include({ count: 1, bytes: 1 });
        });

        it('queue-read: pages by seq, counts bytes, returns at least one item', async function () {
            await backend.queue.addSlot(group, X);
            for (let index = 1; index <= 12; index++) await append(S, new Uint8Array(index).fill(index));
            const page = await backend.queue.read(group, X, 9, 100, 1_000);
            // Seq 10.. must not match seq 1 by prefix: members are zero-padded.
            expect(page.map((item) => item.seq)).to.deep.equal([10, 11, 12]);
            expect((await backend.queue.read(group, X, 0, 100, 6)).map((item) => item.seq)).to.deep.equal([1, 2, 3]);
            expect((await backend.queue.read(group, X, 11, 100, 0)).map((item) => item.seq)).to.deep.equal([12]);
            expect(await backend.queue.read(group, X, 0, 0, 1_000)).to.deep.equal([]);
            expect(await backend.queue.read(group, X, 0, Infinity, Infinity)).to.have.length(12);
        });

        it('queue-stats: count, bytes and the first item’s timestamp', async function () {
            await backend.queue.addSlot(group, X);
            expect(await backend.queue.stats(group, X)).to.deep.equal({
                count: 0,
                bytes: 0,
                oldestTimestamp: undefined,
            });
            await backend.queue.append({
                groupId: group,
                senderDeviceId: S,
                flags: 1,
                envelope: bytes(1, 2, 3),
                timestamp: 1_700_000_000_123,
                limits: LIMITS,
            });
            expect(await backend.queue.stats(group, X)).to.deep.equal({
                count: 1,
                bytes: 3,
                oldestTimestamp: 1_700_000_000_123,
            });
        });
    });

    describe('coordinator scripts', function () {
        const presence = (id: DeviceId, connectionId: string, since = 5) => ({
            deviceId: id,
            connectionId,
            nodeId: 'node/1',
            connectedSince: since,
            expiresAt: ALIVE_UNTIL,
        });

        it('presence-register: replaces the older connection, clears its leadership, publishes kick', async function () {
            await backend.coordinator.register(group, presence(X, 'n/1'));
            await backend.coordinator.updatePresence(group, X, 'n/1', { eligible: true, proxyActive: true });
            await backend.coordinator.electLeader(group, Date.now());
            // The same connection again keeps its flags.
            expect(await backend.coordinator.register(group, presence(X, 'n/1', 6))).to.deep.equal({
                replaced: undefined,
            });
            const { replaced } = await backend.coordinator.register(group, presence(X, 'n/2', 7));
            expect(replaced).to.deep.include({ connectionId: 'n/1', connectedSince: 6, eligible: true });
            expect(await backend.coordinator.getLeader(group)).to.equal(undefined);
            const kicks = (await settle()).filter((event) => event.type === 'kick');
            expect(kicks).to.deep.equal([
                { type: 'kick', deviceId: X, connectionId: 'n/1', code: CloseCode.DUPLICATE_CONNECTION },
            ]);
        });

        it('presence-unregister: removes only the named connection and clears its leadership', async function () {
            await backend.coordinator.register(group, presence(X, 'n/1'));
            await backend.coordinator.updatePresence(group, X, 'n/1', { eligible: true });
            await backend.coordinator.electLeader(group, Date.now());
            expect(await backend.coordinator.unregister(group, X, 'n/0')).to.equal(false);
            expect(await backend.coordinator.getLeader(group)).to.not.equal(undefined);
            expect(await backend.coordinator.unregister(group, X, 'n/1')).to.equal(true);
            expect(await backend.coordinator.getLeader(group)).to.equal(undefined);
            expect(await command('EXISTS', keys.coordinator(group).presence)).to.equal(0);
        });

        it('presence-update: changes only the given flags of the current connection', async function () {
            await backend.coordinator.register(group, presence(X, 'n/1'));
            await backend.coordinator.updatePresence(group, X, 'n/1', { proxyActive: true });
            await backend.coordinator.updatePresence(group, X, 'n/9', { eligible: true });
            expect(await backend.coordinator.listPresence(group, Date.now())).to.deep.equal([
                { ...presence(X, 'n/1'), eligible: false, proxyActive: true },
            ]);
        });

        it('lock-begin: grants with increasing tokens, rejects, and sets a PX safety expiry', async function () {
            const request = { deviceId: X, connectionId: 'n/1', encryptedScope: bytes(1), ttlMs: 30_000, now: 1_000 };
            const first = await backend.coordinator.beginTransaction(group, request);
            expect(first.status).to.equal('acquired');
            const ttl = Number(await command('PTTL', keys.coordinator(group).lock));
            expect(ttl).to.be.greaterThan(30_000).and.at.most(90_000);
            const rejected = await backend.coordinator.beginTransaction(group, { ...request, connectionId: 'n/2' });
            expect(rejected.status).to.equal('rejected');
            const expiredNow = { ...request, connectionId: 'n/2', now: 31_000 };
            const second = await backend.coordinator.beginTransaction(group, expiredNow);
            if (first.status !== 'acquired' || second.status !== 'acquired') expect.fail('expected two grants');
            expect(BigInt(second.lock.token) > BigInt(first.lock.token)).to.equal(true);
        });

        it('lock-end: releases for the holder and token only, publishing transaction-ended', async function () {
            const request = { deviceId: X, connectionId: 'n/1', encryptedScope: bytes(0, 255), ttlMs: 1, now: 1 };
            const granted = await backend.coordinator.beginTransaction(group, request);
            if (granted.status !== 'acquired') expect.fail('expected a grant');
            expect(await backend.coordinator.endTransaction(group, 'n/1', 'other')).to.equal(undefined);
            // Expired, but still the holder's to release and announce.
            const released = await backend.coordinator.endTransaction(group, 'n/1', granted.lock.token);
            expect(released).to.deep.include({ deviceId: X, token: granted.lock.token });
            expect(await command('EXISTS', keys.coordinator(group).lock)).to.equal(0);
            const ended = (await settle()).filter((event) => event.type === 'transaction-ended');
            expect(ended.map((event) => event.type === 'transaction-ended' && hex(event.encryptedScope))).to.deep.equal(
                ['00ff'],
            );
        });

        it('leader-elect: keeps a registered leader, otherwise promotes the best eligible with a new term', async function () {
            expect(await backend.coordinator.electLeader(group, Date.now())).to.equal(undefined);
            await backend.coordinator.register(group, presence(X, 'b', 10));
            await backend.coordinator.register(group, presence(Y, 'a', 10));
            await backend.coordinator.updatePresence(group, X, 'b', { eligible: true });
            await backend.coordinator.updatePresence(group, Y, 'a', { eligible: true });
            // Same connectedSince, no proxy: the greater connection id wins (byte order).
            const first = await backend.coordinator.electLeader(group, Date.now());
            expect(first).to.deep.include({ deviceId: X, connectionId: 'b' });
            expect(await backend.coordinator.electLeader(group, Date.now())).to.deep.equal(first);
            await backend.coordinator.unregister(group, X, 'b');
            const second = await backend.coordinator.electLeader(group, Date.now());
            expect(second).to.deep.include({ deviceId: Y });
            expect(second?.term).to.equal((first?.term ?? 0) + 1);
            const promoted = (await settle()).filter((event) => event.type === 'promoted');
            expect(promoted).to.deep.equal([
                { type: 'promoted', ...first },
                { type: 'promoted', ...second },
            ]);
        });
    });

    describe('node registry scripts', function () {
        it('node-claim / node-release: one live incarnation per node id, with a PX expiry, released only by its holder', async function () {
            const nodeId = `node-${group.slice(0, 12)}`;
            const key = keys.node(nodeId);
            expect(await backend.nodes.claim(nodeId, 'aaaa', 60_000)).to.deep.equal({ status: 'claimed' });
            const ttl = Number(await command('PTTL', key));
            expect(ttl).to.be.within(1, 60_000);
            const taken = await backend.nodes.claim(nodeId, 'bbbb', 60_000);
            expect(taken).to.deep.include({ status: 'taken', incarnation: 'aaaa' });
            expect(taken.status === 'taken' && taken.remainingMs).to.be.within(1, 60_000);
            // The holder renews; another incarnation cannot release it.
            expect(await backend.nodes.claim(nodeId, 'aaaa', 30)).to.deep.equal({ status: 'claimed' });
            await backend.nodes.release(nodeId, 'bbbb');
            expect(String(await command('GET', key))).to.equal('aaaa');
            // Its claim runs out: another incarnation may claim the id.
            await new Promise((resolve) => setTimeout(resolve, 60));
            expect(await backend.nodes.claim(nodeId, 'bbbb', 60_000)).to.deep.equal({ status: 'claimed' });
            await backend.nodes.release(nodeId, 'bbbb');
            expect(await command('EXISTS', key)).to.equal(0);
        });
    });

    describe('keys and encoding', function () {
        it('puts every key of a group under the group’s hash tag and the prefix', async function () {
            await backend.queue.addSlot(group, X);
            await append(S, bytes(1));
            await append(S, bytes(2), { hold: await takeLock(X, 'c') });
            await backend.coordinator.register(group, presence(X));
            await backend.coordinator.updatePresence(group, X, 'c', { eligible: true });
            await backend.coordinator.electLeader(group, Date.now());
            const found = (await command('KEYS', `${keys.prefix}*`)) as Buffer[];
            const names = found.map((name) => name.toString()).sort();
            expect(names).to.have.length(9);
            for (const name of names) {
                expect(name.startsWith(keys.prefix), name).to.equal(true);
                // The first {...} of the key is the whole group id: Redis Cluster hashes only that.
                expect(/^[^{]*\{([^}]*)\}/u.exec(name)?.[1], name).to.equal(group);
            }
            await command('DEL', ...names);

            function presence(id: DeviceId) {
                return { deviceId: id, connectionId: 'c', nodeId: 'n', connectedSince: 1, expiresAt: ALIVE_UNTIL };
            }
        });

        it('keeps u64 device ids exact in queues, presence and events', async function () {
            const big = deviceId(2n ** 64n - 1n);
            const nearlyBig = deviceId(2n ** 64n - 2n);
            await backend.queue.addSlot(group, big);
            await backend.queue.addSlot(group, nearlyBig);
            expect(await append(nearlyBig, bytes(1))).to.deep.equal({ recipients: [big], overflowed: [] });
            expect(await backend.queue.listSlots(group)).to.deep.equal([nearlyBig, big]);
            expect((await backend.queue.read(group, big, 0, 10, 10)).length).to.equal(1);
            expect(await backend.queue.read(group, nearlyBig, 0, 10, 10)).to.deep.equal([]);
            await backend.coordinator.register(group, {
                deviceId: big,
                expiresAt: ALIVE_UNTIL,
                connectionId: 'c',
                nodeId: 'n',
                connectedSince: 1,
            });
            expect((await backend.coordinator.listPresence(group, Date.now()))[0]?.deviceId).to.equal(big);
            expect(await settle()).to.deep.equal([
                {
                    type: 'appended',
                    deviceIds: [big],
                    seqs: [1],
                    items: [{ flags: 0, timestamp: 1_000, envelope: bytes(1) }],
                },
            ]);
        });

        it('round-trips every event through the bus codec and rejects malformed messages', function () {
            const samples: GroupEvent[] = [
                { type: 'appended', deviceIds: [deviceId(0), deviceId(2n ** 64n - 1n)] },
                { type: 'appended', deviceIds: [deviceId(7)], seqs: [2 ** 40] },
                {
                    type: 'appended',
                    deviceIds: [deviceId(7), deviceId(2n ** 64n - 1n)],
                    seqs: [3, 2 ** 40],
                    items: [{ flags: 0xffff, timestamp: 1_700_000_000_123, envelope: bytes(0x01, 0x5b, 0, 10, 255) }],
                },
                {
                    type: 'appended',
                    deviceIds: [deviceId(1)],
                    seqs: [1],
                    items: [{ flags: 1, timestamp: 0, envelope: bytes() }],
                },
                {
                    type: 'appended',
                    deviceIds: [deviceId(7), deviceId(2n ** 64n - 1n)],
                    seqs: [5, 2 ** 40],
                    items: [
                        { flags: 0xffff, timestamp: 1_700_000_000_123, envelope: bytes(0x02, 0x5b, 0, 10, 255) },
                        { flags: 0, timestamp: 0, envelope: bytes() },
                        { flags: 3, timestamp: 7, envelope: bytes(9) },
                    ],
                },
                { type: 'kick', deviceId: X, connectionId: 'a"b\\c', code: 4112 },
                { type: 'transaction-ended', deviceId: X, connectionId: 'c', encryptedScope: bytes(0, 1, 255) },
                { type: 'transaction-ended', deviceId: X, connectionId: 'c', encryptedScope: bytes(1), token: '17' },
                { type: 'promoted', deviceId: Y, connectionId: 'c', term: 12 },
            ];
            for (const event of samples) expect(decodeGroupEvent(encodeGroupEvent(event))).to.deep.equal(event);
            for (const bad of ['', '{}', '["a",["-1"]]', '["a",["01"]]', '["k","1","c","x"]', '["?"]']) {
                expect(decodeGroupEvent(bad), bad).to.equal(undefined);
            }
            const header = Buffer.from('["a",["1"],[1],0,"5"]');
            const binary = (length: number, json: Buffer, envelope: number[] = [7]) =>
                Buffer.concat([Buffer.of(1, 0, 0, 0, length), json, Buffer.from(envelope)]);
            expect(decodeGroupEvent(binary(header.byteLength, header))).to.deep.equal({
                type: 'appended',
                deviceIds: [deviceId(1)],
                seqs: [1],
                items: [{ flags: 0, timestamp: 5, envelope: bytes(7) }],
            });
            for (const bad of [
                Buffer.of(1, 0, 0),
                binary(header.byteLength + 2, header, []),
                binary(header.byteLength - 1, header),
                binary(17, Buffer.from('["a",["1"],[1,2],0,"5"]').subarray(0, 17)),
                binary(21, Buffer.from('["a",["1"],[1],70000,"5"]').subarray(0, 21)),
                binary(23, Buffer.from('["a",["1"],[1,2],0,"5"]')),
                binary(25, Buffer.from('["a",["1"],[1],70000,"5"]')),
            ]) {
                expect(decodeGroupEvent(bad), bad.toString('hex')).to.equal(undefined);
            }
            // The batch form: envelopes of the listed lengths, exactly the rest of the message.
            const batch = (json: string, envelopes: number[]) => {
                const text = Buffer.from(json);
                return Buffer.concat([Buffer.of(2, 0, 0, 0, text.byteLength), text, Buffer.from(envelopes)]);
            };
            expect(decodeGroupEvent(batch('["a",["1"],[4],[0,1],["5","6"],[1,2]]', [7, 8, 9]))).to.deep.equal({
                type: 'appended',
                deviceIds: [deviceId(1)],
                seqs: [4],
                items: [
                    { flags: 0, timestamp: 5, envelope: bytes(7) },
                    { flags: 1, timestamp: 6, envelope: bytes(8, 9) },
                ],
            });
            for (const bad of [
                batch('["a",["1"],[4],[0,1],["5","6"],[1,2]]', [7, 8]),
                batch('["a",["1"],[4],[0,1],["5","6"],[1,2]]', [7, 8, 9, 10]),
                batch('["a",["1"],[4],[0,1],["5"],[1,2]]', [7, 8, 9]),
                batch('["a",["1"],[4],[0],["5"],[1]]', [7]),
                batch('["a",["1"],[4],[0,70000],["5","6"],[1,2]]', [7, 8, 9]),
                batch('["a",["1"],[4],[0,1],["5","6"],[1,-2]]', [7, 8, 9]),
            ]) {
                expect(decodeGroupEvent(bad), bad.toString('hex')).to.equal(undefined);
            }
        });
    });

    describe('script loader', function () {
        it('binds every KEYS/ARGV to a local and knows each script’s arity', function () {
            const scripts = LuaScripts.read();
            expect(scripts.all().map((script) => script.name)).to.deep.equal([...SCRIPT_NAMES]);
            const append = scripts.get('reflect-append');
            expect([append.keyCount, append.argCount]).to.deep.equal([7, 9]);
            expect(append.source).to.not.match(/^--@include/mu);
            expect(append.source).to.include('local function fanOut(');
            expect(append.versionedName).to.match(/^reflect-append@[0-9a-f]{12}$/u);
            const multi = scripts.get('reflect-append-multi');
            expect([multi.keyCount, multi.argCount, multi.sectioned]).to.deep.equal([7, 9, true]);
            const acks = scripts.get('reflect-ack-multi');
            expect([acks.keyCount, acks.argCount, acks.sectioned]).to.deep.equal([3, 1, true]);
            expect(append.sectioned).to.equal(false);
        });

        it('refuses a call with the wrong number of keys or arguments', async function () {
            const scripts = LuaScripts.read();
            const error = await rejection(scripts.run(redis, 'slot-add', [], ['1']));
            expect(error).to.be.instanceOf(StorageError);
            expect((error as StorageError).retryable).to.equal(false);
        });

        it('falls back to EVAL when Redis lost its script cache', async function () {
            // A dedicated server: flushing the script cache of a shared one would disturb its other users.
            const server = await startRedisServer();
            const client = await connectRedis({ url: server.url });
            try {
                const commander = bufferCommander(client);
                const scripts = await LuaScripts.load(commander);
                const sha = scripts.get('slot-add').sha;
                await commander.sendCommand(['SCRIPT', 'FLUSH']);
                expect(await commander.sendCommand(['SCRIPT', 'EXISTS', sha])).to.deep.equal([0]);
                const reply = await scripts.run(commander, 'slot-add', [keys.queue(group).slots], ['1']);
                expect(reply.status).to.equal(ScriptStatus.OK);
                expect(await commander.sendCommand(['SCRIPT', 'EXISTS', sha])).to.deep.equal([1]);
            } finally {
                await closeRedis(client);
                await server.kill();
            }
        });

        it('after a lost script cache, stores a batch alone in flight by EVAL, fails batches in flight together', async function () {
            const server = await startRedisServer();
            const client = await connectRedis({ url: server.url });
            try {
                const commander = bufferCommander(client);
                const scripts = await LuaScripts.load(commander);
                // One batch of a sender connection in flight at a time (the default), and two.
                const queue = new RedisReflectionQueue({ client: commander, scripts, keys });
                const twoAtATime = new RedisReflectionQueue({
                    client: commander,
                    scripts,
                    keys,
                    appendBatchesInFlight: 2,
                });
                await queue.addSlot(group, S);
                await queue.addSlot(group, X);
                const append = (marker: number, on = queue) =>
                    on.append({
                        groupId: group,
                        senderDeviceId: S,
                        flags: 0,
                        envelope: bytes(marker),
                        timestamp: 1_000,
                        limits: LIMITS,
                    });
                const stored = async () =>
                    (await queue.read(group, X, 0, 10, 10_000)).map((item) => hex(item.envelope));
                await commander.sendCommand(['SCRIPT', 'FLUSH']);
                // One batch in flight: the first is alone (EVAL), the others wait for it and follow, in order.
                await Promise.all([append(1), append(2), append(3)]);
                expect(await stored()).to.deep.equal([1, 2, 3].map((marker) => hex(bytes(marker))));
                await commander.sendCommand(['SCRIPT', 'FLUSH']);
                // Two batches in flight: an EVAL of the first would run after the second; both fail instead.
                const results = await Promise.allSettled([append(4, twoAtATime), append(5, twoAtATime)]);
                for (const result of results) {
                    expect(result.status).to.equal('rejected');
                    const error = (result as PromiseRejectedResult).reason as StorageError;
                    expect(error).to.be.instanceOf(StorageError);
                    expect(error.retryable).to.equal(true);
                }
                expect(await stored()).to.deep.equal([1, 2, 3].map((marker) => hex(bytes(marker))));
                // A lone append falls back to EVAL (or finds the script reloaded).
                await commander.sendCommand(['SCRIPT', 'FLUSH']);
                await append(6, twoAtATime);
                expect(await stored()).to.deep.equal([1, 2, 3, 6].map((marker) => hex(bytes(marker))));
            } finally {
                await closeRedis(client);
                await server.kill();
            }
        });

        it('fails the appends waiting behind a failed call instead of sending them', async function () {
            const server = await startRedisServer();
            const client = await connectRedis({ url: server.url });
            try {
                const commander = bufferCommander(client);
                const scripts = await LuaScripts.load(commander);
                // One batch in flight: the second and third wait behind the first.
                const queue = new RedisReflectionQueue({ client: commander, scripts, keys, appendBatchesInFlight: 1 });
                await queue.addSlot(group, X);
                const store = (marker: number) => append(S, bytes(marker), { queue });
                // The first call fails in Redis (its counters key holds a string: WRONGTYPE) ...
                await commander.sendCommand(['SET', keys.queue(group).counters, 'not a hash']);
                const results = await Promise.allSettled([store(1), store(2), store(3)]);
                expect(results.map((result) => result.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
                const [failure, ...waiting] = results.map(
                    (result): unknown => (result as PromiseRejectedResult).reason,
                );
                expect(failure).to.be.instanceOf(StorageError);
                // Not sent: they fail with the first one's error, not with answers of their own.
                for (const reason of waiting) expect(reason).to.equal(failure);
                await commander.sendCommand(['DEL', keys.queue(group).counters]);
                // ... and nothing that waited behind it was stored; a later append is.
                expect(await queue.read(group, X, 0, 10, 10_000)).to.deep.equal([]);
                await store(4);
                expect((await queue.read(group, X, 0, 10, 10_000)).map((item) => hex(item.envelope))).to.deep.equal([
                    hex(bytes(4)),
                ]);
            } finally {
                await closeRedis(client);
                await server.kill();
            }
        });

        it('maps a negative status to a non-retryable StorageError', async function () {
            const scripts = LuaScripts.read();
            const queueKeys = keys.queue(group);
            const error = await rejection(
                scripts.run(
                    redis,
                    'reflect-release',
                    [queueKeys.slots, queueKeys.queue, queueKeys.counters, queueKeys.payloads, queueKeys.held],
                    [keys.channel(group), 't', 'not-a-number', '1'],
                ),
            );
            expect(error).to.be.instanceOf(StorageError);
            expect((error as StorageError).message).to.include('bad argument');
            expect((error as StorageError).retryable).to.equal(false);
            expect(ScriptStatus.BAD_ARGUMENT).to.equal(-1);
        });
    });
});
