/**
 * `mediator serve --workers N`: one node served by N processes that share
 * its WebSocket port (SO_REUSEPORT; the kernel spreads new connections
 * over them). The first process is the primary: it checks that the port
 * is free, forks the workers, serves the one admin port (health, metrics
 * summed over the workers, admin API) and drains every worker on SIGTERM
 * or SIGINT. Each worker is a full node of the shared backend, named
 * `<node id>-w<n>`; what one device reflects reaches devices on any worker
 * the way it reaches other nodes, through Redis.
 *
 * The workers run in their own process group, so a Ctrl-C reaches only the
 * primary, which passes on exactly one SIGTERM to each. A worker that dies
 * is started again after a second. A worker whose primary went away drains
 * and exits.
 *
 * The messages between primary and workers travel on the fork IPC channel;
 * the worker side lives in src/main.ts (the composition root).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { AggregatorRegistry, prometheusContentType } from 'prom-client';
import type { Logger } from './log/logger.js';

/** Environment variables through which the primary tells a process that it is worker `n` (internal). */
export const WORKER_ENV = {
    index: 'MEDIATOR_WORKER_INDEX',
    port: 'MEDIATOR_WORKER_PORT',
    nodeId: 'MEDIATOR_WORKER_NODE_ID',
} as const;

/** One registry's metrics as `Registry.getMetricsAsJSON()` gives them. */
export type MetricsJson = readonly object[];

export type WorkerToPrimary =
    | { readonly type: 'ready'; readonly port: number; readonly nodeId: string }
    | { readonly type: 'metrics'; readonly id: number; readonly metrics: MetricsJson };

export type PrimaryToWorker = { readonly type: 'metrics'; readonly id: number };

const READY_TIMEOUT_MS = 60_000;
const METRICS_TIMEOUT_MS = 5_000;
const RESTART_DELAY_MS = 1_000;

/**
 * The port the workers will share, checked free by listening on it
 * exclusively for a moment (0: a free port). A port another process holds,
 * with or without SO_REUSEPORT, fails here with a clear message.
 */
export function claimPort(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = createServer();
        probe.once('error', (error: NodeJS.ErrnoException) => {
            const problem =
                error.code === 'EADDRINUSE'
                    ? 'the port is in use (another mediator or program listens on it)'
                    : error.message;
            reject(new Error(`cannot listen on ${host}:${port}: ${problem}`));
        });
        probe.listen({ host, port, exclusive: true }, () => {
            const address = probe.address();
            const chosen = typeof address === 'object' && address !== null ? address.port : port;
            probe.close(() => resolve(chosen));
        });
    });
}

interface Worker {
    readonly index: number;
    child: ChildProcess;
    ready: boolean;
}

export interface WorkerPoolOptions {
    readonly count: number;
    /** The script and arguments every worker runs (the primary's own command line). */
    readonly script: string;
    readonly args: readonly string[];
    readonly env: NodeJS.ProcessEnv;
    readonly port: number;
    readonly nodeId: string;
    readonly logger: Logger;
}

export class WorkerPool {
    readonly #workers: Worker[] = [];
    readonly #waiting = new Map<number, (metrics: MetricsJson) => void>();
    #nextId = 1;
    #stopping = false;

    readonly #options: WorkerPoolOptions;

    public constructor(options: WorkerPoolOptions) {
        this.#options = options;
    }

    public get count(): number {
        return this.#options.count;
    }

    /** Workers listening right now. */
    public get readyCount(): number {
        return this.#workers.filter((worker) => worker.ready).length;
    }

    /** Forks every worker; resolves once all listen, rejects (every worker stopped) when one cannot start. */
    public async start(): Promise<void> {
        const started = Array.from({ length: this.#options.count }, (_, index) => this.#spawn(index));
        try {
            await Promise.all(started);
        } catch (error) {
            await this.stop();
            throw error;
        }
    }

    #nodeId(index: number): string {
        return `${this.#options.nodeId}-w${index + 1}`;
    }

    #spawn(index: number): Promise<void> {
        const child = fork(this.#options.script, [...this.#options.args], {
            env: {
                ...this.#options.env,
                [WORKER_ENV.index]: String(index + 1),
                [WORKER_ENV.port]: String(this.#options.port),
                [WORKER_ENV.nodeId]: this.#nodeId(index),
            },
            detached: true,
            stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        const worker: Worker = { index, child, ready: false };
        const existing = this.#workers.findIndex((entry) => entry.index === index);
        if (existing >= 0) this.#workers[existing] = worker;
        else this.#workers.push(worker);
        child.on('message', (message: WorkerToPrimary) => this.#onMessage(worker, message));
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                child.kill('SIGKILL');
                reject(new Error(`worker ${index + 1} did not listen within ${READY_TIMEOUT_MS} ms`));
            }, READY_TIMEOUT_MS);
            child.on('message', (message: WorkerToPrimary) => {
                if (message.type !== 'ready') return;
                clearTimeout(timer);
                resolve();
            });
            child.once('exit', (code, signal) => {
                clearTimeout(timer);
                const wasReady = worker.ready;
                worker.ready = false;
                if (!wasReady) {
                    reject(new Error(`worker ${index + 1} exited (${code ?? signal}) before it listened`));
                    return;
                }
                if (this.#stopping) return;
                this.#options.logger.error('worker exited; starting it again', {
                    worker: index + 1,
                    code,
                    signal,
                    delayMs: RESTART_DELAY_MS,
                });
                setTimeout(() => {
                    if (this.#stopping) return;
                    this.#spawn(index).catch((error: unknown) => {
                        this.#options.logger.error('worker could not be started again', { worker: index + 1, error });
                    });
                }, RESTART_DELAY_MS);
            });
        });
    }

    #onMessage(worker: Worker, message: WorkerToPrimary): void {
        if (message.type === 'ready') {
            worker.ready = true;
            this.#options.logger.info('worker listening', { worker: worker.index + 1, node: message.nodeId });
        } else {
            const resolve = this.#waiting.get(message.id);
            this.#waiting.delete(message.id);
            resolve?.(message.metrics);
        }
    }

    /** Every worker's metrics, summed per series (Prometheus text). */
    public async metrics(): Promise<string> {
        const all = await Promise.all(
            this.#workers.filter((worker) => worker.ready).map((worker) => this.#metricsOf(worker)),
        );
        return AggregatorRegistry.aggregate(
            all.filter((metrics) => metrics.length > 0).map((metrics) => [...metrics]),
        ).metrics();
    }

    public readonly contentType = prometheusContentType;

    #metricsOf(worker: Worker): Promise<MetricsJson> {
        const id = this.#nextId++;
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.#waiting.delete(id);
                resolve([]);
            }, METRICS_TIMEOUT_MS);
            this.#waiting.set(id, (metrics) => {
                clearTimeout(timer);
                resolve(metrics);
            });
            const request: PrimaryToWorker = { type: 'metrics', id };
            if (worker.child.connected) worker.child.send(request);
        });
    }

    /**
     * SIGTERM to every worker (each drains: its devices move to the others
     * and to other nodes), then waits for all; resolves whether every one
     * exited with 0. `graceMs` later the rest is killed.
     */
    public async stop(graceMs = 10 * 60_000): Promise<boolean> {
        this.#stopping = true;
        const exits = this.#workers.map(
            (worker) =>
                new Promise<boolean>((resolve) => {
                    const { child } = worker;
                    if (child.exitCode !== null || child.signalCode !== null) {
                        resolve(child.exitCode === 0);
                        return;
                    }
                    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
                    child.once('exit', (code) => {
                        clearTimeout(timer);
                        resolve(code === 0);
                    });
                    child.kill('SIGTERM');
                }),
        );
        return (await Promise.all(exits)).every(Boolean);
    }
}
