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
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import { nodeCryptoBackend } from '../../src/crypto/index.js';
import { checkChaosRun, type CheckResult } from './checker.js';
import { ChaosDevice, type DeviceEnvironment } from './device.js';
import type { ChaosAction, DeviceLog } from './events.js';
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

type Phase = 'chaos' | 'drain' | 'done';

interface ScheduledKill {
    readonly at: number;
    readonly kind: 'mediator' | 'redis' | 'postgres';
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
    ].sort((a, b) => a.at - b.at);
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

    let phase: Phase = 'chaos';
    const actions: ChaosAction[] = [];
    const act = (action: Omit<ChaosAction, 't'>): void => {
        actions.push({ t: now(), ...action });
    };
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
    };
    const devices: ChaosDevice[] = [];
    for (let group = 0; group < options.groups; group++) {
        const keys = deriveDeviceGroupKeys(nodeCryptoBackend, randomBytes(32));
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
    const chaosStart = performance.now();
    const kills = { mediator: 0, redis: 0, postgres: 0 };
    let killsWithLockHolder = 0;
    let killsWithLeader = 0;
    for (const kill of schedule(options, random)) {
        const wait = chaosStart + kill.at - performance.now();
        if (wait > 0) await sleep(wait);
        switch (kill.kind) {
            case 'mediator': {
                // Most kills aim at a node serving a lock holder (waiting up to 3 s for one), else a leader.
                const serving = (predicate: (device: ChaosDevice) => boolean): MediatorNode[] =>
                    nodes.filter((node) => devices.some((device) => device.node === node.name && predicate(device)));
                const aim = random.next() < 0.7;
                const aimUntil = performance.now() + 3_000;
                while (aim && serving((device) => device.holdsLock).length === 0 && performance.now() < aimUntil) {
                    await sleep(20);
                }
                const holders = serving((device) => device.holdsLock);
                const leading = serving((device) => device.isLeader);
                const target = !aim
                    ? random.pick(nodes)
                    : holders.length > 0
                      ? random.pick(holders)
                      : leading.length > 0
                        ? random.pick(leading)
                        : random.pick(nodes);
                const on = devices.filter((device) => device.node === target.name);
                const lockHolders = on.filter((device) => device.holdsLock).length;
                const leaders = on.filter((device) => device.isLeader).length;
                await target.kill();
                act({ kind: 'mediator-kill', target: target.name, lockHolders, leaders });
                kills.mediator += 1;
                if (lockHolders > 0) killsWithLockHolder += 1;
                if (leaders > 0) killsWithLeader += 1;
                await sleep(random.int(500, 3_000));
                await startWithRetries(target.name, () => target.start());
                act({ kind: 'mediator-start', target: target.name });
                progress(
                    `mediator kill ${kills.mediator}: ${target.name} (${on.length} devices, ${lockHolders} lock holders, ${leaders} leaders)`,
                );
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
    for (const node of nodes) await node.stop();
    await redis.stop();
    await postgres.stop();

    const logs: DeviceLog[] = devices.map((device) => ({
        group: device.group,
        deviceId: device.idText,
        events: device.events,
        stoppedBy: device.stoppedBy,
    }));
    const check = checkChaosRun(logs, actions, { fsync: options.fsync });
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
