/**
 * Decoder fuzzing: feeds generated and mutated inputs to every decoder the
 * mediator runs on untrusted bytes (frames and every payload type, struct
 * payloads, every protobuf message, ClientUrlInfo paths, the chat-server
 * stream cutter) and to the device-side Envelope decoder. Each input must
 * decode or fail with the decoder's typed error, in bounded time; anything
 * else (another exception, a hang) fails the run.
 *
 * Usage: node dist/scripts/fuzz/decoders.js [--inputs 1000000] [--seed N]
 */
import { decodeEnvelope, encodeEnvelope } from '../../d2d/index.js';
import {
    bytesToHex,
    D2mPayloadType,
    D2mProtocolError,
    decodeMessage,
    decodePayload,
    encodeClientUrlInfo,
    encodeMessage,
    ensureDeviceGroupId,
    ensureDeviceId,
    ensureServerGroup,
    PAYLOAD_TYPES,
    parseClientUrlPath,
    type D2mMessage,
} from '../../d2m/index.js';
import { PAYLOAD_MAX_BYTE_LENGTH } from '../../d2m/frame.js';
import { CspMessageTooLongError, CspStreamCutter } from '../../src/upstream/csp-stream-cutter.js';
import { mutate } from './mutate.js';
import { Prng } from './prng.js';

interface TargetStats {
    inputs: number;
    accepted: number;
    rejected: Map<string, number>;
    maxMs: number;
}

export interface FuzzReport {
    readonly seed: number;
    readonly inputs: number;
    readonly seconds: number;
    readonly targets: Readonly<Record<string, TargetStats>>;
    readonly failures: readonly string[];
}

/** One input taking longer than this counts as a hang. */
const HANG_MS = 1000;

function sampleMessage(rng: Prng, type: D2mPayloadType): D2mMessage {
    const bytes = (max: number): Uint8Array => rng.bytes(rng.below(max + 1));
    const id = () => ensureDeviceId((BigInt(rng.u32()) << 32n) | BigInt(rng.u32()));
    const time = () => rng.u32() * 1000 + rng.below(1000);
    switch (type) {
        case D2mPayloadType.PROXY:
            return { type, body: bytes(200) };
        case D2mPayloadType.SERVER_HELLO:
            return { type, body: { version: 0, esk: rng.bytes(32), challenge: rng.bytes(32) } };
        case D2mPayloadType.CLIENT_HELLO:
            return {
                type,
                body: {
                    version: 0,
                    response: rng.bytes(72),
                    deviceId: id(),
                    deviceSlotsExhaustedPolicy: rng.below(2),
                    deviceSlotExpirationPolicy: rng.below(2),
                    encryptedDeviceInfo: bytes(120),
                    expectedDeviceSlotState: rng.chance(0.5) ? rng.below(2) : undefined,
                },
            };
        case D2mPayloadType.SERVER_INFO:
            return {
                type,
                body: {
                    maxDeviceSlots: rng.below(10),
                    deviceSlotState: rng.below(2),
                    encryptedSharedDeviceData: bytes(60),
                    currentTime: time(),
                    reflectionQueueLength: rng.below(1000),
                },
            };
        case D2mPayloadType.DEVICES_INFO: {
            const devices = new Map();
            for (let i = rng.below(4); i > 0; i--) {
                devices.set(id(), {
                    encryptedDeviceInfo: bytes(40),
                    deviceSlotExpirationPolicy: rng.below(2),
                    connectionState: rng.chance(0.5)
                        ? { type: 'connected', connectedSince: time() }
                        : { type: 'disconnected', lastDisconnectAt: time(), lastLoginAt: time() },
                });
            }
            return { type, body: { devices } };
        }
        case D2mPayloadType.DROP_DEVICE:
        case D2mPayloadType.DROP_DEVICE_ACK:
            return { type, body: { deviceId: id() } };
        case D2mPayloadType.SET_SHARED_DEVICE_DATA:
            return { type, body: { encryptedSharedDeviceData: bytes(60) } };
        case D2mPayloadType.BEGIN_TRANSACTION:
            return { type, body: { encryptedScope: bytes(60), ttl: rng.below(200) } };
        case D2mPayloadType.TRANSACTION_REJECTED:
        case D2mPayloadType.TRANSACTION_ENDED:
            return { type, body: { deviceId: id(), encryptedScope: bytes(60) } };
        case D2mPayloadType.REFLECT:
            return { type, body: { flags: rng.below(2), reflectId: rng.u32(), envelope: bytes(300) } };
        case D2mPayloadType.REFLECT_ACK:
            return { type, body: { reflectId: rng.u32(), timestamp: time() } };
        case D2mPayloadType.REFLECTED:
            return {
                type,
                body: { flags: rng.below(2), reflectedId: rng.u32(), timestamp: time(), envelope: bytes(300) },
            };
        case D2mPayloadType.REFLECTED_ACK:
            return { type, body: { reflectedId: rng.u32() } };
        case D2mPayloadType.REFLECTION_QUEUE_DRY:
        case D2mPayloadType.ROLE_PROMOTED_TO_LEADER:
        case D2mPayloadType.GET_DEVICES_INFO:
        case D2mPayloadType.BEGIN_TRANSACTION_ACK:
        case D2mPayloadType.COMMIT_TRANSACTION:
        case D2mPayloadType.COMMIT_TRANSACTION_ACK:
            return { type, body: {} };
    }
}

class Fuzzer {
    readonly targets: Record<string, TargetStats> = {};
    readonly failures: string[] = [];

    readonly #seed: number;

    public constructor(seed: number) {
        this.#seed = seed;
    }

    /** Runs one input; `expected` tells whether a thrown error is the decoder's typed error. */
    public run(
        target: string,
        input: Uint8Array | string,
        decode: () => unknown,
        expected: (e: unknown) => string | undefined,
    ): void {
        const stats = (this.targets[target] ??= { inputs: 0, accepted: 0, rejected: new Map(), maxMs: 0 });
        stats.inputs++;
        const started = performance.now();
        try {
            decode();
            stats.accepted++;
        } catch (error) {
            const code = expected(error);
            if (code === undefined) {
                this.failures.push(
                    `${target}: unexpected ${error instanceof Error ? error.name + ': ' + error.message : String(error)} ` +
                        `(seed ${this.#seed}, input ${typeof input === 'string' ? input.slice(0, 200) : bytesToHex(input.subarray(0, 200))})`,
                );
            } else {
                stats.rejected.set(code, (stats.rejected.get(code) ?? 0) + 1);
            }
        }
        const elapsed = performance.now() - started;
        if (elapsed > stats.maxMs) stats.maxMs = elapsed;
        if (elapsed > HANG_MS)
            this.failures.push(`${target}: one input took ${elapsed.toFixed(0)} ms (seed ${this.#seed})`);
    }
}

const protocolError = (error: unknown): string | undefined =>
    error instanceof D2mProtocolError ? error.code : undefined;

export function fuzzDecoders(totalInputs: number, seed: number): FuzzReport {
    const rng = new Prng(seed);
    const fuzzer = new Fuzzer(seed);
    const types = [...PAYLOAD_TYPES.keys()];
    const started = performance.now();
    const corpus: Uint8Array[] = types.map((type) => encodeMessage(sampleMessage(rng, type)));
    const urlCorpus: Uint8Array[] = [];
    for (let i = 0; i < 16; i++) {
        const info = {
            deviceGroupId: ensureDeviceGroupId(rng.bytes(32)),
            serverGroup: ensureServerGroup(rng.u32().toString(16)),
        };
        urlCorpus.push(encodeClientUrlInfo(info, rng.chance(0.5) ? 'seed' : 'current'));
    }
    const envelopeCorpus = [0, 1, 2].map(() =>
        encodeEnvelope(
            {
                deviceId: ensureDeviceId(BigInt(rng.u32())),
                content: { kind: 'outgoingMessage', data: rng.bytes(rng.below(64)) },
            },
            rng.below(32),
        ),
    );

    const perTarget = Math.ceil(totalInputs / 5);
    for (let i = 0; i < perTarget; i++) {
        // 1. Whole frames: valid ones of every type, mutated, and random.
        const base = rng.pick(corpus);
        const frame = rng.chance(0.1)
            ? encodeMessage(sampleMessage(rng, rng.pick(types)))
            : mutate(rng, base, rng.pick(corpus));
        if (rng.chance(0.2)) frame[0] = rng.pick(types);
        fuzzer.run('frame', frame, () => decodeMessage(frame), protocolError);
        if (rng.chance(0.25)) corpus[rng.below(corpus.length)] = frame.byteLength >= 4 ? frame : base;

        // 2. Payloads of a known type (structs and every protobuf message).
        const type = rng.pick(types);
        const payload = mutate(rng, encodeMessage(sampleMessage(rng, type)).subarray(4), rng.pick(corpus));
        fuzzer.run(
            `payload`,
            payload,
            () => decodePayload(type, payload.subarray(0, PAYLOAD_MAX_BYTE_LENGTH)),
            protocolError,
        );

        // 3. ClientUrlInfo paths.
        const urlBytes = mutate(rng, rng.pick(urlCorpus), rng.pick(urlCorpus));
        let path = `/${rng.chance(0.3) ? 'e7/' : ''}${bytesToHex(urlBytes)}`;
        if (rng.chance(0.05)) path = path.toUpperCase();
        if (rng.chance(0.05)) path += rng.pick(['/', '?x=1', '#f', '//', 'zz']);
        fuzzer.run('client-url-info', path, () => parseClientUrlPath(path), protocolError);

        // 4. The chat-server stream cutter: a valid stream, mutated, cut at random places.
        const stream = mutate(rng, cspStream(rng), rng.bytes(8));
        fuzzer.run(
            'csp-stream-cutter',
            stream,
            () => cutStream(rng, stream),
            (error) => (error instanceof CspMessageTooLongError ? 'message-too-long' : undefined),
        );

        // 5. The device-side Envelope decoder.
        const envelope = mutate(rng, rng.pick(envelopeCorpus), rng.pick(corpus));
        fuzzer.run('d2d-envelope', envelope, () => decodeEnvelope(envelope), protocolError);
    }
    const seconds = (performance.now() - started) / 1000;
    const inputs = Object.values(fuzzer.targets).reduce((sum, stats) => sum + stats.inputs, 0);
    return { seed, inputs, seconds, targets: fuzzer.targets, failures: fuzzer.failures };
}

/** A plausible CSP byte stream from the chat server: hellos, then framed messages. */
function cspStream(rng: Prng): Uint8Array {
    const parts: Uint8Array[] = [rng.bytes(80), rng.bytes(32)];
    for (let i = rng.below(6); i > 0; i--) {
        const length = rng.below(300);
        const frame = new Uint8Array(2 + length);
        frame[0] = length & 0xff;
        frame[1] = length >> 8;
        frame.set(rng.bytes(length), 2);
        parts.push(frame);
    }
    const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.byteLength;
    }
    return out;
}

/** Feeds the stream in random chunks and checks that the messages cover exactly what was consumed. */
function cutStream(rng: Prng, stream: Uint8Array): void {
    const cutter = new CspStreamCutter(PAYLOAD_MAX_BYTE_LENGTH);
    let emitted = 0;
    let offset = 0;
    while (offset < stream.byteLength) {
        const size = 1 + rng.below(Math.min(64, stream.byteLength - offset));
        cutter.push(stream.subarray(offset, offset + size), (message) => (emitted += message.byteLength));
        offset += size;
    }
    if (emitted + cutter.pendingBytes !== stream.byteLength) {
        throw new Error(
            `stream cutter lost bytes: ${emitted} emitted + ${cutter.pendingBytes} pending != ${stream.byteLength}`,
        );
    }
}

function parseArguments(argv: readonly string[]): { inputs: number; seed: number } {
    let inputs = 1_000_000;
    let seed = Date.now() % 0x7fffffff;
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
        const value = Number(inline ?? argv[++i]);
        if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a non-negative integer`);
        if (flag === '--inputs') inputs = value;
        else if (flag === '--seed') seed = value;
        else throw new Error(`unknown argument ${flag}; usage: decoders.js [--inputs N] [--seed N]`);
    }
    return { inputs, seed };
}

function printReport(report: FuzzReport): void {
    console.log(
        `decoder fuzz: ${report.inputs.toLocaleString('en-US')} inputs in ${report.seconds.toFixed(1)} s (seed ${report.seed})`,
    );
    console.log('| target | inputs | decoded | rejected (typed error codes) | slowest input ms |');
    console.log('|---|---:|---:|---|---:|');
    for (const [name, stats] of Object.entries(report.targets)) {
        const codes = [...stats.rejected].map(([code, count]) => `${code} ${count}`).join(', ');
        console.log(`| ${name} | ${stats.inputs} | ${stats.accepted} | ${codes} | ${stats.maxMs.toFixed(2)} |`);
    }
    console.log(`crashes and hangs: ${report.failures.length}`);
    for (const failure of report.failures.slice(0, 20)) console.log(`  ${failure}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const { inputs, seed } = parseArguments(process.argv.slice(2));
    const report = fuzzDecoders(inputs, seed);
    printReport(report);
    process.exitCode = report.failures.length === 0 ? 0 : 1;
}
