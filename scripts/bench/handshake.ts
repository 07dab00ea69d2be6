/**
 * Handshake benchmark: full D2M challenge/response handshakes per second for
 * each crypto backend, and the server's share of that work.
 *
 * One handshake = server `createServerChallenge` + client
 * `createChallengeResponse` + server `verifyChallengeResponse`, client and
 * server on the same backend. The device group keys are derived once up
 * front. "server handshakes/s" counts only the time spent in the two server
 * calls, which is what bounds a mediator during a reconnect storm.
 *
 * Usage: node dist/scripts/bench/handshake.js [--seconds N]   (default 2 per backend)
 */
import { cpus } from 'node:os';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import {
    createChallengeResponse,
    createServerChallenge,
    tweetnaclBackend,
    verifyChallengeResponse,
    type CryptoBackend,
} from '../../d2m/index.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';

const DEFAULT_SECONDS = 2;
const WARM_UP_HANDSHAKES = 50;
const NS_PER_S = 1e9;

interface Result {
    readonly backend: string;
    readonly handshakes: number;
    readonly totalNs: bigint;
    readonly serverNs: bigint;
}

function parseSeconds(argv: readonly string[]): number {
    let value: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        if (arg === '--seconds') value = argv[++i];
        else if (arg.startsWith('--seconds=')) value = arg.slice('--seconds='.length);
        else throw new Error(`unknown argument ${arg}; usage: handshake.js [--seconds N]`);
    }
    if (value === undefined) return DEFAULT_SECONDS;
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a positive number');
    return seconds;
}

function run(backend: CryptoBackend, seconds: number): Result {
    const keys = deriveDeviceGroupKeys(backend, backend.randomBytes(32));
    const handshake = (): bigint => {
        const t0 = process.hrtime.bigint();
        const challenge = createServerChallenge(backend);
        const t1 = process.hrtime.bigint();
        const response = createChallengeResponse(
            backend,
            keys.dgpk.secretKey,
            challenge.esk.publicKey,
            challenge.challenge,
        );
        const t2 = process.hrtime.bigint();
        const ok = verifyChallengeResponse(backend, challenge, keys.deviceGroupId, response);
        const t3 = process.hrtime.bigint();
        if (!ok) throw new Error(`${backend.name}: handshake failed verification`);
        return t1 - t0 + (t3 - t2);
    };

    for (let i = 0; i < WARM_UP_HANDSHAKES; i++) handshake();

    const budgetNs = BigInt(Math.round(seconds * NS_PER_S));
    const start = process.hrtime.bigint();
    let now = start;
    let handshakes = 0;
    let serverNs = 0n;
    while (now - start < budgetNs) {
        serverNs += handshake();
        handshakes++;
        now = process.hrtime.bigint();
    }
    return { backend: backend.name, handshakes, totalNs: now - start, serverNs };
}

function perSecond(count: number, ns: bigint): number {
    return (count * NS_PER_S) / Number(ns);
}

function formatRate(rate: number): string {
    return Math.round(rate).toLocaleString('en-US');
}

function main(): void {
    const seconds = parseSeconds(process.argv.slice(2));
    const results = [tweetnaclBackend, sodiumCryptoBackend].map((backend) => run(backend, seconds));

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(`Node ${process.version}, ${cpus().length} x ${cpu}, ${seconds} s per backend\n`);
    console.log('| backend | handshakes/s | server handshakes/s |');
    console.log('|---|---:|---:|');
    for (const result of results) {
        const full = perSecond(result.handshakes, result.totalNs);
        const server = perSecond(result.handshakes, result.serverNs);
        console.log(`| ${result.backend} | ${formatRate(full)} | ${formatRate(server)} |`);
    }
    const [nacl, node] = results;
    if (nacl !== undefined && node !== undefined) {
        const fullRatio = perSecond(node.handshakes, node.totalNs) / perSecond(nacl.handshakes, nacl.totalNs);
        const serverRatio = perSecond(node.handshakes, node.serverNs) / perSecond(nacl.handshakes, nacl.serverNs);
        console.log(`| node/tweetnacl | ${fullRatio.toFixed(1)}x | ${serverRatio.toFixed(1)}x |`);
    }
}

main();
