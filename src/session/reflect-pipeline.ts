/**
 * The stored Reflects of one connection whose appends are in flight. The
 * session starts each Reflect's append as its frame comes out of the inbox,
 * without waiting for the appends before it (at most `maxInFlight` at a
 * time), so one device gets more than one reflection per storage round trip
 * (one fsync with Redis `appendfsync always`). What the device sees stays
 * as if they were handled one at a time:
 *
 * - Completions run strictly in arrival order, whatever order the appends
 *   resolve in: the ReflectAck of a Reflect goes out only after the
 *   ReflectAcks of every Reflect before it.
 * - The first failure (an append that rejects, or a completion that throws)
 *   stops the acks: no ReflectAck for that Reflect or any later one. It is
 *   reported (`onError`; the session closes with the error's code), as is
 *   any later failure of an `afterStored` step; appends that fail after the
 *   stop are not reported (they follow the first failure or the close).
 * - Closing (`close`) stops the acks too: an append that resolves after the
 *   close sends nothing. Appends still in flight are not abandoned: each one
 *   that resolves still gets its `afterStored` step (overflowed slots are
 *   tombstoned and closed), and `settled` resolves once all have run; the
 *   session's cleanup waits for that (bounded by the storage timeout)
 *   before it releases the transaction lock and logs out.
 * - `settled` is the barrier: the session waits for it before any request
 *   that is not a Reflect or a ReflectedAck, so that request sees every
 *   earlier reflection stored (a CommitTransaction the held ones).
 *
 * Order of the appends themselves is the caller's part: it must start each
 * append (call into the queue) before it starts the next, with no await in
 * between, and only with a queue whose `appendsInCallOrder` holds
 * (src/storage/reflection-queue.ts); otherwise `maxInFlight` is 1.
 */

/** Stored Reflects a connection may have in flight at once, when the queue keeps call order. */
export const MAX_REFLECTS_IN_FLIGHT = 32;

/** One Reflect whose append was started. */
export interface StartedReflect<T> {
    /** Settles like the append. */
    readonly stored: Promise<T>;
    /** Sends the ReflectAck; called in arrival order, only while no earlier one failed and the pipeline is open. */
    acknowledge(result: T): void;
    /** Runs for every append that resolved, in arrival order, acknowledged or not (queue overflow). */
    afterStored(result: T): Promise<void>;
}

type Outcome<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: unknown };

export class ReflectPipeline {
    readonly #maxInFlight: number;
    readonly #onError: (error: unknown) => void;
    #inFlight = 0;
    /** The completion of the last Reflect added; never rejects. */
    #tail: Promise<void> = Promise.resolve();
    /** Failed or closed: no more acks, nothing more starts. */
    #stopped = false;
    /** Waiting for `#inFlight` to drop or for the stop. */
    #waiters: (() => void)[] = [];

    public constructor(maxInFlight: number, onError: (error: unknown) => void) {
        if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
            throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
        }
        this.#maxInFlight = maxInFlight;
        this.#onError = onError;
    }

    /** Reflects started and not completed. */
    public get inFlight(): number {
        return this.#inFlight;
    }

    /** No more acks: it failed or was closed. */
    public get stopped(): boolean {
        return this.#stopped;
    }

    /**
     * Resolves true once another append may start (fewer than `maxInFlight`
     * in flight), false once the pipeline stopped (nothing may start).
     */
    public async whenReady(): Promise<boolean> {
        while (!this.#stopped && this.#inFlight >= this.#maxInFlight) await this.#change();
        return !this.#stopped;
    }

    /** Resolves once every Reflect added has completed, however it ended. Never rejects. */
    public async settled(): Promise<void> {
        while (this.#inFlight > 0) await this.#change();
    }

    /** Takes a Reflect whose append was just started; its completion runs after the earlier ones'. */
    public add<T>(reflect: StartedReflect<T>): void {
        this.#inFlight++;
        // Observed at once, so a rejection while earlier ones are pending is never unhandled.
        const outcome = reflect.stored.then(
            (result): Outcome<T> => ({ ok: true, result }),
            (error: unknown): Outcome<T> => ({ ok: false, error }),
        );
        this.#tail = this.#tail.then(async () => {
            try {
                const settled = await outcome;
                if (!settled.ok) {
                    // Appends that fail after the stop only follow the first failure or the close.
                    if (!this.#stopped) this.#fail(settled.error);
                    return;
                }
                if (!this.#stopped) reflect.acknowledge(settled.result);
                await reflect.afterStored(settled.result);
            } catch (error) {
                this.#fail(error);
            } finally {
                this.#inFlight--;
                this.#notify();
            }
        });
    }

    /** Stops the acks; Reflects in flight still complete without one (see the header). */
    public close(): void {
        this.#stopped = true;
        this.#notify();
    }

    #fail(error: unknown): void {
        this.#stopped = true;
        this.#onError(error);
    }

    #change(): Promise<void> {
        return new Promise((resolve) => this.#waiters.push(resolve));
    }

    #notify(): void {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const resolve of waiters) resolve();
    }
}
