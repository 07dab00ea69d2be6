/**
 * A token bucket: it holds up to `capacity` tokens and refills at
 * `ratePerS` tokens per second. Taking more than it holds fails and takes
 * nothing. Time is passed in (milliseconds from any monotonic clock), so
 * the bucket is a pure value that tests drive without waiting.
 */
export class TokenBucket {
    #tokens: number;
    #lastMs: number;

    public constructor(
        public readonly ratePerS: number,
        public readonly capacity: number,
        nowMs: number,
    ) {
        if (!(ratePerS > 0) || !(capacity > 0)) throw new RangeError('rate and capacity must be positive');
        this.#tokens = capacity;
        this.#lastMs = nowMs;
    }

    /** Tokens available at `nowMs`. */
    public available(nowMs: number): number {
        this.#refill(nowMs);
        return this.#tokens;
    }

    /** Takes `amount` tokens if the bucket holds them at `nowMs`; false (and nothing taken) otherwise. */
    public take(amount: number, nowMs: number): boolean {
        this.#refill(nowMs);
        if (amount > this.#tokens) return false;
        this.#tokens -= amount;
        return true;
    }

    #refill(nowMs: number): void {
        const elapsedMs = nowMs - this.#lastMs;
        if (elapsedMs <= 0) return;
        this.#lastMs = nowMs;
        this.#tokens = Math.min(this.capacity, this.#tokens + (elapsedMs * this.ratePerS) / 1000);
    }
}
