/**
 * The byte pool: arrays carved from shared slabs never overlap, start zeroed
 * like a `new Uint8Array`, and long ones get a buffer of their own.
 */
import { expect } from 'chai';
import { BytePool } from '../../../src/transport/byte-pool.js';

describe('BytePool', function () {
    it('hands out zero-filled arrays that share a slab without overlapping', function () {
        const pool = new BytePool(64, 16);
        const a = pool.alloc(5);
        const b = pool.alloc(16);
        expect(a.buffer).to.equal(b.buffer);
        expect([...a, ...b].every((byte) => byte === 0)).to.equal(true);
        a.fill(0xaa);
        b.fill(0xbb);
        expect([...a]).to.deep.equal(new Array(5).fill(0xaa));
        expect([...b]).to.deep.equal(new Array(16).fill(0xbb));
        expect(b.byteOffset).to.be.at.least(a.byteOffset + a.byteLength);
        expect(b.byteOffset % 8).to.equal(0);
    });

    it('starts a new slab when the current one is full, and never reuses one', function () {
        const pool = new BytePool(32, 16);
        const first = pool.alloc(16);
        const second = pool.alloc(16);
        const third = pool.alloc(1);
        expect(second.buffer).to.equal(first.buffer);
        expect(third.buffer).to.not.equal(first.buffer);
        expect(third.byteOffset).to.equal(0);
    });

    it('gives an array longer than its limit a buffer of its own', function () {
        const pool = new BytePool(64, 16);
        const small = pool.alloc(1);
        const large = pool.alloc(17);
        expect(large.buffer).to.not.equal(small.buffer);
        expect(large.byteOffset).to.equal(0);
        expect(large.buffer.byteLength).to.equal(17);
    });

    it('copies bytes into the pool', function () {
        const pool = new BytePool();
        const source = Uint8Array.of(1, 2, 3);
        const copy = pool.copy(source);
        source[0] = 9;
        expect([...copy]).to.deep.equal([1, 2, 3]);
    });
});
