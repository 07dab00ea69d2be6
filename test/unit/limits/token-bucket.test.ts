import { expect } from 'chai';
import { InboundLimiter, TokenBucket } from '../../../src/limits/index.js';

describe('limits: token bucket', function () {
    it('starts full and refuses what it does not hold, taking nothing', function () {
        const bucket = new TokenBucket(10, 5, 0);
        expect(bucket.take(5, 0)).to.equal(true);
        expect(bucket.take(1, 0)).to.equal(false);
        expect(bucket.available(0)).to.equal(0);
    });

    it('refills at its rate and never above its capacity', function () {
        const bucket = new TokenBucket(10, 5, 0);
        bucket.take(5, 0);
        expect(bucket.available(100)).to.be.closeTo(1, 1e-9);
        expect(bucket.take(2, 100)).to.equal(false);
        expect(bucket.take(1, 100)).to.equal(true);
        expect(bucket.available(60_000)).to.equal(5);
    });

    it('ignores a clock that goes backwards', function () {
        const bucket = new TokenBucket(10, 5, 1000);
        bucket.take(5, 1000);
        expect(bucket.available(500)).to.equal(0);
        expect(bucket.available(1100)).to.be.closeTo(1, 1e-9);
    });

    it('rejects a zero rate or capacity', function () {
        expect(() => new TokenBucket(0, 5, 0)).to.throw(RangeError);
        expect(() => new TokenBucket(5, 0, 0)).to.throw(RangeError);
    });
});

describe('limits: inbound limiter', function () {
    const options = { framesPerS: 100, frameBurst: 10, bytesPerS: 1000, byteBurst: 2000 };

    it('admits a burst, then the sustained frame rate, then reports the frame limit', function () {
        const limiter = new InboundLimiter(options, 0);
        for (let i = 0; i < 10; i++) expect(limiter.admit(1, 0)).to.equal(undefined);
        expect(limiter.admit(1, 0)).to.equal('frames');
        // 100 frames/s: one more every 10 ms.
        expect(limiter.admit(1, 10)).to.equal(undefined);
        expect(limiter.admit(1, 10)).to.equal('frames');
    });

    it('reports the byte limit for large frames within the frame rate', function () {
        const limiter = new InboundLimiter(options, 0);
        expect(limiter.admit(1500, 0)).to.equal(undefined);
        expect(limiter.admit(600, 0)).to.equal('bytes');
        expect(limiter.admit(600, 200)).to.equal(undefined);
    });

    it('is off for a zero rate', function () {
        const off = { framesPerS: 0, frameBurst: 1, bytesPerS: 0, byteBurst: 65536 };
        expect(InboundLimiter.enabled(off)).to.equal(false);
        const limiter = new InboundLimiter(off, 0);
        for (let i = 0; i < 1000; i++) expect(limiter.admit(1_000_000, 0)).to.equal(undefined);
        expect(InboundLimiter.enabled({ ...off, bytesPerS: 1 })).to.equal(true);
    });
});
