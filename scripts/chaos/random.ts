/**
 * A small seeded pseudo-random generator (mulberry32), so that a chaos run's
 * schedule and the devices' choices follow from its `--seed`. Timing still
 * varies from run to run; the seed fixes the decisions, not the interleaving.
 */
export class Random {
    #state: number;

    public constructor(seed: number) {
        this.#state = seed >>> 0;
    }

    /** A float in [0, 1). */
    public next(): number {
        this.#state = (this.#state + 0x6d2b79f5) >>> 0;
        let t = this.#state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** An integer in [min, max]. */
    public int(min: number, max: number): number {
        return min + Math.floor(this.next() * (max - min + 1));
    }

    public pick<T>(items: readonly T[]): T {
        const item = items[Math.floor(this.next() * items.length)];
        if (item === undefined) throw new Error('pick from an empty list');
        return item;
    }
}
