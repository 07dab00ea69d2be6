/**
 * Pure statistics and formatting helpers of the benchmark: nearest-rank
 * percentiles, min/median/max over rounds, a growable latency recorder and
 * number formatting for the markdown table. No I/O.
 */

/** min, median and max of the values of several rounds (NaN values are left out). */
export interface Spread {
    readonly min: number;
    readonly median: number;
    readonly max: number;
    /** How many finite values went in. */
    readonly n: number;
}

/**
 * The q-quantile (0 <= q <= 1) of ascending `sorted` values by the
 * nearest-rank method: the smallest value such that at least q of all
 * values are at or below it. NaN for no values.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
    const n = sorted.length;
    if (n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * n));
    return sorted[Math.min(rank, n) - 1]!;
}

/** min / median / max of the finite values; the median of an even count is the mean of the middle two. */
export function spread(values: readonly number[]): Spread {
    const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
    const n = finite.length;
    if (n === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, n: 0 };
    const middle = Math.floor(n / 2);
    const median = n % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
    return { min: finite[0]!, median, max: finite[n - 1]!, n };
}

/** Collects samples (milliseconds) in a growable typed array; percentiles sort a copy. */
export class LatencyRecorder {
    #samples: Float64Array;
    #length = 0;

    public constructor(initialCapacity = 4096) {
        this.#samples = new Float64Array(Math.max(16, initialCapacity));
    }

    public get count(): number {
        return this.#length;
    }

    public add(value: number): void {
        if (this.#length === this.#samples.length) {
            const grown = new Float64Array(this.#samples.length * 2);
            grown.set(this.#samples);
            this.#samples = grown;
        }
        this.#samples[this.#length++] = value;
    }

    /** The requested quantiles, in the order given; NaN each when empty. */
    public quantiles(qs: readonly number[]): number[] {
        const sorted = this.#samples.slice(0, this.#length).sort();
        return qs.map((q) => percentile(sorted, q));
    }

    public max(): number {
        let max = Number.NaN;
        for (let i = 0; i < this.#length; i++) {
            const value = this.#samples[i]!;
            if (!(value <= max)) max = value;
        }
        return max;
    }
}

/** A number with thousands separators and a fixed count of fraction digits; `–` for NaN. */
export function formatNumber(value: number, fractionDigits = 0): string {
    if (!Number.isFinite(value)) return '–';
    return value.toLocaleString('en-US', {
        minimumFractionDigits: fractionDigits,
        maximumFractionDigits: fractionDigits,
    });
}

/** Fraction digits that keep about three significant digits, at most `max`. */
export function significantDigits(value: number, max = 3): number {
    const magnitude = Math.abs(value);
    if (!Number.isFinite(magnitude) || magnitude >= 100 || magnitude === 0) return 0;
    if (magnitude >= 10) return Math.min(max, 1);
    if (magnitude >= 1) return Math.min(max, 2);
    return max;
}

/** `median (min–max)`, or just the value when all rounds agree or there is one round; `–` when empty. */
export function formatSpread(s: Spread, fractionDigits?: number, suffix = ''): string {
    if (s.n === 0) return '–';
    const digits = fractionDigits ?? significantDigits(s.median);
    const median = formatNumber(s.median, digits) + suffix;
    if (s.n === 1 || s.min === s.max) return median;
    return `${median} (${formatNumber(s.min, digits)}–${formatNumber(s.max, digits)})`;
}

/** Per-round ratios a[i] / b[i] for the rounds where both are finite and b is not 0. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const x = a[i]!;
        const y = b[i]!;
        if (Number.isFinite(x) && Number.isFinite(y) && y !== 0) out.push(x / y);
    }
    return out;
}
