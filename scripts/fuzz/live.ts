/**
 * Live fuzzing: many connections send random and mutated frames to a running
 * mediator (embedded backend, in this process) while well-behaved devices of
 * other groups reflect to each other. The server must stay up, close every
 * offending connection with a documented code, and deliver every reflection
 * of the well-behaved devices.
 *
 * Usage: node dist/scripts/fuzz/live.js [--connections 200] [--frames 50] [--seed N]
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import {
    buildClientUrl,
    CLOSE_CODES,
    D2mPayloadType,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotExpirationPolicy,
    decodeMessage,
    encodeMessage,
    ensureServerGroup,
    PAYLOAD_TYPES,
    type ServerHello,
} from '../../d2m/index.js';
import { buildConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { DeviceClient } from '../../src/device/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { startMediatorServer } from '../../src/mediator-server.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import { clientHelloFor } from '../lib/client-hello.js';
import { mutate } from './mutate.js';
import { Prng } from './prng.js';

export interface LiveFuzzReport {
    readonly connections: number;
    readonly framesSent: number;
    readonly closesByCode: Readonly<Record<string, number>>;
    readonly undocumentedCloses: number;
    readonly stillOpen: number;
    readonly goodReflections: number;
    readonly goodDelivered: number;
    readonly goodExpected: number;
    readonly serverAcceptsAfterwards: boolean;
}

/** Codes a fuzzed connection may end with: the protocol's table, plus 1006 when uWS drops a socket outright. */
function documented(code: number): boolean {
    return CLOSE_CODES.has(code) || code === 1009;
}

async function evilConnection(
    rng: Prng,
    url: string,
    dgpkSecretKey: Uint8Array,
    frames: number,
    corpus: Uint8Array[],
): Promise<{ code: number; sent: number }> {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 20 });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => undefined);
    const opened = await new Promise<boolean>((resolve) => {
        socket.once('open', () => resolve(true));
        socket.once('close', () => resolve(false));
    });
    let sent = 0;
    if (opened) {
        const mode = rng.below(4);
        if (mode > 0) {
            // Authenticate first (mode 1: correctly, 2: with a broken response, 3: skip to garbage).
            const hello = await new Promise<ServerHello.Type | undefined>((resolve) => {
                socket.once('message', (data: Buffer) => {
                    try {
                        const message = decodeMessage(new Uint8Array(data));
                        resolve(message.type === D2mPayloadType.SERVER_HELLO ? message.body : undefined);
                    } catch {
                        resolve(undefined);
                    }
                });
                socket.once('close', () => resolve(undefined));
            });
            if (hello !== undefined && mode < 3) {
                socket.send(
                    encodeMessage(
                        clientHelloFor(hello, {
                            crypto: sodiumCryptoBackend,
                            dgpkSecretKey: dgpkSecretKey as never,
                            deviceId: BigInt(rng.u32()),
                            deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
                            deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                            encryptedDeviceInfo: rng.bytes(rng.below(50)),
                            // Mode 2: a response that fails verification.
                            tamperByte: mode === 2 ? 40 : undefined,
                        }),
                    ),
                );
                sent++;
            }
        }
        for (let i = 0; i < frames && socket.readyState === WebSocket.OPEN; i++) {
            const roll = rng.below(20);
            if (roll === 0) socket.send('text is not allowed');
            else if (roll === 1) socket.send(rng.bytes(rng.below(4)));
            else socket.send(mutate(rng, rng.pick(corpus), rng.pick(corpus)));
            sent++;
            if (rng.chance(0.2)) await new Promise((resolve) => setImmediate(resolve));
        }
        // Anything still open gave no offence the server could see (e.g. only valid frames): close it.
        setTimeout(() => socket.close(1000), 2000).unref();
    }
    return { code: await closed, sent };
}

export async function liveFuzz(options: {
    readonly connections: number;
    readonly frames: number;
    readonly seed: number;
}): Promise<LiveFuzzReport> {
    const rng = new Prng(options.seed);
    const backend = createMemoryBackend();
    const server = await startMediatorServer({
        config: buildConfig({
            host: '127.0.0.1',
            port: 0,
            logLevel: 'silent',
            // Connections that only send Proxy frames stay unauthenticated until this timeout.
            handshakeTimeoutMs: 1000,
            policy: { maxDeviceSlots: 1000 },
        }),
        backend,
        crypto: sodiumCryptoBackend,
        logger: silentLogger,
    });
    const base = `ws://127.0.0.1:${server.port}/`;
    const corpus = [...PAYLOAD_TYPES.keys()].map((type) => {
        const frame = new Uint8Array(4 + rng.below(80));
        frame.set(rng.bytes(frame.byteLength));
        frame[0] = type;
        frame[1] = frame[2] = frame[3] = 0;
        return frame;
    });

    // Well-behaved devices: two groups of three, each device reflecting 50 numbered envelopes.
    const good: DeviceClient[][] = [];
    for (let g = 0; g < 2; g++) {
        const keys = deriveDeviceGroupKeys(sodiumCryptoBackend, randomBytes(32));
        const devices: DeviceClient[] = [];
        for (let d = 1; d <= 3; d++) {
            devices.push(
                await DeviceClient.connect({
                    url: base,
                    keys,
                    serverGroup: '4f',
                    deviceId: BigInt(d),
                    crypto: sodiumCryptoBackend,
                }),
            );
        }
        good.push(devices);
    }
    let goodDelivered = 0;
    for (const device of good.flat()) device.on('reflected', () => void goodDelivered++);
    const REFLECTIONS_PER_DEVICE = 50;
    const goodTraffic = good.flat().map(async (device) => {
        for (let n = 0; n < REFLECTIONS_PER_DEVICE; n++) {
            await device.reflect(randomBytes(64));
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
    });

    // Offending connections, in waves, against random groups (some with the right key of a fuzz group).
    const fuzzKeys = deriveDeviceGroupKeys(sodiumCryptoBackend, randomBytes(32));
    const fuzzUrl = buildClientUrl(base, {
        deviceGroupId: fuzzKeys.deviceGroupId,
        serverGroup: ensureServerGroup('4f'),
    });
    const closesByCode: Record<string, number> = {};
    let framesSent = 0;
    let undocumentedCloses = 0;
    const WAVE = 25;
    for (let started = 0; started < options.connections; started += WAVE) {
        const wave = Array.from({ length: Math.min(WAVE, options.connections - started) }, () => {
            const url = rng.chance(0.1) ? `${base}${rng.pick(['', 'e7/zz', '0a20', 'x/0a2011'])}` : fuzzUrl;
            return evilConnection(rng, url, fuzzKeys.dgpk.secretKey, options.frames, corpus);
        });
        for (const { code, sent } of await Promise.all(wave)) {
            closesByCode[code] = (closesByCode[code] ?? 0) + 1;
            framesSent += sent;
            if (!documented(code)) undocumentedCloses++;
        }
    }
    await Promise.all(goodTraffic);
    const goodExpected = good.length * 3 * REFLECTIONS_PER_DEVICE * 2;
    const deadline = Date.now() + 10_000;
    while (goodDelivered < goodExpected && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));

    // The server still accepts and serves a new device.
    let serverAcceptsAfterwards = false;
    try {
        const probe = await DeviceClient.connect({
            url: base,
            deviceGroupKey: randomBytes(32),
            serverGroup: '4f',
            deviceId: 1n,
            crypto: sodiumCryptoBackend,
        });
        await probe.waitForQueueDry();
        await probe.close();
        serverAcceptsAfterwards = true;
    } catch {
        serverAcceptsAfterwards = false;
    }
    const stillOpen = server.sessionStats().length - good.flat().length;
    await Promise.all(good.flat().map((device) => device.close()));
    await server.stop();
    await backend.close();
    return {
        connections: options.connections,
        framesSent,
        closesByCode,
        undocumentedCloses,
        stillOpen,
        goodReflections: good.flat().length * REFLECTIONS_PER_DEVICE,
        goodDelivered,
        goodExpected,
        serverAcceptsAfterwards,
    };
}

function parseArguments(argv: readonly string[]): { connections: number; frames: number; seed: number } {
    const options = { connections: 200, frames: 50, seed: Date.now() % 0x7fffffff };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
        const value = Number(inline ?? argv[++i]);
        if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a non-negative integer`);
        if (flag === '--connections') options.connections = value;
        else if (flag === '--frames') options.frames = value;
        else if (flag === '--seed') options.seed = value;
        else throw new Error(`unknown argument ${flag}`);
    }
    return options;
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const options = parseArguments(process.argv.slice(2));
    const report = await liveFuzz(options);
    console.log(
        `live fuzz (seed ${options.seed}): ${report.connections} offending connections, ${report.framesSent} frames`,
    );
    console.log(`closes by code: ${JSON.stringify(report.closesByCode)}; undocumented: ${report.undocumentedCloses}`);
    console.log(`well-behaved devices: ${report.goodDelivered} of ${report.goodExpected} deliveries`);
    console.log(`server accepts a new device afterwards: ${report.serverAcceptsAfterwards ? 'yes' : 'no'}`);
    const ok =
        report.undocumentedCloses === 0 &&
        report.goodDelivered === report.goodExpected &&
        report.serverAcceptsAfterwards;
    console.log(ok ? 'live fuzz: passed' : 'live fuzz: FAILED');
    process.exitCode = ok ? 0 : 1;
}
