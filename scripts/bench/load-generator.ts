/**
 * The fan-out load generator: several worker processes (load-worker.ts),
 * each with its share of the groups, opened and closed together by this
 * coordinator, so the generator is not the bottleneck of what it measures.
 * Around each measurement window the coordinator reads the server's CPU
 * (and its storage's: Redis CPU and script calls), then merges what the
 * workers counted into one FanoutResult, with each worker's CPU, so a
 * result whose generator was saturated says so.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EndCounts, WindowCounts } from './fanout.js';
import type { FleetSpec, WorkerReply, WorkerRequest } from './load-protocol.js';
import { sleep } from './services.js';
import { latencyTimeline, percentile, type LatencyTimeline } from './stats.js';

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url));
const CONNECT_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** A worker busier than this share of one core (inside the window) is taken as saturated. */
export const SATURATED_CORE_SHARE = 0.9;

/** Server-side accounting the coordinator samples at the edges of the measurement window. */
export interface CpuProbe {
    /** CPU seconds of the server process so far. */
    server(): Promise<number>;
    /** CPU seconds of its storage process (Redis) so far; NaN when there is none. */
    storage(): number;
    /** Lua script calls the storage has run so far (Redis INFO commandstats); NaN when there is none. */
    scriptCalls(): Promise<number>;
}

export interface LatencySummary {
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly p999Ms: number;
    readonly maxMs: number;
    readonly samples: number;
}

export interface FanoutResult {
    readonly mode: 'closed' | 'open';
    /** Open loop: the rate asked for (payloads per second, all groups). */
    readonly offeredPerS: number | undefined;
    readonly seconds: number;
    /** Server acknowledgements per second inside the window. */
    readonly reflectsPerS: number;
    /** Deliveries to receivers per second inside the window. */
    readonly deliveriesPerS: number;
    /** Reflect-to-all-delivered latency of the payloads sent inside the window (open loop: from the schedule). */
    readonly latency: LatencySummary;
    /** The same, measured from the actual send. */
    readonly latencyFromSend: LatencySummary;
    /** How late the senders were against their schedule (open loop; empty in the closed loop). */
    readonly senderLag: LatencySummary;
    /** `latency` in TIMELINE_SLICE_MS slices of scheduled send time: whether the tail came in bursts. */
    readonly timeline: LatencyTimeline;
    readonly serverCpuS: number;
    readonly storageCpuS: number;
    /** CPU seconds of all load generator processes inside the window. */
    readonly harnessCpuS: number;
    /** Each generator process's CPU inside the window as a share of one core. */
    readonly generatorCoreShares: readonly number[];
    /** Whether a generator process was at least SATURATED_CORE_SHARE busy: its figures may measure the generator. */
    readonly generatorSaturated: boolean;
    /** Server CPU seconds per 1,000 deliveries inside the window. */
    readonly serverCpuSPer1000: number;
    /** Storage (Redis) CPU seconds per 1,000 deliveries inside the window; NaN without Redis. */
    readonly storageCpuSPer1000: number;
    /** Lua script calls per acknowledged reflection inside the window; NaN without Redis. */
    readonly scriptCallsPerReflection: number;
    /** Payloads still unacknowledged or undelivered after the bounded wait at the end. */
    readonly missing: number;
    /** Deliveries that matched no outstanding payload (duplicates). */
    readonly unexpected: number;
    /** Sends that failed. */
    readonly errors: number;
    /** Open loop: a sender stopped early because too much was outstanding. */
    readonly overloaded: boolean;
}

type Reply<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>;
type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class Worker {
    readonly #child: ChildProcess;
    readonly #waiting = new Map<number, (reply: WorkerReply) => void>();
    readonly #exited: Promise<void>;
    #nextId = 1;

    public constructor(public readonly groups: number) {
        this.#child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
        this.#child.on('message', (reply: WorkerReply) => {
            const resolve = this.#waiting.get(reply.id);
            this.#waiting.delete(reply.id);
            resolve?.(reply);
        });
        void this.#exited.then(() => {
            for (const resolve of this.#waiting.values()) {
                resolve({ type: 'failed', id: 0, message: 'load generator process exited' });
            }
            this.#waiting.clear();
        });
    }

    public request<T extends WorkerReply['type']>(
        body: RequestBody,
        expect: T,
        timeoutMs = REQUEST_TIMEOUT_MS,
    ): Promise<Reply<T>> {
        const id = this.#nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.#waiting.delete(id);
                reject(new Error(`load generator process did not answer ${body.type} in time`));
            }, timeoutMs);
            this.#waiting.set(id, (reply) => {
                clearTimeout(timer);
                if (reply.type === expect) resolve(reply as Reply<T>);
                else if (reply.type === 'failed') reject(new Error(`load generator: ${reply.message}`));
                else reject(new Error(`load generator: ${reply.type} instead of ${expect}`));
            });
            this.#child.send({ ...body, id });
        });
    }

    public async close(): Promise<void> {
        if (this.#child.connected) {
            await this.request({ type: 'close' }, 'ok').catch(() => undefined);
            this.#child.disconnect();
        }
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
        await this.#exited;
        clearTimeout(timer);
    }

    public kill(): void {
        this.#child.kill('SIGKILL');
    }
}

/** `total` groups split over at most `processes` workers, as evenly as possible (no empty share). */
export function splitGroups(total: number, processes: number): number[] {
    const count = Math.max(1, Math.min(processes, total));
    return Array.from({ length: count }, (_, index) => Math.floor(total / count) + (index < total % count ? 1 : 0));
}

function summarize(samples: readonly number[]): LatencySummary {
    const sorted = Float64Array.from(samples).sort();
    return {
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        p999Ms: percentile(sorted, 0.999),
        maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
        samples: sorted.length,
    };
}

interface ProbeReading {
    readonly server: number;
    readonly storage: number;
    readonly scripts: number;
}

async function read(probe: CpuProbe): Promise<ProbeReading> {
    const [server, scripts] = await Promise.all([probe.server(), probe.scriptCalls()]);
    return { server, storage: probe.storage(), scripts };
}

/** Merges the workers' window and end counts with the server-side readings. Pure. */
export function mergeFanout(
    mode: 'closed' | 'open',
    offeredPerS: number | undefined,
    windows: readonly WindowCounts[],
    ends: readonly EndCounts[],
    before: ProbeReading,
    after: ProbeReading,
): FanoutResult {
    const seconds = Math.max(...windows.map((window) => window.seconds));
    const acks = windows.reduce((sum, window) => sum + window.acks, 0);
    const deliveries = windows.reduce((sum, window) => sum + window.deliveries, 0);
    const serverCpuS = after.server - before.server;
    const storageCpuS = after.storage - before.storage;
    const shares = windows.map((window) => window.cpuS / window.seconds);
    const per1000 = (cpuS: number): number => (deliveries > 0 ? (cpuS / deliveries) * 1000 : Number.NaN);
    return {
        mode,
        offeredPerS,
        seconds,
        reflectsPerS: acks / seconds,
        deliveriesPerS: deliveries / seconds,
        latency: summarize(windows.flatMap((window) => window.fromSchedule)),
        latencyFromSend: summarize(windows.flatMap((window) => window.fromSend)),
        senderLag: summarize(windows.flatMap((window) => window.lag)),
        timeline: latencyTimeline(
            windows.flatMap((window) => window.scheduledAtMs),
            windows.flatMap((window) => window.fromSchedule),
        ),
        serverCpuS,
        storageCpuS,
        harnessCpuS: windows.reduce((sum, window) => sum + window.cpuS, 0),
        generatorCoreShares: shares,
        generatorSaturated: shares.some((share) => share >= SATURATED_CORE_SHARE),
        serverCpuSPer1000: per1000(serverCpuS),
        storageCpuSPer1000: per1000(storageCpuS),
        scriptCallsPerReflection: acks > 0 ? (after.scripts - before.scripts) / acks : Number.NaN,
        missing: ends.reduce((sum, end) => sum + end.missing, 0),
        unexpected: ends.reduce((sum, end) => sum + end.unexpected, 0),
        errors: ends.reduce((sum, end) => sum + end.errors, 0),
        overloaded: ends.some((end) => end.overloaded),
    };
}

export class LoadGenerator {
    readonly #workers: readonly Worker[];

    private constructor(workers: readonly Worker[]) {
        this.#workers = workers;
    }

    /** Forks the workers and connects every one's share of `groups` (`spec(groups)` builds a worker's fleet). */
    public static async start(
        groups: number,
        processes: number,
        spec: (groups: number, index: number) => FleetSpec,
    ): Promise<LoadGenerator> {
        const workers = splitGroups(groups, processes).map((share) => new Worker(share));
        const generator = new LoadGenerator(workers);
        try {
            await Promise.all(
                workers.map((worker, index) =>
                    worker.request(
                        { type: 'connect', spec: spec(worker.groups, index) },
                        'connected',
                        CONNECT_TIMEOUT_MS,
                    ),
                ),
            );
        } catch (error) {
            await generator.close();
            throw error;
        }
        return generator;
    }

    async #all<T extends WorkerReply['type']>(body: (worker: Worker) => RequestBody, expect: T): Promise<Reply<T>[]> {
        return Promise.all(this.#workers.map((worker) => worker.request(body(worker), expect)));
    }

    async #measure(
        mode: 'closed' | 'open',
        offeredPerS: number | undefined,
        warmupMs: number,
        measureMs: number,
        probe: CpuProbe,
    ): Promise<FanoutResult> {
        await sleep(warmupMs);
        const before = await read(probe);
        await this.#all(() => ({ type: 'begin-window' }), 'ok');
        await sleep(measureMs);
        const windows = await this.#all(() => ({ type: 'end-window' }), 'window');
        const after = await read(probe);
        const ends = await this.#all(() => ({ type: 'stop' }), 'end');
        return mergeFanout(
            mode,
            offeredPerS,
            windows.map((reply) => reply.counts),
            ends.map((reply) => reply.counts),
            before,
            after,
        );
    }

    /** Closed loop: every sender keeps `window` payloads unacknowledged. */
    public async closedLoop(options: {
        readonly window: number;
        readonly warmupMs: number;
        readonly measureMs: number;
        readonly probe: CpuProbe;
    }): Promise<FanoutResult> {
        await this.#all(() => ({ type: 'start-closed', window: options.window }), 'ok');
        return this.#measure('closed', undefined, options.warmupMs, options.measureMs, options.probe);
    }

    /** Open loop at `ratePerS` payloads per second over all groups, each worker its groups' share. */
    public async openLoop(options: {
        readonly ratePerS: number;
        readonly warmupMs: number;
        readonly measureMs: number;
        readonly maxOutstanding: number;
        readonly probe: CpuProbe;
    }): Promise<FanoutResult> {
        const total = this.#workers.reduce((sum, worker) => sum + worker.groups, 0);
        await this.#all(
            (worker) => ({
                type: 'start-open',
                ratePerS: (options.ratePerS * worker.groups) / total,
                maxOutstanding: Math.ceil((options.maxOutstanding * worker.groups) / total),
            }),
            'ok',
        );
        return this.#measure('open', options.ratePerS, options.warmupMs, options.measureMs, options.probe);
    }

    public async close(): Promise<void> {
        await Promise.all(this.#workers.map((worker) => worker.close()));
    }

    /** Kills every worker at once (for exit handlers). */
    public kill(): void {
        for (const worker of this.#workers) worker.kill();
    }
}
