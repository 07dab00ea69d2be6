/**
 * One chaos run: private Redis and PostgreSQL, two mediator nodes, device
 * groups of chaos devices (device.ts) reflecting and transacting while the
 * harness SIGKILLs mediator nodes and Redis and crashes PostgreSQL, then a
 * drain and the checker (checker.ts).
 *
 * Phases:
 * 1. set-up: services, nodes, every device connected once;
 * 2. chaos (`durationS`): devices reflect; the kills run one after another
 *    at seeded, jittered times spread over the phase, each followed by a
 *    restart on the same port (mediator: after 0.5-3 s, Redis: 0.5-2 s,
 *    PostgreSQL: 2 s) — a mediator kill picks, when it can, a node serving a
 *    lock holder or a leader;
 * 3. drain: no more Reflects; every device reconnects (back-off cut short)
 *    and receives its queue. The drain ends when every device is connected
 *    with its backlog delivered and has received every acknowledged
 *    reflection of the others, or, when something is missing, once nothing
 *    has arrived for 5 s and the dead nodes' locks and leader roles have
 *    expired (3 presence TTLs), or at `drainTimeoutS`;
 * 4. every device closes, the nodes drain, the logs are checked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { checkChaosRun, type CheckResult } from './checker.js';
import { ChaosDevice, type DeviceEnvironment } from './device.js';
import type { ChaosAction, DeviceLog } from './events.js';
import { atExit } from '../lib/processes.js';
import { Random } from './random.js';
import {
    createMediatorNode,
    removeRunDir,
    sleep,
    startChaosPostgres,
    startChaosRedis,
    type AppendFsync,
    type MediatorNode,
} from './services.js';

export interface ChaosOptions {
    readonly durationS: number;
    readonly groups: number;
    readonly devicesPerGroup: number;
    readonly mediatorKills: number;
    readonly redisKills: number;
    readonly postgresRestarts: number;
    /** SIGSTOP of a node for 1.5-3 presence TTLs, then SIGCONT. */
    readonly pauses: number;
    /** A node cut off from Redis (connections held open, nothing passes) for 1.5-3 presence TTLs. */
    readonly redisPartitions: number;
    /** The same from PostgreSQL. */
    readonly postgresPartitions: number;
    /** SIGKILL of a node and an immediate restart under the same node id. */
    readonly sameIdRestarts: number;
    /** SIGKILL of a node right after one of its devices got a ReflectAck inside a transaction. */
    readonly ackKills: number;
    /** Processes that keep one core each busy for the whole run (a loaded machine). */
    readonly burnCores: number;
    readonly fsync: AppendFsync;
    /** Reconnect back-off after a failed attempt (reference §6: 5 s). */
    readonly backoffMs: number;
    readonly seed: number;
    /** Reflections per second over all devices (while connected). */
    readonly rate: number;
    readonly presenceTtlMs: number;
    readonly drainTimeoutS: number;
    readonly transactionProbability: number;
    /** Keep the run directory (service logs, event logs) even when the run passed. */
    readonly keep: boolean;
}

export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
    durationS: 600,
    groups: 100,
    devicesPerGroup: 4,
    mediatorKills: 20,
    redisKills: 5,
    postgresRestarts: 1,
    pauses: 4,
    redisPartitions: 3,
    postgresPartitions: 2,
    sameIdRestarts: 3,
    ackKills: 3,
    burnCores: 1,
    fsync: 'always',
    backoffMs: 5_000,
    seed: 1,
    rate: 260,
    presenceTtlMs: 3_000,
    drainTimeoutS: 120,
    transactionProbability: 0.04,
    keep: false,
};

export interface ChaosRunResult {
    readonly options: ChaosOptions;
    readonly check: CheckResult;
    readonly actions: readonly ChaosAction[];
    readonly kills: { readonly mediator: number; readonly redis: number; readonly postgres: number };
    /** The faults beyond crashes, as carried out. */
    readonly faults: {
        readonly pauses: number;
        readonly redisPartitions: number;
        readonly postgresPartitions: number;
        readonly sameIdRestarts: number;
        readonly ackKills: number;
        /** Ack kills whose wait for an in-transaction ReflectAck ran out (then a plain kill). */
        readonly ackKillsWithoutAck: number;
    };
    /** Mediator kills that hit a node serving a lock holder / a leader. */
    readonly killsWithLockHolder: number;
    readonly killsWithLeader: number;
    readonly toleratedCloses: Readonly<Record<string, number>>;
    readonly chaosS: number;
    readonly drainS: number;
    readonly drainComplete: boolean;
    readonly wallS: number;
    readonly runDir: string;
    readonly kept: boolean;
    readonly services: { readonly redis: string; readonly postgres: string };
}

type Phase = 'setup' | 'chaos' | 'drain' | 'done';

type FaultKind =
    | 'mediator'
    | 'redis'
    | 'postgres'
    | 'pause'
    | 'redis-partition'
    | 'postgres-partition'
    | 'same-id-restart'
    | 'ack-kill';

interface ScheduledKill {
    readonly at: number;
    readonly kind: FaultKind;
}

/** Kill times spread evenly over [5 %, 90 %] of the chaos phase, each jittered within its slot. */
function schedule(options: ChaosOptions, random: Random): ScheduledKill[] {
    const durationMs = options.durationS * 1000;
    const spread = (count: number, kind: ScheduledKill['kind']): ScheduledKill[] => {
        const from = durationMs * 0.05;
        const slot = (durationMs * 0.85) / Math.max(1, count);
        return Array.from({ length: count }, (_, index) => ({
            at: from + slot * index + random.next() * slot * 0.8,
            kind,
        }));
    };
    return [
        ...spread(options.mediatorKills, 'mediator'),
        ...spread(options.redisKills, 'redis'),
        ...spread(options.postgresRestarts, 'postgres'),
        ...spread(options.pauses, 'pause'),
        ...spread(options.redisPartitions, 'redis-partition'),
        ...spread(options.postgresPartitions, 'postgres-partition'),
        ...spread(options.sameIdRestarts, 'same-id-restart'),
        ...spread(options.ackKills, 'ack-kill'),
    ].sort((a, b) => a.at - b.at);
}

/** `count` processes that each keep one core busy until stopped (or this process exits). */
function startBurners(count: number): ChildProcess[] {
    const burners: ChildProcess[] = [];
    for (let i = 0; i < count; i++) {
        const burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
        burner.on('error', () => undefined);
        atExit(() => burner.kill('SIGKILL'));
        burners.push(burner);
    }
    return burners;
}

function stopBurners(burners: readonly ChildProcess[]): void {
    for (const burner of burners) burner.kill('SIGKILL');
}

async function startWithRetries(what: string, start: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        try {
            await start();
            return;
        } catch (error) {
            if (attempt >= 10) throw error;
            process.stderr.write(`chaos: ${what} did not start (attempt ${attempt}), retrying\n`);
            await sleep(1_000);
        }
    }
}

export async function runChaos(
    options: ChaosOptions,
    progress: (line: string) => void = () => undefined,
): Promise<ChaosRunResult> {
    const started = performance.now();
    const now = (): number => performance.timeOrigin + performance.now();
    const random = new Random(options.seed);
    const runDir = mkdtempSync(join(tmpdir(), 'd2m-chaos-'));
    progress(`run directory ${runDir}`);
    const redis = await startChaosRedis(runDir, options.fsync);
    const postgres = await startChaosPostgres(runDir);
    progress(
        `redis ${redis.url} (appendfsync ${options.fsync}), postgres ${postgres.version} on port ${postgres.port}`,
    );
    const nodes: MediatorNode[] = [];
    for (const name of ['node-a', 'node-b']) {
        const node = await createMediatorNode({
            name,
            redisUrl: redis.url,
            databaseUrl: postgres.url,
            presenceTtlMs: options.presenceTtlMs,
            logDir: runDir,
        });
        // One after the other: the first applies the migrations.
        await node.start();
        nodes.push(node);
    }
    progress(`mediators ${nodes.map((node) => `${node.name} ${node.url}`).join(', ')}`);

    let phase: Phase = 'setup';
    const actions: ChaosAction[] = [];
    const act = (action: Omit<ChaosAction, 't'>): void => {
        actions.push({ t: now(), ...action });
    };
    let ackHook: ((device: ChaosDevice) => void) | undefined;
    const devicesTotal = options.groups * options.devicesPerGroup;
    const batchMax = 3;
    const env: DeviceEnvironment = {
        now,
        pickNode: () => random.pick(nodes),
        phase: () => phase,
        backoffMs: options.backoffMs,
        handshakeTimeoutMs: 10_000,
        batchIntervalMs: (devicesTotal * ((1 + batchMax) / 2) * 1000) / options.rate,
        batchMax,
        transactionProbability: options.transactionProbability,
        transactionHoldMs: 800,
        delayedAckProbability: 0.2,
        random,
        onTransactionReflectAck: (device) => ackHook?.(device),
    };
    const devices: ChaosDevice[] = [];
    for (let group = 0; group < options.groups; group++) {
        const keys = deriveDeviceGroupKeys(sodiumCryptoBackend, randomBytes(32));
        for (let index = 1; index <= options.devicesPerGroup; index++) {
            devices.push(new ChaosDevice(group, BigInt(group * 1000 + index), keys, env));
        }
    }
    const runs: Promise<void>[] = [];
    for (const device of devices) {
        runs.push(device.run());
        await sleep(5);
    }
    const setupDeadline = Date.now() + 60_000;
    while (!devices.every((device) => device.ready) && Date.now() < setupDeadline) await sleep(100);
    progress(`${devices.filter((device) => device.ready).length}/${devices.length} devices connected; chaos starts`);

    // ---- chaos ----
    phase = 'chaos';
    const burners = startBurners(options.burnCores);
    const chaosStart = performance.now();
    const kills = { mediator: 0, redis: 0, postgres: 0 };
    const faults = {
        pauses: 0,
        redisPartitions: 0,
        postgresPartitions: 0,
        sameIdRestarts: 0,
        ackKills: 0,
        ackKillsWithoutAck: 0,
    };
    let killsWithLockHolder = 0;
    let killsWithLeader = 0;
    const serving = (predicate: (device: ChaosDevice) => boolean): MediatorNode[] =>
        nodes.filter((node) => devices.some((device) => device.node === node.name && predicate(device)));
    /** Most faults aim at a node serving a lock holder (waiting up to 3 s for one), else a leader. */
    const aim = async (): Promise<MediatorNode> => {
        const aimed = random.next() < 0.7;
        const aimUntil = performance.now() + 3_000;
        while (aimed && serving((device) => device.holdsLock).length === 0 && performance.now() < aimUntil) {
            await sleep(20);
        }
        const holders = serving((device) => device.holdsLock);
        const leading = serving((device) => device.isLeader);
        if (!aimed) return random.pick(nodes);
        if (holders.length > 0) return random.pick(holders);
        if (leading.length > 0) return random.pick(leading);
        return random.pick(nodes);
    };
    const roles = (node: MediatorNode): { devices: number; lockHolders: number; leaders: number } => {
        const on = devices.filter((device) => device.node === node.name);
        return {
            devices: on.length,
            lockHolders: on.filter((device) => device.holdsLock).length,
            leaders: on.filter((device) => device.isLeader).length,
        };
    };
    const recordKill = (
        node: MediatorNode,
        seen: { lockHolders: number; leaders: number },
        reason: 'kill' | 'after-transaction-ack' | 'same-id-restart',
    ): void => {
        act({ kind: 'mediator-kill', target: node.name, lockHolders: seen.lockHolders, leaders: seen.leaders, reason });
        kills.mediator += 1;
        if (seen.lockHolders > 0) killsWithLockHolder += 1;
        if (seen.leaders > 0) killsWithLeader += 1;
    };
    /** How long a stall or partition lasts: 1.5 to 3 presence TTLs, so presences expire meanwhile. */
    const faultMs = (): number => random.int(Math.round(options.presenceTtlMs * 1.5), options.presenceTtlMs * 3);
    for (const kill of schedule(options, random)) {
        const wait = chaosStart + kill.at - performance.now();
        if (wait > 0) await sleep(wait);
        switch (kill.kind) {
            case 'mediator': {
                const target = await aim();
                const seen = roles(target);
                await target.kill();
                recordKill(target, seen, 'kill');
                await sleep(random.int(500, 3_000));
                await startWithRetries(target.name, () => target.start());
                act({ kind: 'mediator-start', target: target.name });
                progress(
                    `mediator kill ${kills.mediator}: ${target.name} (${seen.devices} devices, ${seen.lockHolders} lock holders, ${seen.leaders} leaders)`,
                );
                break;
            }
            case 'same-id-restart': {
                const target = await aim();
                const seen = roles(target);
                await target.kill();
                recordKill(target, seen, 'same-id-restart');
                await startWithRetries(target.name, () => target.start({ sameId: true }));
                act({ kind: 'mediator-start', target: target.name });
                faults.sameIdRestarts += 1;
                progress(`restart under the same node id ${target.nodeId} (${seen.devices} devices)`);
                break;
            }
            case 'ack-kill': {
                // Kill the node of the first device that gets a ReflectAck inside a transaction, in that callback.
                let victim: MediatorNode | undefined;
                let seen = { lockHolders: 0, leaders: 0 };
                const acked = new Promise<boolean>((resolve) => {
                    const timer = setTimeout(() => resolve(false), 10_000);
                    ackHook = (device) => {
                        const node = nodes.find((candidate) => candidate.name === device.node);
                        if (node === undefined || !node.running) return;
                        seen = roles(node);
                        node.killNow();
                        victim = node;
                        ackHook = undefined;
                        clearTimeout(timer);
                        resolve(true);
                    };
                });
                const got = await acked;
                ackHook = undefined;
                if (!got || victim === undefined) {
                    faults.ackKillsWithoutAck += 1;
                    victim = await aim();
                    seen = roles(victim);
                    await victim.kill();
                }
                const target: MediatorNode = victim;
                recordKill(target, seen, got ? 'after-transaction-ack' : 'kill');
                faults.ackKills += 1;
                await sleep(random.int(500, 3_000));
                await startWithRetries(target.name, () => target.start());
                act({ kind: 'mediator-start', target: target.name });
                progress(
                    `kill ${got ? 'right after an in-transaction ReflectAck' : '(no in-transaction ack came)'}: ${target.name}`,
                );
                break;
            }
            case 'pause': {
                const target = await aim();
                const seen = roles(target);
                const ms = faultMs();
                target.pause();
                act({
                    kind: 'mediator-pause',
                    target: target.name,
                    lockHolders: seen.lockHolders,
                    leaders: seen.leaders,
                });
                await sleep(ms);
                target.resume();
                act({ kind: 'mediator-resume', target: target.name });
                faults.pauses += 1;
                progress(
                    `pause of ${target.name} for ${ms} ms (${seen.lockHolders} lock holders, ${seen.leaders} leaders)`,
                );
                break;
            }
            case 'redis-partition':
            case 'postgres-partition': {
                const link = kill.kind === 'redis-partition' ? 'redis' : 'postgres';
                const target = await aim();
                const ms = faultMs();
                target.partition(link);
                act({ kind: `${link}-partition`, target: target.name });
                await sleep(ms);
                await target.heal(link);
                act({ kind: `${link}-heal`, target: target.name });
                if (link === 'redis') faults.redisPartitions += 1;
                else faults.postgresPartitions += 1;
                progress(`${target.name} cut off from ${link} for ${ms} ms`);
                break;
            }
            case 'redis':
                await redis.kill();
                act({ kind: 'redis-kill', target: 'redis' });
                kills.redis += 1;
                await sleep(random.int(500, 2_000));
                await startWithRetries('redis', () => redis.start());
                act({ kind: 'redis-start', target: 'redis' });
                progress(`redis kill ${kills.redis}`);
                break;
            case 'postgres':
                await postgres.crash();
                act({ kind: 'postgres-crash', target: 'postgres' });
                kills.postgres += 1;
                await sleep(2_000);
                await startWithRetries('postgres', () => postgres.start());
                act({ kind: 'postgres-start', target: 'postgres' });
                progress(`postgres restart ${kills.postgres}`);
                break;
            default:
                kill.kind satisfies never;
        }
    }
    const rest = chaosStart + options.durationS * 1000 - performance.now();
    if (rest > 0) await sleep(rest);
    phase = 'drain';
    act({ kind: 'chaos-end', target: '' });
    const chaosS = (performance.now() - chaosStart) / 1000;
    progress(`chaos over after ${chaosS.toFixed(0)} s; draining`);

    // ---- drain ----
    for (const device of devices) device.wake();
    const drainStart = performance.now();
    const byGroup = new Map<number, ChaosDevice[]>();
    for (const device of devices) byGroup.set(device.group, [...(byGroup.get(device.group) ?? []), device]);
    const allReceived = (): boolean => {
        for (const members of byGroup.values()) {
            for (const sender of members) {
                for (const receiver of members) {
                    if (receiver === sender || receiver.stoppedBy !== undefined) continue;
                    const got = receiver.received.get(sender.idText);
                    if (sender.acked.some((seq) => got?.has(seq) !== true)) return false;
                }
            }
        }
        return true;
    };
    let lastEventCount = -1;
    let lastChange = performance.now();
    let drainComplete = false;
    while (performance.now() - drainStart < options.drainTimeoutS * 1000) {
        await sleep(500);
        const eventCount = devices.reduce((sum, device) => sum + device.events.length, 0);
        if (eventCount !== lastEventCount) {
            lastEventCount = eventCount;
            lastChange = performance.now();
        }
        const live = devices.filter((device) => device.stoppedBy === undefined);
        if (!live.every((device) => device.ready)) continue;
        if (allReceived()) {
            drainComplete = true;
            break;
        }
        const quiet = performance.now() - lastChange >= 5_000;
        if (quiet && performance.now() - drainStart >= 3 * options.presenceTtlMs + 5_000) break;
    }
    // A short quiet period catches late duplicates.
    await sleep(1_000);
    const drainS = (performance.now() - drainStart) / 1000;
    phase = 'done';
    act({ kind: 'drain-end', target: '' });
    progress(`drain ${drainComplete ? 'complete' : 'incomplete'} after ${drainS.toFixed(1)} s; closing`);
    await Promise.all(devices.map((device) => device.close()));
    for (const device of devices) device.wake();
    await Promise.all(runs);
    stopBurners(burners);
    for (const node of nodes) await node.stop();
    await redis.stop();
    await postgres.stop();

    const logs: DeviceLog[] = devices.map((device) => ({
        group: device.group,
        deviceId: device.idText,
        events: device.events,
        stoppedBy: device.stoppedBy,
    }));
    const check = checkChaosRun(logs, actions, { fsync: options.fsync, presenceTtlMs: options.presenceTtlMs });
    const toleratedCloses: Record<string, number> = {};
    for (const device of devices) {
        for (const code of device.toleratedCloses) toleratedCloses[code] = (toleratedCloses[code] ?? 0) + 1;
    }
    const kept = options.keep || check.violationCount > 0 || !drainComplete;
    if (kept) {
        const lines: string[] = [];
        for (const action of actions) lines.push(JSON.stringify({ action }));
        for (const log of logs) {
            for (const event of log.events)
                lines.push(JSON.stringify({ group: log.group, device: log.deviceId, ...event }));
        }
        writeFileSync(join(runDir, 'events.jsonl'), `${lines.join('\n')}\n`);
    } else {
        removeRunDir(runDir);
    }
    return {
        options,
        check,
        actions,
        kills,
        faults,
        killsWithLockHolder,
        killsWithLeader,
        toleratedCloses,
        chaosS,
        drainS,
        drainComplete,
        wallS: (performance.now() - started) / 1000,
        runDir,
        kept,
        services: { redis: `appendonly yes, appendfsync ${options.fsync}`, postgres: postgres.version },
    };
}
