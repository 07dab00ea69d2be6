/**
 * `npm run bench:queue-scripts`: what the reflection queue's scripts cost
 * Redis itself, per delivery, without a mediator or devices around them.
 *
 * A throwaway Redis (AOF on, the fsync policy of `--fsync`) and one
 * RedisReflectionQueue drive the fan-out of the benchmark's scenario 2:
 * G groups of 4 slots, device 1 of each reflects (named with its connection,
 * so the presence fence runs as in the mediator), the other three slots
 * acknowledge every item in batches per group, and a subscriber takes every
 * `appended` event as a node does. Each shape sends the same number of
 * reflections in one of two rhythms:
 *
 * - `batch K`: every sender has K reflections in flight (the closed loop's
 *   large batches);
 * - `one at a time`: in each event-loop turn every sender starts one
 *   reflection, and acks go out one group batch per stored call (the
 *   open loop at moderate load, where batches are small).
 *
 * Printed per shape: Redis CPU µs per delivery and per reflection (user +
 * system of the redis-server process, from /proc), and script calls per
 * reflection. Ratios between two builds of the scripts measured one after
 * the other on this machine are the figures to steer by; the absolute values
 * move with the machine.
 */
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { ensureDeviceId, type DeviceId } from '../../d2m/index.js';
import { RedisKeys } from '../../src/storage/redis/keys.js';
import { bufferCommander } from '../../src/storage/redis/redis-client.js';
import { RedisReflectionQueue } from '../../src/storage/redis/redis-reflection-queue.js';
import { LuaScripts } from '../../src/storage/redis/scripts.js';
import type { GroupId } from '../../src/storage/types.js';
import { processCpuSeconds, scriptCallsOf, startRedis, type AppendFsync } from './services.js';

const { values: flags } = parseArgs({
    options: {
        fsync: { type: 'string', default: 'always' },
        groups: { type: 'string', default: '32' },
        reflections: { type: 'string', default: '20000' },
        rounds: { type: 'string', default: '3' },
        shapes: { type: 'string', default: 'batch,one' },
        /** An external Redis instead of a throwaway one (for profiling it); its CPU needs --redis-pid. */
        'redis-url': { type: 'string' },
        'redis-pid': { type: 'string' },
    },
});
const FSYNC = flags.fsync as AppendFsync;
if (FSYNC !== 'always' && FSYNC !== 'everysec') throw new Error('--fsync must be always or everysec');
const GROUPS = Number(flags.groups);
const REFLECTIONS = Number(flags.reflections);
const ROUNDS = Number(flags.rounds);
const RECEIVERS = 3;
const ENVELOPE = new Uint8Array(256).fill(7);
const LIMITS = { maxCount: 1_000_000, maxBytes: 1_000_000_000 };
const ALIVE_UNTIL = Date.now() + 3_600_000;

interface Shape {
    readonly name: string;
    /** Reflections each sender keeps in flight; 0: one per sender per turn. */
    readonly window: number;
}

const SHAPES: readonly Shape[] = [
    { name: 'batch 32', window: 32 },
    { name: 'one at a time', window: 0 },
].filter((shape) => flags.shapes.split(',').includes(shape.name.split(' ')[0]!));

/** The parts of RedisInstance used here. */
interface Target {
    readonly url: string;
    readonly pid: number | undefined;
    readonly version: string;
    scriptCalls(): Promise<number>;
    stop(): Promise<void>;
}

async function external(url: string, pid: number | undefined): Promise<Target> {
    const probe = createClient({ url, RESP: 2 });
    await probe.connect();
    const version = /redis_version:(\S+)/u.exec(await probe.info('server'))?.[1] ?? '?';
    return {
        url,
        pid,
        version,
        scriptCalls: async () => scriptCallsOf(await probe.info('commandstats')),
        stop: async () => {
            await probe.quit();
        },
    };
}

const redis: Target =
    flags['redis-url'] === undefined
        ? await startRedis(FSYNC)
        : await external(flags['redis-url'], flags['redis-pid'] === undefined ? undefined : Number(flags['redis-pid']));
const client = createClient({ url: redis.url, RESP: 2 });
const subscriber = client.duplicate();
await Promise.all([client.connect(), subscriber.connect()]);
const commander = bufferCommander(client);
const scripts = await LuaScripts.load(commander);
const keys = new RedisKeys('qbench:');
const queue = new RedisReflectionQueue({ client: commander, scripts, keys });

const device = (n: number): DeviceId => ensureDeviceId(BigInt(n));
const groupIds: GroupId[] = [];
let events = 0;
for (let g = 0; g < GROUPS; g++) {
    const groupId = `${'0'.repeat(60)}${String(g).padStart(4, '0')}` as GroupId;
    groupIds.push(groupId);
    for (let d = 1; d <= RECEIVERS + 1; d++) await queue.addSlot(groupId, device(d));
    await client.hSet(
        keys.coordinator(groupId).presence,
        String(device(1)),
        JSON.stringify({
            c: `c-${g}`,
            n: 'bench',
            s: '0',
            e: false,
            p: false,
            x: String(ALIVE_UNTIL),
        }),
    );
    await subscriber.sSubscribe(keys.channel(groupId), () => {
        events += 1;
    });
}

/** Acks of one group waiting to be sent: seqs per receiving slot. */
const pendingAcks = new Map<GroupId, Map<DeviceId, number[]>>();
let acksInFlight: Promise<unknown>[] = [];

function noteDelivered(groupId: GroupId, recipients: readonly DeviceId[], seqOf: (d: DeviceId) => number): void {
    let slots = pendingAcks.get(groupId);
    if (slots === undefined) {
        slots = new Map();
        pendingAcks.set(groupId, slots);
    }
    for (const recipient of recipients) {
        let seqs = slots.get(recipient);
        if (seqs === undefined) {
            seqs = [];
            slots.set(recipient, seqs);
        }
        seqs.push(seqOf(recipient));
    }
}

function flushAcks(): void {
    for (const [groupId, slots] of pendingAcks) {
        acksInFlight.push(
            queue.ackMany(
                groupId,
                [...slots].map(([deviceId, seqs]) => ({ deviceId, seqs })),
            ),
        );
    }
    pendingAcks.clear();
}

/** Every receiving slot's next seq per group (the queue numbers them from 1 on, per slot). */
const nextSeq = new Map<GroupId, number>();

function append(g: number): Promise<void> {
    const groupId = groupIds[g]!;
    return queue
        .append({
            groupId,
            senderDeviceId: device(1),
            flags: 0,
            envelope: ENVELOPE,
            timestamp: Date.now(),
            limits: LIMITS,
            senderConnectionId: `c-${g}`,
        })
        .then((result) => {
            const seq = (nextSeq.get(groupId) ?? 0) + 1;
            nextSeq.set(groupId, seq);
            noteDelivered(groupId, result.recipients, () => seq);
        });
}

async function runShape(shape: Shape): Promise<{ cpuUs: number; calls: number }> {
    const perGroup = Math.ceil(REFLECTIONS / GROUPS);
    const callsBefore = await redis.scriptCalls();
    const cpuBefore = processCpuSeconds(redis.pid);
    if (shape.window > 0) {
        // Each sender keeps `window` appends in flight; acks go out per group once a turn.
        const ackTimer = setInterval(flushAcks, 1);
        await Promise.all(
            groupIds.map(async (_, g) => {
                let started = 0;
                const inFlight = new Set<Promise<void>>();
                while (started < perGroup) {
                    while (inFlight.size < shape.window && started < perGroup) {
                        const p: Promise<void> = append(g).finally(() => inFlight.delete(p));
                        inFlight.add(p);
                        started += 1;
                    }
                    await Promise.race(inFlight);
                }
                await Promise.all(inFlight);
            }),
        );
        clearInterval(ackTimer);
        flushAcks();
    } else {
        for (let i = 0; i < perGroup; i++) {
            await Promise.all(groupIds.map((_, g) => append(g)));
            flushAcks();
        }
    }
    await Promise.all(acksInFlight);
    acksInFlight = [];
    const cpu = processCpuSeconds(redis.pid) - cpuBefore;
    const calls = (await redis.scriptCalls()) - callsBefore;
    return { cpuUs: cpu * 1e6, calls };
}

console.log(
    `queue scripts: Redis ${redis.version}, appendfsync ${FSYNC}, ${GROUPS} groups x ${RECEIVERS + 1} slots, ${REFLECTIONS} reflections per shape, ${ROUNDS} rounds`,
);
for (let round = 1; round <= ROUNDS; round++) {
    for (const shape of SHAPES) {
        const { cpuUs, calls } = await runShape(shape);
        const reflections = Math.ceil(REFLECTIONS / GROUPS) * GROUPS;
        const deliveries = reflections * RECEIVERS;
        console.log(
            `round ${round} ${shape.name.padEnd(14)} Redis CPU ${(cpuUs / deliveries).toFixed(2)} µs/delivery, ` +
                `${(cpuUs / reflections).toFixed(1)} µs/reflection, ${(calls / reflections).toFixed(3)} calls/reflection`,
        );
    }
}
const left = await client.hLen(keys.queue(groupIds[0]!).payloads);
console.log(`events received: ${events}; payloads left in group 1: ${left}`);
await Promise.all([client.quit(), subscriber.quit()]);
await redis.stop();
