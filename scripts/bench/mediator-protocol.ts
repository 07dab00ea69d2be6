/**
 * The messages between the benchmark harness and its mediator child
 * process (mediator-child.ts), and the harness side: fork, wait for the
 * port, ask for samples, stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/node-flags.js';

export type ChildSpec =
    | { readonly backend: 'embedded' }
    | { readonly backend: 'redis-postgres'; readonly redisUrl: string; readonly databaseUrl: string };

/** One look at the mediator process, from its own accounting. */
export interface MediatorSample {
    readonly cpuUserS: number;
    readonly cpuSystemS: number;
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    readonly externalBytes: number;
    readonly arrayBuffersBytes: number;
    /**
     * Memory V8 has committed for its young generation. It is empty after a
     * full GC, but stays committed; V8 grows it in steps with the allocation
     * rate, not with the number of connections.
     */
    readonly newSpaceCommittedBytes: number;
    /** Sessions open on the node. */
    readonly sessions: number;
    /** Whether the child could run a full GC before the sample. */
    readonly gcAvailable: boolean;
}

export type ChildRequest =
    { readonly type: 'sample'; readonly id: number; readonly gc: boolean } | { readonly type: 'stop' };

export type ChildReply =
    | { readonly type: 'ready'; readonly port: number; readonly backend: string; readonly pid: number }
    | { readonly type: 'failed'; readonly message: string }
    | { readonly type: 'sample'; readonly id: number; readonly sample: MediatorSample };

const CHILD = fileURLToPath(new URL('./mediator-child.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const SAMPLE_TIMEOUT_MS = 30_000;

export function cpuSeconds(sample: MediatorSample): number {
    return sample.cpuUserS + sample.cpuSystemS;
}

export class MediatorChild {
    readonly #child: ChildProcess;
    readonly #waiting = new Map<number, (sample: MediatorSample) => void>();
    readonly #exited: Promise<void>;
    #nextId = 1;
    public readonly url: string;
    public readonly pid: number;

    private constructor(child: ChildProcess, port: number, pid: number) {
        this.#child = child;
        this.url = `ws://127.0.0.1:${port}/`;
        this.pid = pid;
        this.#exited = new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve();
            else child.once('exit', () => resolve());
        });
        child.on('message', (message: ChildReply) => {
            if (message.type !== 'sample') return;
            const resolve = this.#waiting.get(message.id);
            this.#waiting.delete(message.id);
            resolve?.(message.sample);
        });
    }

    /**
     * Forks the mediator child and resolves once it listens, with the Node
     * flags the `mediator` executable runs with (NODE_FLAGS). `execArgv` adds
     * Node options (for example `--cpu-prof`).
     */
    public static async start(spec: ChildSpec, execArgv: readonly string[] = []): Promise<MediatorChild> {
        const child = fork(CHILD, [JSON.stringify(spec)], {
            execArgv: ['--expose-gc', ...NODE_FLAGS, ...execArgv],
            stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
            const timer = setTimeout(() => {
                child.kill('SIGKILL');
                reject(new Error('mediator child did not start in time'));
            }, START_TIMEOUT_MS);
            child.on('message', (message: ChildReply) => {
                if (message.type === 'ready') {
                    clearTimeout(timer);
                    resolve({ port: message.port, pid: message.pid });
                } else if (message.type === 'failed') {
                    clearTimeout(timer);
                    reject(new Error(`mediator child failed to start: ${message.message}`));
                }
            });
            child.once('exit', (code, signal) => {
                clearTimeout(timer);
                reject(new Error(`mediator child exited (${code ?? signal}) before it listened`));
            });
        });
        return new MediatorChild(child, ready.port, ready.pid);
    }

    /** The child's CPU, memory and session count now; with `gc`, after two full collections. */
    public sample(gc = false): Promise<MediatorSample> {
        const id = this.#nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.#waiting.delete(id);
                reject(new Error('mediator child did not answer a sample request'));
            }, SAMPLE_TIMEOUT_MS);
            this.#waiting.set(id, (sample) => {
                clearTimeout(timer);
                resolve(sample);
            });
            this.#child.send({ type: 'sample', id, gc } satisfies ChildRequest);
        });
    }

    /** Polls until the node has at most `count` sessions (bounded by `timeoutMs`); returns the last count. */
    public async waitForSessions(count: number, timeoutMs = 15_000): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const { sessions } = await this.sample();
            if (sessions <= count || Date.now() > deadline) return sessions;
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }

    /** Asks the child to stop its node and exit; kills it when that takes too long. */
    public async stop(): Promise<void> {
        if (this.#child.connected) this.#child.send({ type: 'stop' } satisfies ChildRequest);
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
        await this.#exited;
        clearTimeout(timer);
    }

    /** Kills the child at once (for exit handlers). */
    public kill(): void {
        this.#child.kill('SIGKILL');
    }
}
