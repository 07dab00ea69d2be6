/**
 * A small seeded pseudo-random generator (xoshiro128**), so
 * that a fuzz run is repeatable from its seed.
 */
export class Prng {
    #a: number;
    #b: number;
    #c: number;
    #d: number;

    public constructor(seed: number) {
        this.#a = seed >>> 0 || 1;
        this.#b = 0x9e3779b9;
        this.#c = 0x243f6a88;
        this.#d = 0xb7e15162;
        for (let i = 0; i < 16; i++) this.u32();
    }

    /** A uniformly distributed u32 (xoshiro128** step). */
    public u32(): number {
        const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
        const t = this.#b << 9;
        this.#c ^= this.#a;
        this.#d ^= this.#b;
        this.#b ^= this.#c;
        this.#a ^= this.#d;
        this.#c ^= t;
        this.#d = rotl(this.#d, 11);
        return result;
    }

    /** An integer in [0, n). */
    public below(n: number): number {
        return n <= 1 ? 0 : this.u32() % n;
    }

    public chance(probability: number): boolean {
        return this.u32() / 0x1_0000_0000 < probability;
    }

    public pick<T>(items: readonly T[]): T {
        return items[this.below(items.length)]!;
    }

    public bytes(length: number): Uint8Array {
        const out = new Uint8Array(length);
        for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
        return out;
    }
}

function rotl(value: number, shift: number): number {
    return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}
