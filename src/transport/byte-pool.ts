/**
 * Small byte arrays carved out of shared slabs, for the frames that pass
 * through the mediator by the ten thousand a second (an inbound frame's copy
 * out of uWS's buffer, a Reflected or ReflectAck frame until uWS has copied
 * it to the socket).
 *
 * Every `new Uint8Array(n)` creates an ArrayBuffer with a backing store of
 * its own: a `malloc`, a registration with V8 and, once it is garbage, a
 * sweep and a `free`. On the fan-out path that was about a sixth of the
 * mediator's CPU. Here one slab serves hundreds of arrays and is collected
 * as one once none of them is reachable.
 *
 * A slab is never reused: every array is a fresh, zero-filled view that
 * stays valid as long as it is referenced, exactly like a `new Uint8Array`.
 * The price is memory: an array that is kept keeps its whole slab. So a pool
 * serves arrays of one kind of lifetime, arrays up to `maxPooledBytes` only
 * (larger ones get their own buffer), and callers that keep bytes for long
 * copy them out (`slice()`), as they would of any received frame.
 */

/** Slab size of the pools below. */
export const SLAB_BYTE_LENGTH = 64 * 1024;
/** Arrays longer than this get an ArrayBuffer of their own. */
export const MAX_POOLED_BYTE_LENGTH = 4096;

export class BytePool {
    readonly #slabBytes: number;
    readonly #maxPooledBytes: number;
    #slab: ArrayBuffer | undefined;
    #offset = 0;

    public constructor(slabBytes = SLAB_BYTE_LENGTH, maxPooledBytes = MAX_POOLED_BYTE_LENGTH) {
        if (maxPooledBytes > slabBytes) throw new RangeError('maxPooledBytes must not exceed slabBytes');
        this.#slabBytes = slabBytes;
        this.#maxPooledBytes = maxPooledBytes;
    }

    /** A zero-filled array of `byteLength` bytes that no other `alloc` overlaps. */
    public alloc(byteLength: number): Uint8Array {
        if (byteLength > this.#maxPooledBytes) return new Uint8Array(byteLength);
        let slab = this.#slab;
        if (slab === undefined || this.#offset + byteLength > this.#slabBytes) {
            slab = new ArrayBuffer(this.#slabBytes);
            this.#slab = slab;
            this.#offset = 0;
        }
        const bytes = new Uint8Array(slab, this.#offset, byteLength);
        // 8-byte steps keep every array aligned for wide reads and writes.
        this.#offset += (byteLength + 7) & ~7;
        return bytes;
    }

    /** A copy of `source` in the pool. */
    public copy(source: Uint8Array): Uint8Array {
        const bytes = this.alloc(source.byteLength);
        bytes.set(source);
        return bytes;
    }
}

/**
 * Frames that live for a turn or a little longer: inbound frames until they
 * are handled, outbound frames until uWS has copied them.
 */
export const framePool = new BytePool();
