/**
 * Storage calls that callers start during one event-loop turn, handed on
 * at its end in runs: the stores send each run as one command (one script
 * call with a section per call, one statement for several logins), so the
 * fixed cost of a command is paid once for all of them. The runs keep the
 * order the calls were started in, and all of them are handed on in one
 * synchronous step, so calls that go out on one connection keep that order.
 */
export interface TurnBatchesOptions {
    /**
     * Arranges for `flush` to run once, later: by default at the end of the
     * event-loop turn (`setImmediate`). The calls added until it runs are
     * handed on together.
     */
    readonly schedule?: (flush: () => void) => void;
    /** Runs at the start of every flush, before any run is handed on. */
    readonly beforeFlush?: () => void;
}

export class TurnBatches<T> {
    readonly #send: (run: readonly T[]) => void;
    readonly #joins: (run: readonly T[], next: T) => boolean;
    readonly #schedule: (flush: () => void) => void;
    readonly #beforeFlush: (() => void) | undefined;
    /** Calls of this turn, handed on at its end (`#flush`). */
    #waiting: T[] = [];

    /**
     * @param send   takes one run (at least one call; a lone call is a run of one)
     * @param joins  whether `next` may join the run so far, else it starts the next run
     */
    public constructor(
        send: (run: readonly T[]) => void,
        joins: (run: readonly T[], next: T) => boolean,
        options: TurnBatchesOptions = {},
    ) {
        this.#send = send;
        this.#joins = joins;
        this.#schedule = options.schedule ?? ((flush) => void setImmediate(flush));
        this.#beforeFlush = options.beforeFlush;
    }

    public add(call: T): void {
        if (this.#waiting.length === 0) this.#schedule(this.#flush);
        this.#waiting.push(call);
    }

    readonly #flush = (): void => {
        this.#beforeFlush?.();
        const waiting = this.#waiting;
        this.#waiting = [];
        let run: T[] = [];
        for (const call of waiting) {
            if (run.length > 0 && !this.#joins(run, call)) {
                this.#send(run);
                run = [];
            }
            run.push(call);
        }
        if (run.length > 0) this.#send(run);
    };
}
