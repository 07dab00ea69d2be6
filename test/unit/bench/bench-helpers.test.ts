import { expect } from 'chai';
import fc from 'fast-check';
import { payloadId } from '../../../scripts/bench/fanout.js';
import { mergeFanout, splitGroups } from '../../../scripts/bench/load-generator.js';
import { DEFAULT_SIZES, parseOptions, QUICK_SIZES } from '../../../scripts/bench/options.js';
import { areaOf, summarizeProfile } from '../../../scripts/bench/profile-summary.js';
import { evaluate, renderTable, rowSpecs, type RoundResult } from '../../../scripts/bench/report.js';
import type { StormResult } from '../../../scripts/bench/scenarios.js';
import { scriptCallsOf } from '../../../scripts/bench/services.js';
import {
    formatSpread,
    latencyTimeline,
    LatencyRecorder,
    pairedRatios,
    percentile,
    significantDigits,
    spread,
} from '../../../scripts/bench/stats.js';

/** Scenario sizes for the row specs in the report tests. */
const BENCH_SHAPE = {
    stormDevices: 10,
    groups: 2,
    devicesPerGroup: 4,
    window: 8,
    idleDevices: 10,
    drainReflections: 100,
};

describe('benchmark helpers', function () {
    describe('percentile (nearest rank)', function () {
        it('picks the smallest value with at least q of all values at or below it', function () {
            const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
            expect(percentile(sorted, 0)).to.equal(1);
            expect(percentile(sorted, 0.1)).to.equal(1);
            expect(percentile(sorted, 0.11)).to.equal(2);
            expect(percentile(sorted, 0.5)).to.equal(5);
            expect(percentile(sorted, 0.99)).to.equal(10);
            expect(percentile(sorted, 1)).to.equal(10);
        });

        it('is NaN without values and rejects quantiles outside [0, 1]', function () {
            expect(percentile([], 0.5)).to.be.NaN;
            expect(() => percentile([1], 1.5)).to.throw(RangeError);
            expect(() => percentile([1], Number.NaN)).to.throw(RangeError);
        });

        it('returns a member of the input, at or above the share q of the values', function () {
            fc.assert(
                fc.property(
                    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 200 }),
                    fc.double({ min: 0, max: 1, noNaN: true }),
                    (values, q) => {
                        const sorted = [...values].sort((a, b) => a - b);
                        const p = percentile(sorted, q);
                        expect(sorted).to.include(p);
                        const atOrBelow = sorted.filter((value) => value <= p).length;
                        expect(atOrBelow / sorted.length).to.be.at.least(q - 1e-12);
                    },
                ),
            );
        });
    });

    describe('spread', function () {
        it('gives min, median and max, ignoring NaN', function () {
            expect(spread([3, 1, 2])).to.deep.equal({ min: 1, median: 2, max: 3, n: 3 });
            expect(spread([4, 1, Number.NaN, 2, 3])).to.deep.equal({ min: 1, median: 2.5, max: 4, n: 4 });
            expect(spread([Number.NaN]).n).to.equal(0);
        });
    });

    describe('LatencyRecorder', function () {
        it('grows past its initial capacity and answers quantiles and the maximum', function () {
            const recorder = new LatencyRecorder(16);
            for (let i = 1000; i >= 1; i--) recorder.add(i);
            expect(recorder.count).to.equal(1000);
            expect(recorder.quantiles([0.5, 0.99, 0.999])).to.deep.equal([500, 990, 999]);
            expect(recorder.max()).to.equal(1000);
        });

        it('answers NaN when empty', function () {
            const recorder = new LatencyRecorder();
            expect(recorder.quantiles([0.5])[0]).to.be.NaN;
            expect(recorder.max()).to.be.NaN;
        });
    });

    describe('formatting and ratios', function () {
        it('formats median (min–max) with about three significant digits', function () {
            expect(formatSpread({ min: 900, median: 1234.4, max: 1500, n: 3 })).to.equal('1,234 (900–1,500)');
            expect(formatSpread({ min: 1.5, median: 2.25, max: 3, n: 3 })).to.equal('2.25 (1.50–3.00)');
            expect(formatSpread({ min: 0.5, median: 0.5, max: 0.5, n: 3 }, 2, 'x')).to.equal('0.50x');
            expect(formatSpread({ min: Number.NaN, median: Number.NaN, max: Number.NaN, n: 0 })).to.equal('–');
            expect(significantDigits(0.0412)).to.equal(3);
            expect(significantDigits(45)).to.equal(1);
        });

        it('pairs ratios by round and skips rounds without both values', function () {
            expect(pairedRatios([10, 20, Number.NaN, 5], [5, 0, 3, 10])).to.deep.equal([2, 0.5]);
        });
    });

    describe('payloadId', function () {
        it('reads the first six bytes as a little-endian integer', function () {
            expect(payloadId(new Uint8Array([1, 0, 0, 0, 0, 0, 99]))).to.equal(1);
            expect(payloadId(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).to.equal(2 ** 48 - 1);
            expect(payloadId(new Uint8Array([0, 0, 0, 0, 0, 1]))).to.equal(2 ** 40);
        });
    });

    describe('options', function () {
        it('uses the default sizes, the quick preset and overrides', function () {
            expect(parseOptions([]).sizes).to.deep.equal(DEFAULT_SIZES);
            expect(parseOptions([]).rounds).to.equal(3);
            const quick = parseOptions(['--quick', '--rounds=4', '--groups', '5', '--seconds', '2']);
            expect(quick.quick).to.equal(true);
            expect(quick.rounds).to.equal(4);
            expect(quick.sizes).to.deep.equal({ ...QUICK_SIZES, groups: 5, closedMs: 2000, openMs: 2000 });
            expect(parseOptions(['--configs', 'embedded,mosquitto']).configs).to.deep.equal(['embedded', 'mosquitto']);
        });

        it('chooses the load generator (lean by default, in two processes)', function () {
            expect(parseOptions([])).to.include({ generator: 'lean', generatorProcesses: 2 });
            expect(parseOptions(['--generator', 'sdk', '--generator-processes', '3'])).to.include({
                generator: 'sdk',
                generatorProcesses: 3,
            });
            expect(() => parseOptions(['--generator', 'fast'])).to.throw(/unknown fast/);
            expect(() => parseOptions(['--generator-processes', '0'])).to.throw(/positive integer/);
        });

        it('runs the open loop alone at a fixed rate with --open-rate, else at half the closed loop', function () {
            expect(parseOptions([]).openRate).to.equal(undefined);
            expect(parseOptions(['--open-rate', '5000']).openRate).to.equal(5000);
            expect(() => parseOptions(['--open-rate', '-1'])).to.throw(/positive integer/);
            const names = (openRate?: number) => rowSpecs({ ...BENCH_SHAPE, openRate }).map((spec) => spec.scenario);
            expect(names()).to.include('2 fan-out open loop at ½ max');
            expect(names(5000)).to.include('2 fan-out open loop at 5,000 reflects/s');
        });

        it('rejects unknown flags, names and bad numbers', function () {
            expect(() => parseOptions(['--fast'])).to.throw(/unknown argument/);
            expect(() => parseOptions(['--configs', 'kafka'])).to.throw(/unknown kafka/);
            expect(() => parseOptions(['--rounds', '0'])).to.throw(/positive integer/);
            expect(() => parseOptions(['--rounds'])).to.throw(/needs a value/);
        });
    });

    describe('report', function () {
        const shape = BENCH_SHAPE;

        function fanout(deliveriesPerS: number, p99Ms: number): NonNullable<RoundResult['fanout']> {
            const latency = { p50Ms: 1, p99Ms, p999Ms: p99Ms, maxMs: p99Ms, samples: 100 };
            const run = {
                mode: 'closed' as const,
                offeredPerS: undefined,
                seconds: 1,
                reflectsPerS: deliveriesPerS / 3,
                deliveriesPerS,
                latency,
                latencyFromSend: latency,
                senderLag: latency,
                timeline: latencyTimeline([0, 100], [1, p99Ms]),
                serverCpuS: 0.5,
                storageCpuS: Number.NaN,
                harnessCpuS: 0.5,
                generatorCoreShares: [0.25, 0.25],
                generatorSaturated: false,
                serverCpuSPer1000: 0.01,
                storageCpuSPer1000: Number.NaN,
                scriptCallsPerReflection: Number.NaN,
                missing: 0,
                unexpected: 0,
                errors: 0,
                overloaded: false,
            };
            return { closed: run, open: { ...run, mode: 'open', offeredPerS: deliveriesPerS / 6 } };
        }

        it('spreads values over rounds, pairs ratios per round and judges targets on the median', function () {
            const rounds: RoundResult[][] = [1, 2, 3].map((round) => [
                { round, config: 'embedded', errors: {}, seconds: {}, fanout: fanout(1000 * round, 5 + round * 2) },
                { round, config: 'mosquitto', errors: {}, seconds: {}, fanout: fanout(2000, 1) },
            ]);
            const specs = rowSpecs(shape);
            const outputs = evaluate(specs, rounds, ['embedded', 'mosquitto']);
            const ratio = outputs.find((output) => output.metric.startsWith('deliveries/s ÷ Mosquitto'))!;
            expect(ratio.cells.embedded).to.include({ min: 0.5, median: 1, max: 1.5, n: 3 });
            expect(ratio.status).to.deep.equal({ embedded: 'met' });
            const p99 = outputs.find(
                (output) => output.scenario.includes('open') && output.metric === 'latency p99 ms',
            )!;
            expect(p99.cells.embedded).to.include({ median: 9 });
            const p99Ratio = outputs.find((output) => output.metric === 'latency p99 ÷ Mosquitto (same round)')!;
            expect(p99Ratio.cells.embedded).to.include({ median: 9 });
            expect(p99Ratio.status).to.deep.equal({ embedded: 'missed' });
            const busiest = outputs.find(
                (output) =>
                    output.scenario.includes('closed') && output.metric.startsWith('load generator: busiest process'),
            )!;
            expect(busiest.status).to.deep.equal({ embedded: 'met', mosquitto: 'met' });
            const storm = outputs.find((output) => output.metric.startsWith('handshakes/s one mediator core'))!;
            expect(storm.status).to.deep.equal({ embedded: 'no data' });

            const table = renderTable(specs, outputs, ['embedded', 'mosquitto']).split('\n');
            expect(table[0]).to.equal('| scenario | metric | embedded | Mosquitto | target | status |');
            expect(table.find((line) => line.includes('deliveries/s ÷ Mosquitto'))).to.include('1.00x (0.50–1.50)');
        });
    });

    describe('handshake rows', function () {
        function stormResult(cpuMs: number): StormResult {
            return {
                devices: 100,
                connected: 100,
                failed: 0,
                seconds: 0.1,
                handshakesPerS: 1000,
                mediatorCpuS: cpuMs / 10,
                mediatorCpuMsPerHandshake: cpuMs,
                cpuBoundHandshakesPerS: 1000 / cpuMs,
                firstError: undefined,
            };
        }

        it('judges the CPU target on the warm reconnect storms and shows the first one without a target', function () {
            const rounds: RoundResult[][] = [1, 2, 3].map((round) => [
                {
                    round,
                    config: 'embedded',
                    errors: {},
                    seconds: {},
                    handshake: {
                        firstLogin: stormResult(0.5),
                        reconnect: stormResult(0.3),
                        reconnectWarm: stormResult(0.15),
                    },
                },
            ]);
            const specs = rowSpecs(BENCH_SHAPE);
            const outputs = evaluate(specs, rounds, ['embedded']);
            const first = outputs.find(
                (output) => output.metric === 'mediator CPU ms per handshake (first reconnect storm)',
            )!;
            expect(first.cells.embedded).to.include({ median: 0.3 });
            expect(first.status).to.deep.equal({});
            const warm = outputs.find(
                (output) =>
                    output.metric.startsWith('mediator CPU ms per handshake (warm') &&
                    output.status.embedded !== undefined,
            )!;
            expect(warm.cells.embedded).to.include({ median: 0.15 });
            expect(warm.status).to.deep.equal({ embedded: 'met' });
        });
    });

    describe('load generator', function () {
        it('splits the groups over the processes as evenly as possible, never into empty shares', function () {
            expect(splitGroups(32, 2)).to.deep.equal([16, 16]);
            expect(splitGroups(33, 2)).to.deep.equal([17, 16]);
            expect(splitGroups(2, 3)).to.deep.equal([1, 1]);
            expect(splitGroups(5, 1)).to.deep.equal([5]);
        });

        it("merges the processes' windows and marks a saturated process", function () {
            const window = (acks: number, cpuS: number, latencies: number[]) => ({
                seconds: 2,
                acks,
                deliveries: acks * 3,
                fromSchedule: latencies,
                scheduledAtMs: latencies.map((latency) => 1_000 * latency),
                fromSend: latencies,
                lag: [],
                cpuS,
            });
            const end = { missing: 1, unexpected: 0, errors: 2, overloaded: false };
            const result = mergeFanout(
                'closed',
                undefined,
                [window(100, 0.6, [1, 2]), window(300, 1.9, [3, 4])],
                [end, { ...end, overloaded: true }],
                { server: 10, storage: 5, scripts: 1000 },
                { server: 11.2, storage: 5.6, scripts: 1800 },
            );
            expect(result.reflectsPerS).to.equal(200);
            expect(result.deliveriesPerS).to.equal(600);
            expect(result.latency).to.include({ p50Ms: 2, maxMs: 4, samples: 4 });
            expect(result.generatorCoreShares).to.deep.equal([0.3, 0.95]);
            expect(result.generatorSaturated).to.equal(true);
            expect(result.harnessCpuS).to.be.closeTo(2.5, 1e-9);
            expect(result.serverCpuSPer1000).to.be.closeTo(1, 1e-9);
            expect(result.storageCpuSPer1000).to.be.closeTo(0.5, 1e-9);
            expect(result.scriptCallsPerReflection).to.equal(2);
            expect(result).to.include({ missing: 2, errors: 4, overloaded: true });
            // Both processes' send times on one clock: four slices, one delivery each.
            expect(result.timeline.windows.map((window) => window.startMs)).to.deep.equal([0, 1_000, 2_000, 3_000]);
        });

        it('slices latencies by scheduled send time and finds the slices that hold the tail', function () {
            // 1,000 deliveries over 1 s at 1 ms each, but those scheduled in 300-400 ms and 700-800 ms are slow.
            const sentAt = Array.from({ length: 1_000 }, (_, i) => 5_000 + i);
            const latency = sentAt.map((t) => (t >= 5_300 && t < 5_310 ? 50 : t >= 5_700 && t < 5_705 ? 40 : 1));
            const timeline = latencyTimeline(sentAt, latency, 100, 2);
            expect(timeline.windows).to.have.length(10);
            expect(timeline.windows[3]).to.deep.equal({ startMs: 300, count: 100, p50Ms: 1, maxMs: 50, aboveP99: 10 });
            // The run's p99 is 40 ms (15 slow of 1,000): slower than it are the ten of 50 ms, all in slice 3.
            expect(timeline.windows[7]).to.include({ startMs: 700, maxMs: 40, aboveP99: 0 });
            expect(timeline.worstShare).to.equal(1);
            // Without slices 3 and 7 (the two worst) nothing slow is left.
            expect(timeline.p99WithoutWorstMs).to.equal(1);
            // A tail spread over the run (20-29 ms every 20 ms): two slices hold only a part of it.
            const even = latencyTimeline(
                sentAt,
                sentAt.map((t) => (t % 20 === 0 ? 20 + ((t / 20) % 10) : 1)),
                100,
                2,
            );
            expect(even.worstShare).to.be.at.most(0.5);
            expect(even.p99WithoutWorstMs).to.be.above(20);
            expect(() => latencyTimeline([1], [1, 2])).to.throw(RangeError);
            expect(latencyTimeline([], []).worstShare).to.be.NaN;
        });

        it('counts the Lua script calls in INFO commandstats', function () {
            const info = [
                '# Commandstats',
                'cmdstat_evalsha:calls=120,usec=900,usec_per_call=7.50,rejected_calls=0,failed_calls=0',
                'cmdstat_eval:calls=3,usec=40,usec_per_call=13.33,rejected_calls=0,failed_calls=0',
                'cmdstat_fcall_ro:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0',
                'cmdstat_get:calls=50,usec=40,usec_per_call=0.80,rejected_calls=0,failed_calls=0',
                'cmdstat_script|load:calls=14,usec=400,usec_per_call=28.57,rejected_calls=0,failed_calls=0',
            ].join('\r\n');
            expect(scriptCallsOf(info)).to.equal(125);
        });
    });

    describe('profile summary', function () {
        it('adds self time by area and function, and inclusive time up the call tree', function () {
            const frame = (
                functionName: string,
                url: string,
            ): { functionName: string; url: string; lineNumber: number } => ({
                functionName,
                url,
                lineNumber: 0,
            });
            const summary = summarizeProfile({
                nodes: [
                    { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
                    { id: 2, callFrame: frame('send', 'file:///x/dist/src/transport/uws-server.js'), children: [3] },
                    { id: 3, callFrame: frame('write', 'file:///x/node_modules/ws/lib/sender.js') },
                    { id: 4, callFrame: frame('(idle)', '') },
                ],
                samples: [2, 3, 3, 4],
                timeDeltas: [1000, 2000, 3000, 4000],
                startTime: 0,
                endTime: 10_000,
            });
            expect(summary.totalMs).to.equal(10);
            expect(Object.fromEntries(summary.byArea)).to.deep.equal({
                idle: 4,
                'package ws': 5,
                'src/transport': 1,
                root: 0,
            });
            const inclusive = Object.fromEntries(summary.inclusiveByFunction);
            expect(inclusive['send dist/src/transport/uws-server.js:1']).to.equal(6);
            expect(areaOf(frame('(garbage collector)', ''))).to.equal('GC');
            expect(areaOf(frame('x', 'node:internal/crypto/keys'))).to.equal('node internal');
        });
    });
});
