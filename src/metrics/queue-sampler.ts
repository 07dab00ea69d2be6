/**
 * Reads the reflection-queue figures of this node's connected slots when
 * metrics are scraped, with bounded work: at most `maxSlotsPerScrape` stats
 * calls per scrape, `concurrency` at a time, and no more than `timeoutMs` in
 * total. A node with more connected devices than the budget refreshes them
 * in rotation and reports the latest figures it has for the others. Slots of
 * devices that are not connected to this node are not covered (the admin
 * API shows them per group).
 */
import type { QueueStats } from '../storage/reflection-queue.js';
import type { ObservedNode, ObservedSession } from './hooks.js';

export interface QueueSamplerOptions {
    readonly maxSlotsPerScrape: number;
    readonly concurrency: number;
    readonly timeoutMs: number;
}

export const DEFAULT_QUEUE_SAMPLER_OPTIONS: QueueSamplerOptions = Object.freeze({
    maxSlotsPerScrape: 500,
    concurrency: 8,
    timeoutMs: 2_000,
});

/** What one scrape reports. */
export interface QueueSample {
    /** Connections by session state. */
    readonly connections: ReadonlyMap<string, number>;
    /** Sum of the in-memory unacknowledged reflections of every connection. */
    readonly unacked: number;
    /** Connected slots whose queue figures are known. */
    readonly slots: number;
    readonly items: number;
    readonly maxItems: number;
    readonly bytes: number;
    /** Age of the oldest unacknowledged reflection among the covered slots, 0 when none. */
    readonly oldestAgeMs: number;
    /** Stats calls that failed or did not finish in time during the last refresh. */
    readonly failures: number;
}

interface Entry {
    readonly stats: QueueStats;
}

export class QueueSampler {
    readonly #options: QueueSamplerOptions;
    /** Connection id → latest figures of its slot. */
    readonly #cache = new Map<string, Entry>();
    #node: ObservedNode | undefined;
    #cursor = 0;
    #inflight: Promise<QueueSample> | undefined;

    public constructor(options: Partial<QueueSamplerOptions> = {}) {
        this.#options = { ...DEFAULT_QUEUE_SAMPLER_OPTIONS, ...options };
    }

    public observe(node: ObservedNode): void {
        this.#node = node;
        this.#cache.clear();
    }

    /**
     * The figures for this scrape. Callers while a refresh runs share it (the
     * gauges of one scrape collect at the same moment). Never rejects.
     */
    public sample(): Promise<QueueSample> {
        this.#inflight ??= this.#refresh().finally(() => (this.#inflight = undefined));
        return this.#inflight;
    }

    async #refresh(): Promise<QueueSample> {
        const node = this.#node;
        const sessions = node?.sessions() ?? [];
        const connections = new Map<string, number>();
        let unacked = 0;
        const active: ObservedSession[] = [];
        for (const session of sessions) {
            connections.set(session.state, (connections.get(session.state) ?? 0) + 1);
            unacked += session.unackedReflections;
            if (session.state === 'active' && session.deviceId !== undefined) active.push(session);
        }
        const live = new Set(active.map((session) => session.connectionId));
        for (const connectionId of this.#cache.keys()) if (!live.has(connectionId)) this.#cache.delete(connectionId);

        const failures = node === undefined ? 0 : await this.#readBatch(node, active);
        const now = node?.now() ?? Date.now();
        let items = 0;
        let maxItems = 0;
        let bytes = 0;
        let oldest: number | undefined;
        for (const { stats } of this.#cache.values()) {
            items += stats.count;
            bytes += stats.bytes;
            maxItems = Math.max(maxItems, stats.count);
            if (stats.oldestTimestamp !== undefined)
                oldest = Math.min(oldest ?? stats.oldestTimestamp, stats.oldestTimestamp);
        }
        const sample: QueueSample = {
            connections,
            unacked,
            slots: this.#cache.size,
            items,
            maxItems,
            bytes,
            oldestAgeMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
            failures,
        };
        return sample;
    }

    /** Reads the next slice of connections in rotation; resolves the number of failed reads. */
    async #readBatch(node: ObservedNode, active: readonly ObservedSession[]): Promise<number> {
        const { maxSlotsPerScrape, concurrency, timeoutMs } = this.#options;
        const count = Math.min(active.length, maxSlotsPerScrape);
        if (count === 0) return 0;
        const start = this.#cursor % active.length;
        this.#cursor = (start + count) % active.length;
        const batch = Array.from({ length: count }, (_, i) => active[(start + i) % active.length]!);
        const deadline = performance.now() + timeoutMs;
        let next = 0;
        let failures = 0;
        const worker = async (): Promise<void> => {
            for (let index = next++; index < batch.length; index = next++) {
                const remaining = deadline - performance.now();
                const session = batch[index]!;
                if (remaining <= 0 || session.deviceId === undefined) {
                    failures++;
                    continue;
                }
                try {
                    const stats = await withDeadline(node.queueStats(session.groupId, session.deviceId), remaining);
                    this.#cache.set(session.connectionId, { stats });
                } catch {
                    failures++;
                }
            }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
        return failures;
    }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
        promise,
        new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('queue stats timed out')), ms);
        }),
    ]).finally(() => clearTimeout(timer));
}
