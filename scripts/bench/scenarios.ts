/**
 * The mediator-only scenarios: handshake storm, idle connections and
 * offline drain. Each runs against a mediator child process and reads the
 * mediator's CPU and memory from that process's own accounting.
 */
import { performance } from 'node:perf_hooks';
import type { DeviceClient } from '../../src/device/index.js';
import { closeAll, connectDevice, devicePlan, mapBounded, newGroupKeys } from './devices.js';
import { sealBenchEnvelope } from './fanout.js';
import { cpuSeconds, type MediatorChild } from './mediator-protocol.js';
import { sleep } from './services.js';

/**
 * Reconnect storms after the first one that warm the process up and are not
 * measured: in a perf profile of the mediator (Redis everysec, 14 storms of
 * 800 devices), V8's optimising compiler took 18-39% of the mediator's CPU
 * during the first five storms and mostly under 10% after them.
 */
export const WARM_UP_RECONNECT_STORMS = 3;
/** Reconnect storms run after the warm-up ones; the median of them is the warm figure. */
export const WARM_RECONNECT_STORMS = 3;
/** The number (1 = the first login) of the first warm storm. */
export const FIRST_WARM_STORM = 3 + WARM_UP_RECONNECT_STORMS;

const GIB = 1024 ** 3;
const DRAIN_TIMEOUT_MS = 120_000;
const SESSION_SETTLE_TIMEOUT_MS = 30_000;
const IDLE_SETTLE_MS = 250;
const IDLE_STEPS = 3;
const IDLE_SETTLE_MAX_MS = 4000;

// ---- handshake storm ----

export interface StormResult {
    readonly devices: number;
    readonly connected: number;
    readonly failed: number;
    readonly seconds: number;
    /** Completed handshakes (ServerInfo received) per second of the storm. */
    readonly handshakesPerS: number;
    readonly mediatorCpuS: number;
    readonly mediatorCpuMsPerHandshake: number;
    /** The rate one fully used core of mediator CPU would allow: 1 / CPU per handshake. */
    readonly cpuBoundHandshakesPerS: number;
    readonly firstError: string | undefined;
}

export interface HandshakeResult {
    /** Every device connects for the first time: groups and slots are created. */
    readonly firstLogin: StormResult;
    /** The same devices connect again at once (their slots exist): the first reconnect storm. */
    readonly reconnect: StormResult;
    /**
     * Further reconnect storms of the same devices in the same process, the
     * one with the median CPU per handshake: a mediator that has served
     * storms before, its hot paths compiled (the first storms of a process
     * also pay for V8's optimising compiler, on its background threads;
     * see WARM_UP_RECONNECT_STORMS).
     */
    readonly reconnectWarm: StormResult;
}

async function storm(
    mediator: MediatorChild,
    plan: ReturnType<typeof devicePlan>,
): Promise<{ result: StormResult; clients: DeviceClient[] }> {
    const before = await mediator.sample();
    const t0 = performance.now();
    const settled = await Promise.allSettled(
        plan.map(({ keys, deviceId }) => connectDevice(mediator.url, keys, deviceId)),
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = await mediator.sample();
    const clients: DeviceClient[] = [];
    let firstError: string | undefined;
    for (const outcome of settled) {
        if (outcome.status === 'fulfilled') clients.push(outcome.value);
        else firstError ??= outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    }
    const mediatorCpuS = cpuSeconds(after) - cpuSeconds(before);
    const perHandshakeS = clients.length > 0 ? mediatorCpuS / clients.length : Number.NaN;
    return {
        clients,
        result: {
            devices: plan.length,
            connected: clients.length,
            failed: plan.length - clients.length,
            seconds,
            handshakesPerS: clients.length / seconds,
            mediatorCpuS,
            mediatorCpuMsPerHandshake: perHandshakeS * 1000,
            cpuBoundHandshakesPerS: 1 / perHandshakeS,
            firstError,
        },
    };
}

/**
 * `devices` devices (groups of `devicesPerGroup`) connect at once: first login, then again as a
 * reconnect storm, then {@link WARM_UP_RECONNECT_STORMS} reconnect storms to warm up and
 * {@link WARM_RECONNECT_STORMS} measured ones.
 */
export async function handshakeStorm(
    mediator: MediatorChild,
    devices: number,
    devicesPerGroup: number,
): Promise<HandshakeResult> {
    const keys = newGroupKeys(Math.ceil(devices / devicesPerGroup));
    const plan = devicePlan(keys, devicesPerGroup, devices);
    const first = await storm(mediator, plan);
    await closeAll(first.clients);
    await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
    const again = await storm(mediator, plan);
    await closeAll(again.clients);
    await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
    for (let i = 0; i < WARM_UP_RECONNECT_STORMS; i++) {
        const next = await storm(mediator, plan);
        await closeAll(next.clients);
        await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
    }
    const warm: StormResult[] = [];
    for (let i = 0; i < WARM_RECONNECT_STORMS; i++) {
        const next = await storm(mediator, plan);
        await closeAll(next.clients);
        await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
        warm.push(next.result);
    }
    warm.sort((a, b) => a.mediatorCpuMsPerHandshake - b.mediatorCpuMsPerHandshake);
    const reconnectWarm = warm[Math.floor(warm.length / 2)]!;
    return { firstLogin: first.result, reconnect: again.result, reconnectWarm };
}

// ---- idle connections ----

export interface IdleStep {
    /** Devices connected in total after this step. */
    readonly devices: number;
    readonly rssBytes: number;
    readonly heapBytes: number;
    readonly newSpaceCommittedBytes: number;
}

export interface IdleResult {
    /** Devices connected before the first sample (they warm up pools, code and group state). */
    readonly baselineDevices: number;
    /** Devices connected after it, in `steps.length - 1` equal steps. */
    readonly devices: number;
    readonly connectSeconds: number;
    /** A sample after full GCs before the measured devices and after each step. */
    readonly steps: readonly IdleStep[];
    /**
     * Growth of (RSS − V8's committed young generation) from the first to the
     * last sample, per device added. The young generation is empty after a
     * full GC but stays committed, and V8 grows it with the allocation rate,
     * not with connections. Taking the whole span (rather than a fit over the
     * steps) keeps a one-off allocator jump in between from counting more
     * than once.
     */
    readonly rssPerConnectionBytes: number;
    /** (last RSS − first RSS) / devices, young generation included, for comparison. */
    readonly rssPerConnectionOverallBytes: number;
    /** The same growth for the V8 heap plus external memory. */
    readonly heapPerConnectionBytes: number;
    /** 1 GiB / RSS per connection: authenticated idle devices per GiB of added mediator memory. */
    readonly devicesPerGiB: number;
    /** All devices connected / total RSS, the process's base memory included. */
    readonly devicesPerGiBTotal: number;
}

/**
 * Waits (at most IDLE_SETTLE_MAX_MS) until the mediator's memory stops
 * shrinking: right after start-up V8 gives back the young generation and
 * start-up garbage over a second or two.
 */
async function settleMemory(mediator: MediatorChild): Promise<void> {
    const deadline = performance.now() + IDLE_SETTLE_MAX_MS;
    let previous = await mediator.sample(true);
    while (performance.now() < deadline) {
        await sleep(IDLE_SETTLE_MS);
        const current = await mediator.sample(true);
        const stable =
            Math.abs(current.rssBytes - previous.rssBytes) < 1024 * 1024 &&
            current.newSpaceCommittedBytes === previous.newSpaceCommittedBytes;
        previous = current;
        if (stable) return;
    }
}

/**
 * Connects `devices` authenticated devices (groups of `devicesPerGroup`,
 * `concurrency` at a time) that then stay idle. The first quarter connects
 * before the first sample, so first-use allocations (code, pools, buffers)
 * do not count as per-connection memory; the rest connect in `steps` equal
 * steps with a sample (after full GCs) after each (the steps show whether
 * growth is linear; the figures use the first and last sample).
 */
export async function idleConnections(
    mediator: MediatorChild,
    devices: number,
    devicesPerGroup: number,
    concurrency: number,
    steps = IDLE_STEPS,
): Promise<IdleResult> {
    const groups = Math.ceil(devices / devicesPerGroup);
    const keys = newGroupKeys(groups);
    const plan = devicePlan(keys, devicesPerGroup, groups * devicesPerGroup);
    // Whole groups in each step, so no group is half warm.
    const groupsWarm = Math.max(1, Math.round(groups / 4));
    const groupsPerStep = Math.max(1, Math.floor((groups - groupsWarm) / steps));
    const connect = (part: typeof plan): Promise<DeviceClient[]> =>
        mapBounded(part, concurrency, ({ keys: groupKeys, deviceId }) =>
            connectDevice(mediator.url, groupKeys, deviceId),
        );
    const clients: DeviceClient[] = [];
    const samples: IdleStep[] = [];
    const take = async (): Promise<void> => {
        // Let late frames (ReflectionQueueDry, leader promotion) settle first.
        await sleep(IDLE_SETTLE_MS);
        const sample = await mediator.sample(true);
        samples.push({
            devices: clients.length,
            rssBytes: sample.rssBytes,
            heapBytes: sample.heapUsedBytes + sample.externalBytes,
            newSpaceCommittedBytes: sample.newSpaceCommittedBytes,
        });
    };
    let connectSeconds = 0;
    await settleMemory(mediator);
    try {
        clients.push(...(await connect(plan.slice(0, groupsWarm * devicesPerGroup))));
        await take();
        for (let step = 0; step < steps; step++) {
            const from = (groupsWarm + step * groupsPerStep) * devicesPerGroup;
            const to = step === steps - 1 ? plan.length : from + groupsPerStep * devicesPerGroup;
            if (to <= from) break;
            const t0 = performance.now();
            clients.push(...(await connect(plan.slice(from, to))));
            connectSeconds += (performance.now() - t0) / 1000;
            await take();
        }
    } finally {
        await closeAll(clients);
        await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
    }
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const measured = last.devices - first.devices;
    const steady = (sample: IdleStep): number => sample.rssBytes - sample.newSpaceCommittedBytes;
    const rssPerConnectionBytes = (steady(last) - steady(first)) / measured;
    return {
        baselineDevices: first.devices,
        devices: measured,
        connectSeconds,
        steps: samples,
        rssPerConnectionBytes,
        rssPerConnectionOverallBytes: (last.rssBytes - first.rssBytes) / measured,
        heapPerConnectionBytes: (last.heapBytes - first.heapBytes) / measured,
        devicesPerGiB: GIB / rssPerConnectionBytes,
        devicesPerGiBTotal: last.devices / (last.rssBytes / GIB),
    };
}

// ---- offline drain ----

export interface DrainResult {
    /** Reflections queued for the offline device (the count asked for, or fewer when filling ran out of time). */
    readonly queued: number;
    /** Reflections per second while the queue was filled (one sender, closed loop). */
    readonly fillPerS: number;
    readonly drained: number;
    readonly drainSeconds: number;
    /** Reflections per second from the reconnect until ReflectionQueueDry, handshake included. */
    readonly drainPerS: number;
    /** CPU seconds of the mediator and of the load generator (the receiving device) during the drain. */
    readonly drainMediatorCpuS: number;
    readonly drainHarnessCpuS: number;
    readonly storageBytesBefore: number;
    readonly storageBytesAfter: number;
    /** Storage memory growth per queued reflection (Redis used_memory, or the embedded mediator's heap). */
    readonly storageBytesPerReflection: number;
    readonly storageMeasure: string;
}

/**
 * Sends up to `count` reflections from one client with at most `window`
 * unacknowledged, starting no new one after `deadline` (performance.now()).
 * Resolves to the number acknowledged.
 */
async function reflectMany(
    client: DeviceClient,
    payload: Uint8Array,
    count: number,
    window: number,
    deadline: number,
): Promise<number> {
    let sent = 0;
    let acked = 0;
    let failure: Error | undefined;
    const lane = async (): Promise<void> => {
        while (sent < count && failure === undefined && performance.now() < deadline) {
            sent++;
            await client.reflect(payload).then(
                () => void acked++,
                (error: unknown) => {
                    failure ??= error instanceof Error ? error : new Error('reflect failed');
                },
            );
        }
    };
    await Promise.all(Array.from({ length: window }, lane));
    if (failure !== undefined) throw failure;
    return acked;
}

/**
 * One device goes offline; up to `count` reflections (as many as fit in
 * `fillMs`) queue for it from another device of its group; then it
 * connects and receives them all.
 * `storageBytes` reads the storage's memory use at rest.
 */
export async function offlineDrain(
    mediator: MediatorChild,
    count: number,
    fillMs: number,
    window: number,
    storage: { readonly measure: string; readonly bytes: () => Promise<number> },
): Promise<DrainResult> {
    const keys = newGroupKeys(1)[0]!;
    const first = await connectDevice(mediator.url, keys, 2);
    await first.waitForQueueDry();
    await first.close();
    const sender = await connectDevice(mediator.url, keys, 1);
    await mediator.waitForSessions(1, SESSION_SETTLE_TIMEOUT_MS);
    await sleep(100);
    const storageBytesBefore = await storage.bytes();
    const t0 = performance.now();
    const queued = await reflectMany(sender, sealBenchEnvelope(keys), count, window, t0 + fillMs);
    const fillSeconds = (performance.now() - t0) / 1000;
    await sender.close();
    await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
    await sleep(100);
    const storageBytesAfter = await storage.bytes();

    let drained = 0;
    const mediatorBefore = await mediator.sample();
    const harnessBefore = process.cpuUsage();
    const t1 = performance.now();
    const device = await connectDevice(mediator.url, keys, 2);
    device.on('reflected', () => void drained++);
    let timer: NodeJS.Timeout | undefined;
    try {
        await Promise.race([
            device.waitForQueueDry(),
            new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error('the drain did not finish in time')), DRAIN_TIMEOUT_MS);
            }),
        ]);
    } finally {
        clearTimeout(timer);
    }
    const drainSeconds = (performance.now() - t1) / 1000;
    const harnessCpu = process.cpuUsage(harnessBefore);
    const mediatorAfter = await mediator.sample();
    await device.close();
    await mediator.waitForSessions(0, SESSION_SETTLE_TIMEOUT_MS);
    return {
        queued,
        fillPerS: queued / fillSeconds,
        drained,
        drainSeconds,
        drainPerS: drained / drainSeconds,
        drainMediatorCpuS: cpuSeconds(mediatorAfter) - cpuSeconds(mediatorBefore),
        drainHarnessCpuS: (harnessCpu.user + harnessCpu.system) / 1e6,
        storageBytesBefore,
        storageBytesAfter,
        storageBytesPerReflection: (storageBytesAfter - storageBytesBefore) / queued,
        storageMeasure: storage.measure,
    };
}
