/**
 * The server's crypto backend keeps working while the libuv thread pool
 * runs crypto work of its own (async randomFill, as libraries do). A former
 * backend that generated X25519 key pairs with node:crypto's
 * `generateKeyPairSync` and exported them as JWK deadlocked the main thread
 * now and then under that load (about one run in three on Node 20): this
 * runs the backend's handshake operations (key pair, shared key, opening the
 * challenge response) under the same load in child processes and expects
 * each to finish.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';

const BACKEND = new URL('../../src/crypto/index.js', import.meta.url).href;

const SCRIPT = `
import { randomFill } from 'node:crypto';
import { sodiumCryptoBackend as crypto } from ${JSON.stringify(BACKEND)};
const t0 = Date.now();
let handshakes = 0;
const busy = () => Date.now() - t0 < 1500;
const noise = () => randomFill(Buffer.alloc(64), () => { if (busy()) setImmediate(noise); });
for (let i = 0; i < 4; i++) noise();
const group = crypto.generateKeyPair();
const nonce = crypto.randomBytes(24);
const loop = () => {
    for (let i = 0; i < 50; i++) {
        const esk = crypto.generateKeyPair();
        const challenge = crypto.randomBytes(32);
        const box = crypto.secretboxSeal(challenge, nonce, crypto.boxSharedKey(esk.publicKey, group.secretKey));
        if (crypto.boxOpen(box, nonce, group.publicKey, esk.secretKey) === undefined) process.exit(2);
        handshakes++;
    }
    if (busy()) setImmediate(loop);
    else process.stdout.write(String(handshakes));
};
loop();
`;

function run(timeoutMs: number): Promise<{ finished: boolean; handshakes: number }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
            stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', (code) => {
            clearTimeout(timer);
            resolve({ finished: code === 0, handshakes: Number(out) });
        });
    });
}

describe('server crypto backend under thread-pool crypto load', function () {
    this.timeout(60_000);

    it('finishes key pairs and shared keys in each of four runs (no main-thread deadlock)', async function () {
        for (let attempt = 0; attempt < 4; attempt++) {
            const result = await run(10_000);
            expect(result.finished, `run ${attempt + 1} did not finish within 10 s`).to.equal(true);
            expect(result.handshakes).to.be.greaterThan(100);
        }
    });
});
