/**
 * Short variants of the fuzzers: the decoder fuzzer (scripts/fuzz/decoders.ts)
 * with 50,000 inputs and a fixed seed (no crash, no hang), and the live fuzzer
 * (scripts/fuzz/live.ts) against a running server.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('../../scripts/fuzz/decoders.js', import.meta.url));
const LIVE_SCRIPT = fileURLToPath(new URL('../../scripts/fuzz/live.js', import.meta.url));

describe('decoder fuzzing (short run)', function () {
    this.timeout(60_000);

    it('feeds 50,000 generated and mutated inputs to every decoder without a crash or hang', async function () {
        const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--inputs', '50000', '--seed', '7']);
        expect(stdout).to.match(/decoder fuzz: 50,000 inputs/u);
        for (const target of ['frame', 'payload', 'client-url-info', 'csp-stream-cutter', 'd2d-envelope']) {
            expect(stdout).to.match(new RegExp(`\\| ${target} \\| 10000 \\|`, 'u'));
        }
        expect(stdout).to.include('crashes and hangs: 0');
    });

    it('keeps a running server up under 60 offending connections while well-behaved devices are unaffected', async function () {
        const { stdout } = await promisify(execFile)(process.execPath, [
            LIVE_SCRIPT,
            '--connections',
            '60',
            '--frames',
            '20',
            '--seed',
            '5',
        ]);
        expect(stdout).to.match(/undocumented: 0$/mu);
        expect(stdout).to.match(/well-behaved devices: 600 of 600 deliveries/u);
        expect(stdout).to.include('server accepts a new device afterwards: yes');
        expect(stdout).to.include('live fuzz: passed');
    });
});
