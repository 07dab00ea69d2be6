/**
 * Slow readers: can clients that never read make the mediator's memory grow?
 *
 * Starts the mediator in a process of its own (`mediator serve`, embedded
 * backend, default configuration plus the flags given after `--`) and opens,
 * from this process:
 *
 * - G device groups, each with one sender (the device SDK, reading
 *   normally) and R devices that complete the handshake, read ServerInfo and
 *   then pause their socket for good, so the kernel buffers fill and the
 *   mediator sees backpressure;
 * - U connections that send the upgrade request, read the 101 response and
 *   then never read again nor answer ServerHello; the mediator closes each
 *   after its handshake timeout, and a new one replaces it, so U stay open.
 *
 * Every sender then reflects at a steady rate (ephemeral reflections by
 * default: they are not stored, so the mediator's memory is its sessions and
 * sockets only; `--persistent-per-s` adds queued reflections, which the
 * embedded backend keeps in process memory up to the queue limits). The
 * mediator's RSS (from /proc) is sampled throughout, with its heap, external
 * memory and connection count from its /metrics; the report gives RSS at start,
 * after connecting, at the end, the peak, and the change over the second
 * half of the steady phase (flat when memory is bounded).
 *
 * Usage: node dist/scripts/bench/slow-readers.js [--groups G] [--readers R]
 *        [--unauthenticated U] [--seconds S] [--rate N] [--envelope-bytes B]
 *        [--persistent-per-s N] [--concurrency C] [--node-option OPTION]...
 *        [-- <mediator serve flags>]
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
    buildClientUrl,
    D2mPayloadType,
    decodeMessage,
    DeviceSlotExpirationPolicy,
    encodeMessage,
    ensureServerGroup,
} from '../../d2m/index.js';
import type { DeviceGroupKeys } from '../../d2d/index.js';
import type { DeviceClient } from '../../src/device/index.js';
import { clientHelloFor } from '../lib/client-hello.js';
import { spawnMediator, type MediatorProcess as SpawnedMediator } from '../lib/mediator-process.js';
import { closeAll, connectDevice, mapBounded, newGroupKeys, SERVER_GROUP } from './devices.js';
import { processRssBytes, sleep } from './services.js';

interface Options {
    readonly groups: number;
    readonly readers: number;
    readonly unauthenticated: number;
    readonly seconds: number;
    /** Ephemeral reflections per second per group. */
    readonly rate: number;
    readonly envelopeBytes: number;
    /** Persistent (queued) reflections per second per group. */
    readonly persistentPerS: number;
    readonly concurrency: number;
    /** Extra `mediator serve` flags. */
    readonly mediatorFlags: readonly string[];
    /** Node.js options of the mediator process (for example `--max-old-space-size=96`). */
    readonly nodeOptions: readonly string[];
}

const DEFAULTS: Omit<Options, 'mediatorFlags' | 'nodeOptions'> = {
    groups: 400,
    readers: 4,
    unauthenticated: 800,
    seconds: 90,
    rate: 5,
    envelopeBytes: 8192,
    persistentPerS: 0,
    concurrency: 64,
};

/** The mediator child's handshake timeout is the default (10 s); replace unanswered connections a bit later. */
const UNAUTHENTICATED_LIFETIME_MS = 10_500;
const SAMPLE_INTERVAL_MS = 2000;
const TICK_MS = 100;
const MIB = 1024 * 1024;

/** One look at the mediator process. */
interface MediatorSample {
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    readonly externalBytes: number;
    /** Open device connections (`d2m_connections`, every state). */
    readonly sessions: number;
}

/** `mediator serve` in a child process, with its admin port for metrics. */
class MediatorProcess {
    readonly #node: SpawnedMediator;
    readonly #adminUrl: string;

    private constructor(
        node: SpawnedMediator,
        public readonly url: string,
        adminUrl: string,
    ) {
        this.#node = node;
        this.#adminUrl = adminUrl;
    }

    public static async start(flags: readonly string[], nodeOptions: readonly string[]): Promise<MediatorProcess> {
        const args = ['--host', '127.0.0.1', '--port', '0', '--admin-port', '0'];
        args.push('--log-level', 'error', '--drain-window-ms', '0', ...flags);
        const node = await spawnMediator({ args, nodeOptions, stderr: 'inherit', waitForAdmin: true });
        return new MediatorProcess(node, node.url, node.adminUrl ?? '');
    }

    public async sample(): Promise<MediatorSample> {
        const text = await (await fetch(`${this.#adminUrl}metrics`)).text();
        const sum = (name: string): number => {
            let total = 0;
            for (const line of text.split('\n')) {
                if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
                    total += Number(line.slice(line.lastIndexOf(' ') + 1));
                }
            }
            return total;
        };
        return {
            rssBytes: processRssBytes(this.#node.child.pid),
            heapUsedBytes: sum('nodejs_heap_size_used_bytes'),
            externalBytes: sum('nodejs_external_memory_bytes'),
            sessions: sum('d2m_connections'),
        };
    }

    public async stop(): Promise<void> {
        await this.#node.stop(15_000);
    }
}

function parseOptions(argv: readonly string[]): Options {
    const options: Record<string, number> = { ...DEFAULTS };
    const names: Record<string, keyof typeof DEFAULTS> = {
        '--groups': 'groups',
        '--readers': 'readers',
        '--unauthenticated': 'unauthenticated',
        '--seconds': 'seconds',
        '--rate': 'rate',
        '--envelope-bytes': 'envelopeBytes',
        '--persistent-per-s': 'persistentPerS',
        '--concurrency': 'concurrency',
    };
    const separator = argv.indexOf('--');
    const own = separator === -1 ? argv : argv.slice(0, separator);
    const nodeOptions: string[] = [];
    for (let i = 0; i < own.length; i += 2) {
        if (own[i] === '--node-option' && own[i + 1] !== undefined) {
            nodeOptions.push(own[i + 1]!);
            continue;
        }
        const key = names[own[i]!];
        const value = Number(own[i + 1]);
        if (key === undefined || !Number.isFinite(value) || value < 0) {
            throw new Error(`usage: slow-readers ${Object.keys(names).join(' N ')} N [-- flags] (bad ${own[i]})`);
        }
        options[key] = value;
    }
    return { ...(options as unknown as typeof DEFAULTS), mediatorFlags: argv.slice(own.length + 1), nodeOptions };
}

function groupUrl(base: string, keys: DeviceGroupKeys): string {
    return buildClientUrl(
        base,
        { deviceGroupId: keys.deviceGroupId, serverGroup: ensureServerGroup(SERVER_GROUP) },
        'current',
    );
}

/**
 * One device that authenticates, reads ServerInfo and then stops reading
 * from its TCP socket for good (`ws` pauses the underlying socket).
 */
function connectNonReader(base: string, keys: DeviceGroupKeys, deviceId: number): Promise<WebSocket> {
    const socket = new WebSocket(groupUrl(base, keys), { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('non-reading device: handshake timed out')), 30_000);
        socket.on('message', (data: Buffer) => {
            const message = decodeMessage(new Uint8Array(data));
            if (message.type === D2mPayloadType.SERVER_HELLO) {
                socket.send(
                    encodeMessage(
                        clientHelloFor(message.body, {
                            dgpkSecretKey: keys.dgpk.secretKey,
                            deviceId: BigInt(deviceId),
                            deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                        }),
                    ),
                );
            } else if (message.type === D2mPayloadType.SERVER_INFO) {
                clearTimeout(timer);
                socket.removeAllListeners('message');
                socket.pause();
                resolve(socket);
            }
        });
        socket.once('error', (error) => {
            clearTimeout(timer);
            reject(error);
        });
        socket.once('close', (code) => {
            clearTimeout(timer);
            reject(new Error(`non-reading device closed during the handshake (${code})`));
        });
    });
}

/**
 * A raw TCP connection that completes the upgrade (reads the 101 response)
 * and then never reads again; resolves the HTTP status line's code.
 */
function openUnanswered(port: number, path: string): Promise<{ socket: Socket; status: number }> {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    return new Promise((resolve, reject) => {
        let head = '';
        socket.once('error', reject);
        socket.once('connect', () => {
            socket.write(
                `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
            );
        });
        const onData = (chunk: Buffer): void => {
            head += chunk.toString('latin1');
            if (!head.includes('\r\n\r\n')) return;
            socket.off('data', onData);
            socket.pause();
            socket.removeAllListeners('error');
            socket.on('error', () => undefined);
            resolve({ socket, status: Number(/^HTTP\/1\.1 (\d{3})/u.exec(head)?.[1] ?? 0) });
        };
        socket.on('data', onData);
    });
}

/** Keeps `count` unanswered connections open, replacing each after the mediator's handshake timeout. */
class UnansweredPool {
    readonly #sockets = new Set<Socket>();
    readonly #timers = new Set<NodeJS.Timeout>();
    #stopped = false;
    public opened = 0;
    public refused = 0;
    public failed = 0;

    readonly #port: number;
    readonly #paths: readonly string[];

    public constructor(port: number, paths: readonly string[]) {
        this.#port = port;
        this.#paths = paths;
    }

    public get open(): number {
        return this.#sockets.size;
    }

    public async fill(count: number, concurrency: number): Promise<void> {
        await mapBounded(
            Array.from({ length: count }, (_, i) => i),
            concurrency,
            (i) => this.#openOne(i),
        );
    }

    async #openOne(index: number): Promise<void> {
        if (this.#stopped) return;
        try {
            const { socket, status } = await openUnanswered(this.#port, this.#paths[index % this.#paths.length]!);
            if (status !== 101) {
                this.refused++;
                socket.destroy();
            } else {
                this.opened++;
                this.#sockets.add(socket);
            }
            const timer = setTimeout(() => {
                this.#timers.delete(timer);
                this.#sockets.delete(socket);
                socket.destroy();
                void this.#openOne(index + 1);
            }, UNAUTHENTICATED_LIFETIME_MS);
            this.#timers.add(timer);
        } catch {
            this.failed++;
        }
    }

    public stop(): void {
        this.#stopped = true;
        for (const timer of this.#timers) clearTimeout(timer);
        for (const socket of this.#sockets) socket.destroy();
        this.#sockets.clear();
    }
}

function mib(bytes: number): string {
    return `${(bytes / MIB).toFixed(1)} MiB`;
}

interface Point {
    readonly t: number;
    readonly sample: MediatorSample;
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    const child = await MediatorProcess.start(options.mediatorFlags, options.nodeOptions);
    const port = Number(new URL(child.url).port);
    let unanswered: UnansweredPool | undefined;
    const senders: DeviceClient[] = [];
    const readers: WebSocket[] = [];
    try {
        await sleep(500);
        const start = await child.sample();
        const t0 = performance.now();
        const elapsedS = (): number => (performance.now() - t0) / 1000;
        process.stdout.write(
            `slow readers: ${options.groups} groups × (1 sender + ${options.readers} non-reading devices), ` +
                `${options.unauthenticated} unanswered connections, ${options.rate} ephemeral + ${options.persistentPerS} ` +
                `persistent reflections/s per group of ${options.envelopeBytes} bytes, ${options.seconds} s; ` +
                `mediator flags: ${[...options.nodeOptions, ...options.mediatorFlags].join(' ') || 'none (defaults)'}\n`,
        );

        const keys = newGroupKeys(options.groups);
        const plan = keys.flatMap((groupKeys) =>
            Array.from({ length: options.readers }, (_, i) => ({ keys: groupKeys, deviceId: i + 2 })),
        );
        senders.push(
            ...(await mapBounded(keys, options.concurrency, (groupKeys) => connectDevice(child.url, groupKeys, 1))),
        );
        readers.push(
            ...(await mapBounded(plan, options.concurrency, ({ keys: groupKeys, deviceId }) =>
                connectNonReader(child.url, groupKeys, deviceId),
            )),
        );
        const unansweredPaths = newGroupKeys(Math.max(1, Math.ceil(options.unauthenticated / 4))).map(
            (groupKeys) => new URL(groupUrl(child.url, groupKeys)).pathname,
        );
        unanswered = new UnansweredPool(port, unansweredPaths);
        await unanswered.fill(options.unauthenticated, options.concurrency);
        const connected = await child.sample();
        process.stdout.write(
            `connected in ${elapsedS().toFixed(1)} s: ${connected.sessions} connections on the mediator ` +
                `(${senders.length} senders, ${readers.length} non-reading devices, ${unanswered.open} unanswered)\n`,
        );

        // The steady stream: every group's sender reflects at the given rates.
        const envelope = randomBytes(options.envelopeBytes);
        let reflected = 0;
        let reflectFailures = 0;
        let ephemeralCredit = 0;
        let persistentCredit = 0;
        const ticker = setInterval(() => {
            ephemeralCredit += (options.rate * TICK_MS) / 1000;
            persistentCredit += (options.persistentPerS * TICK_MS) / 1000;
            const send = (ephemeral: boolean): void => {
                for (const sender of senders) {
                    if (sender.closeError !== undefined) continue;
                    sender.reflect(envelope, { ephemeral }).then(
                        () => void reflected++,
                        () => void reflectFailures++,
                    );
                }
            };
            for (; ephemeralCredit >= 1; ephemeralCredit--) send(true);
            for (; persistentCredit >= 1; persistentCredit--) send(false);
        }, TICK_MS);

        const steadyFrom = elapsedS();
        const points: Point[] = [{ t: steadyFrom, sample: connected }];
        process.stdout.write('   t (s)   RSS        heap used  external   connections\n');
        const print = (point: Point): void => {
            process.stdout.write(
                `  ${point.t.toFixed(0).padStart(5)}   ${mib(point.sample.rssBytes).padEnd(10)} ` +
                    `${mib(point.sample.heapUsedBytes).padEnd(10)} ${mib(point.sample.externalBytes).padEnd(10)} ` +
                    `${point.sample.sessions}\n`,
            );
        };
        print(points[0]!);
        let printed = steadyFrom;
        while (elapsedS() - steadyFrom < options.seconds) {
            await sleep(SAMPLE_INTERVAL_MS);
            const point = { t: elapsedS(), sample: await child.sample() };
            points.push(point);
            if (point.t - printed >= 10) {
                print(point);
                printed = point.t;
            }
        }
        clearInterval(ticker);
        const end = await child.sample();
        unanswered.stop();
        const pool = unanswered;

        const steady = points.slice(1);
        const peak = Math.max(...points.map((point) => point.sample.rssBytes));
        const half = steady.slice(Math.floor(steady.length / 2));
        const secondHalfMax = Math.max(...half.map((point) => point.sample.rssBytes));
        const secondHalfMin = Math.min(...half.map((point) => point.sample.rssBytes));
        const firstOfHalf = half[0]?.sample.rssBytes ?? 0;
        const lastOfHalf = half.at(-1)?.sample.rssBytes ?? 0;
        process.stdout.write(
            [
                '',
                `RSS at start:           ${mib(start.rssBytes)}`,
                `RSS after connecting:   ${mib(connected.rssBytes)} (${connected.sessions} connections)`,
                `RSS at the end:         ${mib(end.rssBytes)} (heap used ${mib(end.heapUsedBytes)}, external ${mib(end.externalBytes)})`,
                `RSS peak:               ${mib(peak)}`,
                `second half of the steady phase: RSS ${mib(secondHalfMin)}–${mib(secondHalfMax)}, ` +
                    `first → last sample ${mib(firstOfHalf)} → ${mib(lastOfHalf)}`,
                `reflections sent: ${reflected} (${reflectFailures} failed); unanswered connections opened: ` +
                    `${pool.opened} (refused ${pool.refused}, failed ${pool.failed}); connections on the mediator ` +
                    `at the end: ${end.sessions} (it closes devices silent for --idle-timeout-s)`,
                '',
            ].join('\n'),
        );
    } finally {
        unanswered?.stop();
        for (const socket of readers) socket.terminate();
        await closeAll(senders);
        await child.stop();
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`slow-readers: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
});
