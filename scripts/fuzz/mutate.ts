/**
 * Input mutations for the fuzzers: bit flips, byte overwrites, truncation,
 * extension, splicing two inputs, duplicating a run, and edits aimed at
 * length fields (varints and little-endian integers).
 */
import type { Prng } from './prng.js';

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12, 0x1a, 0x22, 0x0f, 0xfe];

export function mutate(rng: Prng, input: Uint8Array, other: Uint8Array): Uint8Array {
    const rounds = 1 + rng.below(4);
    let data: Uint8Array = input.slice();
    for (let round = 0; round < rounds; round++) data = mutateOnce(rng, data, other);
    return data;
}

function mutateOnce(rng: Prng, data: Uint8Array, other: Uint8Array): Uint8Array {
    switch (rng.below(9)) {
        case 0: {
            if (data.byteLength === 0) return data;
            const index = rng.below(data.byteLength);
            data[index] = data[index]! ^ (1 << rng.below(8));
            return data;
        }
        case 1: {
            if (data.byteLength === 0) return data;
            data[rng.below(data.byteLength)] = rng.pick(INTERESTING_BYTES);
            return data;
        }
        case 2:
            return data.subarray(0, rng.below(data.byteLength + 1));
        case 3: {
            const extra = rng.bytes(rng.below(32) + 1);
            const out = new Uint8Array(data.byteLength + extra.byteLength);
            out.set(data);
            out.set(extra, data.byteLength);
            return out;
        }
        case 4: {
            const cut = rng.below(data.byteLength + 1);
            const from = rng.below(other.byteLength + 1);
            const tail = other.subarray(from);
            const out = new Uint8Array(cut + tail.byteLength);
            out.set(data.subarray(0, cut));
            out.set(tail, cut);
            return out;
        }
        case 5: {
            if (data.byteLength < 2) return data;
            const start = rng.below(data.byteLength);
            const run = data.subarray(start, Math.min(data.byteLength, start + 1 + rng.below(16)));
            const at = rng.below(data.byteLength + 1);
            const out = new Uint8Array(data.byteLength + run.byteLength);
            out.set(data.subarray(0, at));
            out.set(run, at);
            out.set(data.subarray(at), at + run.byteLength);
            return out;
        }
        case 6: {
            // A huge or bogus varint somewhere (protobuf lengths, tags).
            if (data.byteLength === 0) return data;
            const at = rng.below(data.byteLength);
            const varint = rng.chance(0.5) ? [0xff, 0xff, 0xff, 0xff, 0x0f] : [0x80, 0x80, 0x80, 0x80, 0x80, 0x80];
            const out = new Uint8Array(data.byteLength + varint.length);
            out.set(data.subarray(0, at));
            out.set(varint, at);
            out.set(data.subarray(at), at + varint.length);
            return out;
        }
        case 7: {
            // A little-endian length or id field set to an edge value.
            if (data.byteLength < 4) return data;
            const at = rng.below(data.byteLength - 3);
            const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
            view.setUint32(at, rng.pick([0, 1, 0xffff, 0x10000, 0x7fffffff, 0xffffffff]), true);
            return data;
        }
        default:
            return rng.bytes(rng.below(96));
    }
}
