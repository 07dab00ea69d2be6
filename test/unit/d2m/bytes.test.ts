/**
 * The little-endian integer helpers of the struct codecs, against Node's
 * own DataView reads and writes at the edges of each width.
 */
import { expect } from 'chai';
import { readU16LE, readU32LE, readU53LE, writeU16LE, writeU32LE, writeU53LE } from '../../../d2m/bytes.js';

function viewOf(bytes: Uint8Array): DataView {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe('d2m little-endian integers', function () {
    const U16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
    const U32 = [0, 1, 0xff, 0x100, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, 0xffff_fffe, 0xffff_ffff];
    const U53 = [
        0,
        1,
        0xffff_ffff,
        0x1_0000_0000,
        1_733_280_000_000,
        Number.MAX_SAFE_INTEGER - 1,
        Number.MAX_SAFE_INTEGER,
    ];

    it('reads and writes u16 like DataView, at an offset into a shared buffer', function () {
        const backing = new Uint8Array(12);
        const bytes = backing.subarray(3, 9);
        for (const value of U16) {
            writeU16LE(bytes, 2, value);
            expect(viewOf(bytes).getUint16(2, true), `write ${value}`).to.equal(value);
            viewOf(bytes).setUint16(2, value, true);
            expect(readU16LE(bytes, 2), `read ${value}`).to.equal(value);
        }
        expect([...backing.subarray(0, 5), ...backing.subarray(7)]).to.deep.equal(new Array(10).fill(0));
    });

    it('reads and writes u32 like DataView, never negative', function () {
        const bytes = new Uint8Array(8);
        for (const value of U32) {
            writeU32LE(bytes, 4, value);
            expect(viewOf(bytes).getUint32(4, true), `write ${value}`).to.equal(value);
            viewOf(bytes).setUint32(4, value, true);
            expect(readU32LE(bytes, 4), `read ${value}`).to.equal(value);
        }
    });

    it('reads and writes u64 values up to 2^53 - 1 like getBigUint64, refusing larger ones', function () {
        const bytes = new Uint8Array(16);
        for (const value of U53) {
            writeU53LE(bytes, 8, value);
            expect(viewOf(bytes).getBigUint64(8, true), `write ${value}`).to.equal(BigInt(value));
            viewOf(bytes).setBigUint64(8, BigInt(value), true);
            expect(readU53LE(bytes, 8), `read ${value}`).to.equal(value);
        }
        for (const value of [2n ** 53n, 2n ** 64n - 1n, 2n ** 63n]) {
            viewOf(bytes).setBigUint64(8, value, true);
            expect(readU53LE(bytes, 8), `read ${value}`).to.equal(undefined);
        }
    });
});
