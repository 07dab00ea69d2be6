/**
 * Short variants of the fuzzers, run in process on their result objects: the
 * decoder fuzzer (scripts/fuzz/decoders.ts) with 50,000 inputs and a fixed
 * seed (no crash, no hang), and the live fuzzer (scripts/fuzz/live.ts)
 * against a running server.
 */
import { expect } from 'chai';
import { fuzzDecoders } from '../../scripts/fuzz/decoders.js';
import { liveFuzz } from '../../scripts/fuzz/live.js';

describe('decoder fuzzing (short run)', function () {
    this.timeout(60_000);

    it('feeds 50,000 generated and mutated inputs to every decoder without a crash or hang', function () {
        const report = fuzzDecoders(50_000, 7);
        expect(report.inputs).to.equal(50_000);
        for (const target of ['frame', 'payload', 'client-url-info', 'csp-stream-cutter', 'd2d-envelope']) {
            expect(report.targets[target]?.inputs, target).to.equal(10_000);
        }
        expect(report.failures).to.deep.equal([]);
    });

    it('keeps a running server up under 60 offending connections while well-behaved devices are unaffected', async function () {
        const report = await liveFuzz({ connections: 60, frames: 20, seed: 5 });
        expect(report.connections).to.equal(60);
        expect(report.undocumentedCloses, JSON.stringify(report.closesByCode)).to.equal(0);
        expect(report.goodExpected).to.equal(600);
        expect(report.goodDelivered).to.equal(600);
        expect(report.serverAcceptsAfterwards).to.equal(true);
    });
});
