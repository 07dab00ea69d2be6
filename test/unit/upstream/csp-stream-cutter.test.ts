import { expect } from 'chai';
import fc from 'fast-check';
import { PAYLOAD_MAX_BYTE_LENGTH } from '../../../d2m/index.js';
import { cspFrame } from '../../../src/dev/test-chat-server.js';
import {
    CSP_LOGIN_ACK_BYTE_LENGTH,
    CSP_SERVER_HELLO_BYTE_LENGTH,
    CspMessageTooLongError,
    CspStreamCutter,
} from '../../../src/upstream/csp-stream-cutter.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
    return new Uint8Array(Buffer.concat(parts));
}

/** Cuts `stream` at `cuts` (sorted offsets) and feeds the pieces; returns copies of the emitted messages. */
function cut(stream: Uint8Array, cuts: readonly number[], max = PAYLOAD_MAX_BYTE_LENGTH): Uint8Array[] {
    const cutter = new CspStreamCutter(max);
    const out: Uint8Array[] = [];
    let previous = 0;
    for (const offset of [...cuts, stream.byteLength]) {
        // Emitted messages may be views of the chunk, valid during the callback: copy them, then spoil the chunk.
        const piece = new Uint8Array(stream.subarray(previous, offset));
        cutter.push(piece, (message) => out.push(new Uint8Array(message)));
        piece.fill(0xee);
        previous = offset;
    }
    return out;
}

function hexes(list: readonly Uint8Array[]): string[] {
    return list.map((m) => Buffer.from(m).toString('hex'));
}

const hello = fc.uint8Array({ minLength: CSP_SERVER_HELLO_BYTE_LENGTH, maxLength: CSP_SERVER_HELLO_BYTE_LENGTH });
const ack = fc.uint8Array({ minLength: CSP_LOGIN_ACK_BYTE_LENGTH, maxLength: CSP_LOGIN_ACK_BYTE_LENGTH });
const payload = fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    { weight: 1, arbitrary: fc.integer({ min: 8000, max: PAYLOAD_MAX_BYTE_LENGTH - 2 }).map((n) => new Uint8Array(n)) },
);
/** The messages of a valid stream from the chat server. */
const messages = fc
    .tuple(hello, ack, fc.array(payload, { maxLength: 12 }))
    .map(([h, a, payloads]) => [h, a, ...payloads.map(cspFrame)]);

describe('CSP stream cutter', function () {
    it('yields the same messages for any segmentation of a valid stream (property)', function () {
        fc.assert(
            fc.property(messages, fc.array(fc.nat(), { maxLength: 40 }), (expected, rawCuts) => {
                const stream = concat(expected);
                const cuts = [...new Set(rawCuts.map((n) => n % (stream.byteLength + 1)))].sort((x, y) => x - y);
                expect(hexes(cut(stream, cuts))).to.deep.equal(hexes(expected));
            }),
            { numRuns: 300 },
        );
    });

    it('yields exactly the complete messages of a stream cut off anywhere (property)', function () {
        fc.assert(
            fc.property(messages, fc.array(fc.nat(), { maxLength: 10 }), fc.nat(), (all, rawCuts, end) => {
                const full = concat(all);
                const length = end % (full.byteLength + 1);
                const stream = full.subarray(0, length);
                const cuts = [...new Set(rawCuts.map((n) => n % (length + 1)))].sort((x, y) => x - y);
                const expected: Uint8Array[] = [];
                let offset = 0;
                for (const message of all) {
                    if (offset + message.byteLength > length) break;
                    expected.push(message);
                    offset += message.byteLength;
                }
                expect(hexes(cut(stream, cuts))).to.deep.equal(hexes(expected));
            }),
            { numRuns: 200 },
        );
    });

    it('yields the same messages when fed one byte at a time', function () {
        fc.assert(
            fc.property(messages, (expected) => {
                const stream = concat(expected);
                if (stream.byteLength > 20_000) return; // keep the run short
                const cuts = Array.from({ length: stream.byteLength - 1 }, (_, i) => i + 1);
                expect(cut(stream, cuts)).to.deep.equal(expected);
            }),
            { numRuns: 50 },
        );
    });

    it('holds back an unfinished message and reports its bytes as pending', function () {
        const cutter = new CspStreamCutter(PAYLOAD_MAX_BYTE_LENGTH);
        const out: Uint8Array[] = [];
        cutter.push(new Uint8Array(79), (m) => out.push(m));
        expect(out).to.have.length(0);
        expect(cutter.pendingBytes).to.equal(79);
        // The rest of the server-hello, the login-ack, and the low byte of a frame's length prefix.
        const chunk = new Uint8Array(1 + 32 + 1);
        chunk[33] = 3;
        cutter.push(chunk, (m) => out.push(new Uint8Array(m)));
        expect(out.map((m) => m.byteLength)).to.deep.equal([80, 32]);
        expect(cutter.pendingBytes).to.equal(1);
        cutter.push(new Uint8Array([0]), (m) => out.push(m));
        expect(cutter.pendingBytes).to.equal(2);
        cutter.push(new Uint8Array([7, 8]), (m) => out.push(m));
        expect(cutter.pendingBytes).to.equal(4);
        expect(cutter.atMessageBoundary).to.equal(false);
        cutter.push(new Uint8Array([9]), (m) => out.push(m));
        expect([...out[2]!]).to.deep.equal([3, 0, 7, 8, 9]);
        expect(cutter.atMessageBoundary).to.equal(true);
    });

    it('passes an empty frame (length 0) as its 2-byte prefix', function () {
        const out = cut(concat([new Uint8Array(80), new Uint8Array(32), cspFrame(new Uint8Array(0))]), [81, 113]);
        expect(out.map((m) => m.byteLength)).to.deep.equal([80, 32, 2]);
    });

    it('rejects a frame longer than a Proxy payload, after emitting the messages before it', function () {
        const cutter = new CspStreamCutter(PAYLOAD_MAX_BYTE_LENGTH);
        const out: Uint8Array[] = [];
        const tooLong = PAYLOAD_MAX_BYTE_LENGTH - 1; // + 2 prefix bytes = 65533 > 65532
        const stream = concat([
            new Uint8Array(80),
            new Uint8Array(32),
            cspFrame(new Uint8Array(5)),
            new Uint8Array([tooLong & 0xff, tooLong >>> 8]),
        ]);
        expect(() => cutter.push(stream, (m) => out.push(m))).to.throw(CspMessageTooLongError);
        expect(out.map((m) => m.byteLength)).to.deep.equal([80, 32, 7]);
        expect(() => cutter.push(new Uint8Array(1), () => undefined)).to.throw();
    });

    it('accepts the longest frame that fits a Proxy payload', function () {
        const frame = cspFrame(new Uint8Array(PAYLOAD_MAX_BYTE_LENGTH - 2));
        const out = cut(concat([new Uint8Array(80), new Uint8Array(32), frame]), [100, 5000]);
        expect(out[2]!.byteLength).to.equal(PAYLOAD_MAX_BYTE_LENGTH);
    });
});
