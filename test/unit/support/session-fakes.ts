/**
 * Fakes for unit tests of src/session/ and src/mediator/: a WebSocket
 * transport that records what is sent, timers and a clock the test moves,
 * metrics hooks that record calls, a gate that holds a storage call until
 * the test opens it, and a device group (keys, ClientUrlInfo, ClientHello
 * frames) on the embedded backend.
 */
import {
    createChallengeResponse,
    D2mPayloadType,
    decodeMessage,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    encodeMessage,
    ensureDeviceGroupId,
    ensureDeviceId,
    ensurePublicKey,
    ensureServerGroup,
    tweetnaclBackend,
    type D2mMessage,
    type DeviceId,
    type KeyPair,
    type ParsedClientUrlInfo,
} from '../../../d2m/index.js';
import { buildConfig, type ConfigOverrides, type MediatorConfig } from '../../../src/config/config.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';
import { createCapturingLogger, type Logger, type LogRecord } from '../../../src/log/logger.js';
import type { MediatorMetricsHooks } from '../../../src/metrics/hooks.js';
import { createMemoryBackend, type MemoryBackend } from '../../../src/storage/memory-backend.js';
import { groupIdFromBytes, type GroupId } from '../../../src/storage/types.js';
import type { ConnectionTransport } from '../../../src/transport/connection-transport.js';
import { DeviceConnection } from '../../../src/mediator/device-connection.js';
import type { LocalGroups } from '../../../src/mediator/local-groups.js';
import { login, logout } from '../../../src/mediator/login.js';
import { AckBatcher } from '../../../src/session/ack-batcher.js';
import type { SessionPorts } from '../../../src/session/ports.js';

/** Lets every pending promise callback and immediate run (the memory backend answers in microtasks). */
export async function settle(rounds = 20): Promise<void> {
    for (let round = 0; round < rounds; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A connection whose socket is a list: frames sent, close recorded, buffered amount set by the test. */
export class FakeTransport implements ConnectionTransport {
    public readonly remoteAddress = '192.0.2.1';
    public readonly sent: Uint8Array[] = [];
    public buffered = 0;
    public closed: { readonly code: number; readonly reason: string } | undefined;

    public send(frame: Uint8Array): boolean {
        if (this.closed !== undefined) return false;
        this.sent.push(frame);
        return true;
    }

    public bufferedAmount(): number {
        return this.buffered;
    }

    public close(code: number, reason: string): void {
        this.closed ??= { code, reason };
    }

    /** Every frame sent, decoded. */
    public messages(): D2mMessage[] {
        return this.sent.map((frame) => decodeMessage(frame));
    }

    /** The payload types sent, in order. */
    public types(): D2mPayloadType[] {
        return this.sent.map((frame) => frame[0] as D2mPayloadType);
    }
}

/** Timers and a Unix-ms clock that move only when the test says so. */
export class ManualClock {
    public now: number;
    readonly #timers = new Set<{ readonly at: number; readonly fire: () => void }>();

    public constructor(start = 1_700_000_000_000) {
        this.now = start;
    }

    /** A `startTimer` port. */
    public readonly startTimer = (ms: number, fire: () => void): (() => void) => {
        const timer = { at: this.now + ms, fire };
        this.#timers.add(timer);
        return () => this.#timers.delete(timer);
    };

    /** Timers started and not fired or cancelled. */
    public get pending(): number {
        return this.#timers.size;
    }

    /** Moves the clock, firing every timer that falls due, in order; then lets promises settle. */
    public async advance(ms: number): Promise<void> {
        const until = this.now + ms;
        for (;;) {
            const due = [...this.#timers].filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
            if (due === undefined) break;
            this.#timers.delete(due);
            this.now = due.at;
            due.fire();
            await settle();
        }
        this.now = until;
        await settle();
    }
}

export type MetricsCall = readonly [name: keyof MediatorMetricsHooks, args: readonly unknown[]];

/** Metrics hooks that record every call. */
export function recordingMetrics(): MediatorMetricsHooks & { readonly calls: MetricsCall[] } {
    const calls: MetricsCall[] = [];
    return new Proxy({ calls } as MediatorMetricsHooks & { readonly calls: MetricsCall[] }, {
        get: (target, name) =>
            name === 'calls'
                ? target.calls
                : (...args: unknown[]) => calls.push([name as keyof MediatorMetricsHooks, args]),
    });
}

/** The names of the recorded metrics calls. */
export function callNames(metrics: { readonly calls: readonly MetricsCall[] }): string[] {
    return metrics.calls.map(([name]) => name);
}

/** Holds calls until `open`; counts how many wait. */
export class Gate {
    #open = false;
    #waiting: (() => void)[] = [];

    public get waiting(): number {
        return this.#waiting.length;
    }

    public async pass(): Promise<void> {
        if (this.#open) return;
        await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }

    public open(): void {
        this.#open = true;
        for (const resolve of this.#waiting.splice(0)) resolve();
    }

    public close(): void {
        this.#open = false;
    }
}

/** Everything the mediator's components read, on the embedded backend with a manual clock. */
export interface TestNode {
    readonly backend: MemoryBackend;
    readonly config: MediatorConfig;
    readonly clock: ManualClock;
    readonly metrics: MediatorMetricsHooks & { readonly calls: MetricsCall[] };
    readonly logger: Logger & { readonly records: LogRecord[] };
    readonly nodeId: string;
    readonly crypto: typeof sodiumCryptoBackend;
    readonly now: () => number;
    readonly startTimer: ManualClock['startTimer'];
}

export function testNode(overrides: ConfigOverrides = {}): TestNode {
    const clock = new ManualClock();
    return {
        backend: createMemoryBackend(),
        config: buildConfig(overrides),
        clock,
        metrics: recordingMetrics(),
        logger: createCapturingLogger(),
        nodeId: 'unit',
        crypto: sodiumCryptoBackend,
        now: () => clock.now,
        startTimer: clock.startTimer,
    };
}

/** A device group: its path key pair, group id and ClientUrlInfo. */
export class TestGroup {
    public readonly keys: KeyPair = tweetnaclBackend.generateKeyPair();
    public readonly urlInfo: ParsedClientUrlInfo = {
        deviceGroupId: ensureDeviceGroupId(this.keys.publicKey),
        serverGroup: ensureServerGroup('ab'),
        revision: 'current',
    };
    public readonly groupId: GroupId = groupIdFromBytes(this.keys.publicKey);

    /** The ClientHello frame answering the ServerHello frame `serverHello`. */
    public clientHello(
        serverHello: Uint8Array,
        deviceId: DeviceId,
        options: { readonly version?: number; readonly tamper?: boolean } = {},
    ): Uint8Array {
        const hello = decodeMessage(serverHello);
        if (hello.type !== D2mPayloadType.SERVER_HELLO) throw new Error('not a ServerHello');
        const response = createChallengeResponse(
            tweetnaclBackend,
            this.keys.secretKey,
            ensurePublicKey(hello.body.esk),
            hello.body.challenge,
        );
        if (options.tamper === true) response[40] = (response[40] ?? 0) ^ 0xff;
        return encodeMessage({
            type: D2mPayloadType.CLIENT_HELLO,
            body: {
                version: options.version ?? 0,
                response,
                deviceId,
                deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.REJECT,
                deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
                encryptedDeviceInfo: new Uint8Array(0),
                expectedDeviceSlotState: undefined,
            },
        });
    }
}

export const DEVICE_A = ensureDeviceId(0xaan);
export const DEVICE_B = ensureDeviceId(0xbbn);
export const DEVICE_C = ensureDeviceId(0xccn);

/** A frame for a message a device sends. */
export function frame(message: D2mMessage): Uint8Array {
    return encodeMessage(message);
}

/** A Reflect frame with a recognisable one-byte envelope. */
export function reflectFrame(reflectId: number, marker: number, flags = 0): Uint8Array {
    return encodeMessage({
        type: D2mPayloadType.REFLECT,
        body: { flags, reflectId, envelope: Uint8Array.of(marker) },
    });
}

/** What `promise` rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (error) {
        return error;
    }
    throw new Error('expected a rejection');
}

/** The ports a node gives its sessions, on the test node's embedded backend and clock. */
export function sessionPortsOf(node: TestNode, localGroups: LocalGroups): SessionPorts {
    return {
        crypto: node.crypto,
        config: node.config,
        metrics: node.metrics,
        logger: node.logger,
        queue: node.backend.queue,
        acks: new AckBatcher(node.backend.queue),
        localGroups,
        login: (request) => login(node, request),
        logout: (groupId, deviceId, connectionId) => logout(node, groupId, deviceId, connectionId),
        openDevice: (identity, link) => new DeviceConnection(node, identity, link),
        chatServer: undefined,
        now: node.now,
        startTimer: node.startTimer,
    };
}
