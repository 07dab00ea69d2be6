/**
 * Bounds how long any Redis call may stay unanswered, without a timer per
 * command. Every call made through the watchdog is remembered in start
 * order; one interval timer (a few times per timeout, unref'd) fails every
 * call that has been waiting longer than the timeout with a retryable
 * `StorageError`. The check stops at the first call that is still young,
 * so a pass costs one comparison when nothing is late.
 *
 * Why: a Redis server that stops answering without closing the connection
 * (a network partition, a paused process) would otherwise leave calls
 * pending until TCP gives up, minutes later; the mediator must refuse or
 * close with 1013 within its storage timeout instead. A late call is only
 * abandoned by the caller: the connection stays, keeps its order of
 * replies, and serves again once Redis answers (a reply that comes after
 * the timeout is dropped). Whether a timed-out write was applied is
 * unknown, as for any lost reply; nothing is acknowledged for it.
 */
import { StorageError } from '../../errors.js';
import type { RedisCommander } from './redis-client.js';

interface PendingCall {
    readonly startedAt: number;
    readonly what: string;
    readonly fail: (error: StorageError) => void;
}

/** Redis clients reject with Errors; anything else is wrapped so callers can rely on it. */
function asError(error: unknown): Error {
    return error instanceof Error
        ? error
        : new StorageError(`Redis call failed: ${String(error)}`, { retryable: true });
}

export interface CommandWatchdogOptions {
    /** A call unanswered this long fails. */
    readonly timeoutMs: number;
    /** The clock (ms, monotonic); default `performance.now`. */
    readonly now?: () => number;
}

export class CommandWatchdog {
    public readonly timeoutMs: number;
    readonly #now: () => number;
    /** Outstanding calls; a Set iterates in insertion order, which is start order. */
    readonly #pending = new Set<PendingCall>();
    #timer: NodeJS.Timeout | undefined;

    public constructor(options: CommandWatchdogOptions) {
        this.timeoutMs = options.timeoutMs;
        this.#now = options.now ?? (() => performance.now());
    }

    /** Starts the periodic check (a fifth of the timeout, so a late call fails within 1.2 timeouts). */
    public start(): void {
        if (this.#timer !== undefined) return;
        this.#timer = setInterval(() => this.check(), Math.max(5, Math.floor(this.timeoutMs / 5)));
        this.#timer.unref();
    }

    /** Stops the periodic check; calls still pending are left to their connection. */
    public stop(): void {
        clearInterval(this.#timer);
        this.#timer = undefined;
    }

    /** Calls that have not settled yet. */
    public get pendingCount(): number {
        return this.#pending.size;
    }

    /** Fails every call older than the timeout. Runs from the timer; public for tests. */
    public check(): void {
        const now = this.#now();
        for (const call of this.#pending) {
            if (now - call.startedAt < this.timeoutMs) break;
            this.#pending.delete(call);
            call.fail(
                new StorageError(`Redis did not answer ${call.what} within ${this.timeoutMs} ms`, { retryable: true }),
            );
        }
    }

    /** Settles like `call`, or fails once it has been pending longer than the timeout. */
    public track<T>(what: string, call: () => Promise<T>): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const entry: PendingCall = { startedAt: this.#now(), what, fail: reject };
            this.#pending.add(entry);
            let started: Promise<T>;
            try {
                started = call();
            } catch (error) {
                this.#pending.delete(entry);
                reject(asError(error));
                return;
            }
            started.then(
                (value) => {
                    if (this.#pending.delete(entry)) resolve(value);
                },
                (error: unknown) => {
                    if (this.#pending.delete(entry)) reject(asError(error));
                },
            );
        });
    }

    /** The same commander with every command tracked. */
    public commander(inner: RedisCommander): RedisCommander {
        return {
            sendCommand: (args) => this.track(String(args[0]), () => inner.sendCommand(args)),
        };
    }
}
