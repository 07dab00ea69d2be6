import { expect } from 'chai';
import { buildConfig, DEFAULT_CONFIG } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';

function problemsOf(overrides: Parameters<typeof buildConfig>[0]): readonly string[] {
    try {
        buildConfig(overrides);
        return [];
    } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
    }
}

describe('limits: settings', function () {
    it('has defaults that leave room for the benchmark and a full queue', function () {
        expect(DEFAULT_CONFIG.maxUnauthenticatedPerIp).to.be.at.least(800);
        expect(DEFAULT_CONFIG.inboundFrameBurst).to.be.at.least(DEFAULT_CONFIG.policy.queueMaxCount);
        expect(DEFAULT_CONFIG.sendBufferMaxBytes).to.be.above(DEFAULT_CONFIG.deliveryHighWaterBytes);
    });

    it('accepts 0 to turn a limit off', function () {
        expect(
            problemsOf({
                maxUnauthenticatedPerIp: 0,
                maxUnauthenticated: 0,
                maxConnectionsPerGroup: 0,
                inboundFramesPerSecond: 0,
                inboundBytesPerSecond: 0,
            }),
        ).to.deep.equal([]);
    });

    it('rejects negative limits, a zero Retry-After, a burst below one frame and a send buffer below the high water', function () {
        const problems = problemsOf({
            maxUnauthenticatedPerIp: -1,
            retryAfterS: 0,
            inboundByteBurst: 1000,
            inboundFrameBurst: 0,
            sendBufferMaxBytes: 600 * 1024,
        });
        expect(problems.join('\n')).to.include('maxUnauthenticatedPerIp');
        expect(problems.join('\n')).to.include('retryAfterS');
        expect(problems.join('\n')).to.include('inboundByteBurst');
        expect(problems.join('\n')).to.include('inboundFrameBurst');
        expect(problems.join('\n')).to.include('sendBufferMaxBytes must be at least 655360');
    });
});
