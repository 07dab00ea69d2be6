/**
 * Bookkeeping for requests that wait for a mediator answer. The mediator
 * answers requests of one type in the order they were sent, so each type
 * keeps a FIFO queue; the answer always belongs to the oldest entry (or to
 * the oldest entry with a matching key, for DropDeviceAck).
 */

/** For promises whose failure surfaces elsewhere (a failed send always ends in the connection's close). */
export function ignoreRejection(): void {
    // Nothing to do: see above.
}

export interface Pending<T, D = undefined> {
    /** Request data needed to match or check the answer. */
    readonly data: D;
    readonly resolve: (value: T) => void;
    readonly reject: (error: unknown) => void;
}

/** A FIFO queue of pending requests of one type. */
export class PendingQueue<T, D = undefined> {
    readonly #entries: Pending<T, D>[] = [];

    public get length(): number {
        return this.#entries.length;
    }

    /** Registers a request and returns the promise of its answer. */
    public add(data: D): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            this.#entries.push({ data, resolve, reject });
        });
    }

    /** The oldest request, without removing it. */
    public peek(): Pending<T, D> | undefined {
        return this.#entries[0];
    }

    /** Removes and returns the oldest request. */
    public shift(): Pending<T, D> | undefined {
        return this.#entries.shift();
    }

    /** Removes and returns the oldest request whose data matches. */
    public take(match: (data: D) => boolean): Pending<T, D> | undefined {
        const index = this.#entries.findIndex((entry) => match(entry.data));
        return index < 0 ? undefined : this.#entries.splice(index, 1)[0];
    }

    /** Rejects and removes every request. */
    public rejectAll(error: unknown): void {
        for (const entry of this.#entries.splice(0)) entry.reject(error);
    }
}

/**
 * A one-time condition (queue dry, leader) that callers can await. It never
 * produces an unhandled rejection: a waiter promise exists only once someone
 * asks for it.
 */
export class Latch {
    #settled: { readonly ok: true } | { readonly ok: false; readonly error: Error } | undefined;
    readonly #waiters: Pending<void>[] = [];

    /** Whether the condition holds. */
    public get isSet(): boolean {
        return this.#settled?.ok === true;
    }

    /** Resolves when the condition holds; rejects if it fails first. */
    public wait(): Promise<void> {
        const settled = this.#settled;
        if (settled !== undefined) return settled.ok ? Promise.resolve() : Promise.reject(settled.error);
        return new Promise<void>((resolve, reject) => {
            this.#waiters.push({ data: undefined, resolve, reject });
        });
    }

    /** Marks the condition as holding. Returns false when it was already settled. */
    public set(): boolean {
        if (this.#settled !== undefined) return false;
        this.#settled = { ok: true };
        for (const waiter of this.#waiters.splice(0)) waiter.resolve();
        return true;
    }

    /** Fails every current and later waiter, unless the condition already holds. */
    public fail(error: Error): void {
        if (this.#settled !== undefined) return;
        this.#settled = { ok: false, error };
        for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    }
}
