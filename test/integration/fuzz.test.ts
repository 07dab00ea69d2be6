/**
 * The short variant of the decoder fuzzer (scripts/fuzz/decoders.ts): runs
 * the compiled script with 50,000 inputs and a fixed seed, and expects no
 * crash and no hang.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('../../scripts/fuzz/decoders.js', import.meta.url));

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
});
