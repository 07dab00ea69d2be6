/**
 * `npm run bench:queue-scripts`: what the reflection queue's scripts cost
 * Redis itself, per delivery, without a mediator or devices around them.
 *
 * A throwaway Redis (AOF on, the fsync policy of `--fsync`) and one
 * RedisReflectionQueue drive the fan-out of the benchmark's scenario 2:
 * G groups of 4 slots, device 1 of each reflects (named with its connection,
 * so the presence fence runs as in the mediator), the other three slots
 * acknowledge every item in batches per group, and a subscriber takes every
 * `appended` event as a node does. Device ids are above 2^63, as most random
 * u64 ids are (Redis then keeps a group's slot set as a hash table, not as a
 * sorted integer set). Each shape sends the same number of reflections in
 * one of two rhythms:
 *
 * - `batch 32`: every sender has 32 reflections in flight (the closed
 *   loop's large batches);
 * - `one at a time`: in each event-loop turn every sender starts one
 *   reflection, and each group's acks go out in one call per turn (the open
 *   loop at moderate load, where batches are small).
 *
 * Printed per shape: Redis CPU µs per delivery and per reflection (user +
 * system of the redis-server process, from /proc), and script calls per
 * reflection. On this shared 2-core machine the CPU figures move by 10–20%
 * between runs; `--callgrind` counts the instructions Redis executes instead
 * (valgrind's callgrind, the same count for the same scripts whatever else
 * the machine does): each shape runs twice, with N and 2N reflections, each
 * against its own Redis, and the difference ÷ N is the count per reflection
 * (start-up and set-up cancel out). That is the figure to compare two
 * versions of the scripts by; it leaves out the kernel's share (sockets,
 * the append-only file).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDeviceId, type DeviceId } from '../../d2m/index.js';
import { RedisKeys } from '../../src/storage/redis/keys.js';
import { bufferCommander, closeRedis, connectRedis, type RedisClient } from '../../src/storage/redis/redis-client.js';
import { RedisReflectionQueue } from '../../src/storage/redis/redis-reflection-queue.js';
import { LuaScripts } from '../../src/storage/redis/scripts.js';
import type { GroupId } from '../../src/storage/types.js';
import { startRedisServer } from '../lib/redis-server.js';
import { processCpuSeconds, startRedis, type AppendFsync } from './services.js';

const USAGE = `usage: npm run bench:queue-scripts -- [--fsync always|everysec] [--groups G] [--reflections N]
                                     [--rounds R] [--shapes batch,one] [--callgrind]`;

const { values: flags } = parseArgs({
    options: {
        fsync: { type: 'string', default: 'always' },
        groups: { type: 'string', default: '32' },
        reflections: { type: 'string' },
        rounds: { type: 'string', default: '3' },
        shapes: { type: 'string', default: 'batch,one' },
        callgrind: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
    },
});
if (flags.help) {
    console.log(USAGE);
    process.exit(0);
}

function positive(name: string, text: string): number {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1) {
        console.error(`--${name} must be a positive integer, got ${text}\n${USAGE}`);
        process.exit(2);
    }
    return value;
}

const FSYNC = flags.fsync as AppendFsync;
if (FSYNC !== 'always' && FSYNC !== 'everysec') {
    console.error(`--fsync must be always or everysec\n${USAGE}`);
    process.exit(2);
}
const GROUPS = positive('groups', flags.groups);
const CALLGRIND = flags.callgrind;
const REFLECTIONS = positive('reflections', flags.reflections ?? (CALLGRIND ? '1280' : '20000'));
const ROUNDS = positive('rounds', flags.rounds);
const RECEIVERS = 3;
const ENVELOPE = new Uint8Array(256).fill(7);
const LIMITS = { maxCount: 1_000_000, maxBytes: 1_000_000_000 };
const FIRST_DEVICE_ID = 1n << 63n;

interface Shape {
    readonly name: string;
    /** Reflections each sender keeps in flight; 0: one per sender per turn. */
    readonly window: number;
}

const SHAPES: readonly Shape[] = [
    { name: 'batch 32', window: 32 },
    { name: 'one at a time', window: 0 },
].filter((shape) => flags.shapes.split(',').includes(shape.name.split(' ')[0]!));
if (SHAPES.length === 0) {
    console.error(`--shapes names none of batch, one\n${USAGE}`);
    process.exit(2);
}

const device = (n: number): DeviceId => ensureDeviceId(FIRST_DEVICE_ID + BigInt(n) * 7919n);

/** The fan-out of G groups against one Redis. */
class FanOut {
    readonly #client: RedisClient;
    readonly #subscriber: RedisClient;
    readonly #queue: RedisReflectionQueue;
    readonly #groupIds: readonly GroupId[];
    /** Acks waiting to be sent: seqs per receiving slot, per group. */
    readonly #pendingAcks = new Map<GroupId, Map<DeviceId, number[]>>();
    #acksInFlight: Promise<unknown>[] = [];
    /** Every receiving slot's last seq per group (the queue numbers them from 1 on, per slot). */
    readonly #lastSeq = new Map<GroupId, number>();
    public events = 0;

    private constructor(
        client: RedisClient,
        subscriber: RedisClient,
        queue: RedisReflectionQueue,
        groupIds: readonly GroupId[],
    ) {
        this.#client = client;
        this.#subscriber = subscriber;
        this.#queue = queue;
        this.#groupIds = groupIds;
    }

    /** Connects, and sets up G groups: slots, the sender's presence, a subscription to each group's events. */
    public static async open(url: string): Promise<FanOut> {
        const [client, subscriber] = await Promise.all([connectRedis({ url }), connectRedis({ url })]);
        const commander = bufferCommander(client);
        const keys = new RedisKeys('qbench:');
        const queue = new RedisReflectionQueue({ client: commander, scripts: await LuaScripts.load(commander), keys });
        const groupIds = Array.from(
            { length: GROUPS },
            (_, g) => `${'0'.repeat(60)}${String(g).padStart(4, '0')}` as GroupId,
        );
        const fanOut = new FanOut(client, subscriber, queue, groupIds);
        const aliveUntil = String(Date.now() + 3_600_000);
        for (const [g, groupId] of groupIds.entries()) {
            for (let d = 1; d <= RECEIVERS + 1; d++) await queue.addSlot(groupId, device(d));
            await client.hSet(
                keys.coordinator(groupId).presence,
                String(device(1)),
                JSON.stringify({ c: `c-${g}`, n: 'bench', s: '0', e: false, p: false, x: aliveUntil }),
            );
            await subscriber.sSubscribe(keys.channel(groupId), () => {
                fanOut.events += 1;
            });
        }
        return fanOut;
    }

    /** Sends `perGroup` reflections per group in the shape's rhythm; settles once all were acknowledged. */
    public async run(shape: Shape, perGroup: number): Promise<void> {
        if (shape.window > 0) {
            const ackTimer = setInterval(() => this.#flushAcks(), 1);
            await Promise.all(
                this.#groupIds.map(async (_, g) => {
                    let started = 0;
                    const inFlight = new Set<Promise<void>>();
                    while (started < perGroup) {
                        while (inFlight.size < shape.window && started < perGroup) {
                            const append: Promise<void> = this.#append(g).finally(() => inFlight.delete(append));
                            inFlight.add(append);
                            started += 1;
                        }
                        await Promise.race(inFlight);
                    }
                    await Promise.all(inFlight);
                }),
            );
            clearInterval(ackTimer);
            this.#flushAcks();
        } else {
            for (let i = 0; i < perGroup; i++) {
                await Promise.all(this.#groupIds.map((_, g) => this.#append(g)));
                this.#flushAcks();
            }
        }
        await Promise.all(this.#acksInFlight);
        this.#acksInFlight = [];
    }

    /** Payloads still stored in the first group (0 once everything was acknowledged). */
    public async payloadsLeft(): Promise<number> {
        return this.#queue.payloadCount(this.#groupIds[0]!);
    }

    public async close(): Promise<void> {
        await Promise.all([closeRedis(this.#client), closeRedis(this.#subscriber)]);
    }

    async #append(g: number): Promise<void> {
        const groupId = this.#groupIds[g]!;
        const result = await this.#queue.append({
            groupId,
            senderDeviceId: device(1),
            flags: 0,
            envelope: ENVELOPE,
            timestamp: Date.now(),
            limits: LIMITS,
            senderConnectionId: `c-${g}`,
        });
        const seq = (this.#lastSeq.get(groupId) ?? 0) + 1;
        this.#lastSeq.set(groupId, seq);
        let slots = this.#pendingAcks.get(groupId);
        if (slots === undefined) {
            slots = new Map();
            this.#pendingAcks.set(groupId, slots);
        }
        for (const recipient of result.recipients) {
            const seqs = slots.get(recipient);
            if (seqs === undefined) slots.set(recipient, [seq]);
            else seqs.push(seq);
        }
    }

    #flushAcks(): void {
        for (const [groupId, slots] of this.#pendingAcks) {
            this.#acksInFlight.push(
                this.#queue.ackMany(
                    groupId,
                    [...slots].map(([deviceId, seqs]) => ({ deviceId, seqs })),
                ),
            );
        }
        this.#pendingAcks.clear();
    }
}

const perGroup = Math.ceil(REFLECTIONS / GROUPS);
const reflections = perGroup * GROUPS;
const deliveries = reflections * RECEIVERS;

async function measureCpu(): Promise<void> {
    const redis = await startRedis(FSYNC);
    console.log(
        `queue scripts: Redis ${redis.version}, appendfsync ${FSYNC}, ${GROUPS} groups x ${RECEIVERS + 1} slots, ` +
            `${reflections} reflections per shape, ${ROUNDS} rounds (Redis CPU from /proc)`,
    );
    const fanOut = await FanOut.open(redis.url);
    for (let round = 1; round <= ROUNDS; round++) {
        for (const shape of SHAPES) {
            const calls = await redis.scriptCalls();
            const cpu = processCpuSeconds(redis.pid);
            await fanOut.run(shape, perGroup);
            const cpuUs = (processCpuSeconds(redis.pid) - cpu) * 1e6;
            const perReflection = ((await redis.scriptCalls()) - calls) / reflections;
            console.log(
                `round ${round} ${shape.name.padEnd(14)} Redis CPU ${(cpuUs / deliveries).toFixed(2)} µs/delivery, ` +
                    `${(cpuUs / reflections).toFixed(1)} µs/reflection, ${perReflection.toFixed(3)} script calls/reflection`,
            );
        }
    }
    console.log(`appended events received: ${fanOut.events}; payloads left in group 1: ${await fanOut.payloadsLeft()}`);
    await fanOut.close();
    await redis.stop();
}

/** Instructions a Redis under callgrind executes for set-up and `perGroup` reflections per group of `shape`. */
async function instructions(shape: Shape, groupReflections: number): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'd2m-queue-callgrind-'));
    try {
        const redis = await startRedisServer({
            appendfsync: FSYNC,
            name: 'd2m-queue-callgrind-redis',
            wrapper: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(dir, 'callgrind.out')}`],
        });
        const fanOut = await FanOut.open(redis.url);
        await fanOut.run(shape, groupReflections);
        const left = await fanOut.payloadsLeft();
        if (left !== 0) throw new Error(`${left} payloads were left after every acknowledgement`);
        await fanOut.close();
        // The server runs unreferenced: keep this process up until it has exited and written its counts.
        const keepAlive = setInterval(() => undefined, 1_000);
        try {
            await redis.stop();
        } finally {
            clearInterval(keepAlive);
        }
        let total = 0;
        for (const file of readdirSync(dir).filter((name) => name.startsWith('callgrind.out'))) {
            const summary = /^summary: (\d+)/mu.exec(readFileSync(join(dir, file), 'utf8'));
            if (summary === null) throw new Error(`no summary in ${file}`);
            total += Number(summary[1]);
        }
        return total;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

async function measureInstructions(): Promise<void> {
    console.log(
        `queue scripts: instructions Redis executes (valgrind callgrind), appendfsync ${FSYNC}, ${GROUPS} groups x ` +
            `${RECEIVERS + 1} slots, the difference between runs of ${reflections} and ${2 * reflections} reflections`,
    );
    for (const shape of SHAPES) {
        const once = await instructions(shape, perGroup);
        const twice = await instructions(shape, 2 * perGroup);
        const perReflectionCount = (twice - once) / reflections;
        console.log(
            `${shape.name.padEnd(14)} ${Math.round(perReflectionCount / RECEIVERS).toLocaleString('en-US')} instructions/delivery, ` +
                `${Math.round(perReflectionCount).toLocaleString('en-US')} instructions/reflection`,
        );
    }
}

if (CALLGRIND) await measureInstructions();
else await measureCpu();
