/**
 * Pure statistics and formatting helpers of the benchmark: nearest-rank
 * percentiles, min/median/max over rounds, a growable latency recorder, a
 * run's latencies in time slices, and number formatting for the markdown
 * table. No I/O.
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

/** One slice of a run's deliveries, by the scheduled send time of their payloads. */
export interface TimelineWindow {
    /** Start of the slice, ms after the first scheduled send of the run. */
    readonly startMs: number;
    readonly count: number;
    readonly p50Ms: number;
    readonly maxMs: number;
    /** Deliveries slower than the whole run's p99. */
    readonly aboveP99: number;
}

/** Length of a timeline slice (ms), and how many of the worst slices a timeline leaves out. */
export const TIMELINE_SLICE_MS = 100;
export const TIMELINE_WORST_SLICES = 3;

/**
 * A run's latencies in time slices, to tell a tail spread over the run from
 * one made in a few bursts: the slices (only those with deliveries), the
 * share of the run's slowest 1% that fell into the `worst` slices holding
 * most of them, and the run's p99 without those slices.
 */
export interface LatencyTimeline {
    readonly windowMs: number;
    readonly windows: readonly TimelineWindow[];
    /** Of the deliveries slower than the run's p99, the share in the worst slices; NaN when there are none. */
    readonly worstShare: number;
    /** The run's p99 without the deliveries of the worst slices; NaN when nothing is left. */
    readonly p99WithoutWorstMs: number;
}

/**
 * Slices parallel arrays of scheduled send times (ms, one clock for all) and
 * latencies (ms) into `windowMs` slices; pure.
 */
export function latencyTimeline(
    scheduledAtMs: ArrayLike<number>,
    latencyMs: ArrayLike<number>,
    windowMs = TIMELINE_SLICE_MS,
    worst = TIMELINE_WORST_SLICES,
): LatencyTimeline {
    if (scheduledAtMs.length !== latencyMs.length) {
        throw new RangeError(`${scheduledAtMs.length} send times for ${latencyMs.length} latencies`);
    }
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
    const n = latencyMs.length;
    const sorted = Float64Array.from(latencyMs).sort();
    const p99 = percentile(sorted, 0.99);
    let first = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) first = Math.min(first, scheduledAtMs[i]!);
    const slices = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
        const slice = Math.floor((scheduledAtMs[i]! - first) / windowMs);
        let values = slices.get(slice);
        if (values === undefined) {
            values = [];
            slices.set(slice, values);
        }
        values.push(latencyMs[i]!);
    }
    const windows = [...slices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([slice, values]): TimelineWindow => {
            values.sort((a, b) => a - b);
            return {
                startMs: slice * windowMs,
                count: values.length,
                p50Ms: percentile(values, 0.5),
                maxMs: values[values.length - 1]!,
                aboveP99: values.filter((value) => value > p99).length,
            };
        });
    const worstWindows = [...windows]
        .sort((a, b) => b.aboveP99 - a.aboveP99 || b.maxMs - a.maxMs)
        .slice(0, Math.max(0, worst));
    const above = windows.reduce((sum, window) => sum + window.aboveP99, 0);
    const aboveInWorst = worstWindows.reduce((sum, window) => sum + window.aboveP99, 0);
    const worstSlices = new Set(worstWindows.map((window) => window.startMs / windowMs));
    const rest: number[] = [];
    for (const [slice, values] of slices) {
        if (worstSlices.has(slice)) continue;
        for (const value of values) rest.push(value);
    }
    rest.sort((a, b) => a - b);
    return {
        windowMs,
        windows,
        worstShare: above > 0 ? aboveInWorst / above : Number.NaN,
        p99WithoutWorstMs: percentile(rest, 0.99),
    };
}
