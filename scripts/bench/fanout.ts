/**
 * Reflect fan-out, the same driver for the mediator and for the MQTT peer
 * broker: G groups of D devices; device 1 of each group sends 256-byte
 * payloads that the server acknowledges (ReflectAck / PUBACK) and delivers
 * to the other D-1 devices, which acknowledge each delivery (ReflectedAck /
 * PUBACK).
 *
 * Payloads: on the mediator, real D2D envelopes encrypted with the group's
 * key (as devices send them; the receiving SDK decrypts each one), sized to
 * 256 bytes; on MQTT, 256 bytes. Either way the first 6 bytes are random (the
 * nonce of an envelope) and identify the payload, so the driver knows when
 * one has reached all D-1 receivers: "reflect-to-all-delivered" latency.
 *
 * - Closed loop: each sender keeps `window` payloads unacknowledged by the
 *   server. Measures the maximum rate.
 * - Open loop: payloads are sent on a fixed schedule at a given total rate,
 *   spread round-robin over the groups, whatever the acknowledgements do.
 *   Latency counts from the scheduled send time, so a stalled sender does
 *   not hide delays (no coordinated omission); latency from the actual send
 *   and the sender's lag behind the schedule are kept as well.
 *
 * Each run counts only what happens inside a measurement window after a
 * warm-up, then stops sending and waits (bounded) until every payload was
 * acknowledged and delivered; what is still missing then is reported.
 */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connectAsync, type MqttClient } from 'mqtt';
import { encodeEnvelope, encryptEnvelope, type DeviceGroupKeys, type Envelope } from '../../d2d/index.js';
import { nodeCryptoBackend } from '../../src/crypto/index.js';
import type { DeviceClient } from '../../src/device/index.js';
import { closeAll, connectDevice, mapBounded, newGroupKeys } from './devices.js';
import { sleep } from './services.js';
import { LatencyRecorder } from './stats.js';

export const PAYLOAD_BYTES = 256;
const QUIESCE_TIMEOUT_MS = 20_000;
const QUANTILES = [0.5, 0.99, 0.999] as const;
/** Bytes at the start of every payload that identify it. */
const ID_BYTES = 6;
/** Bytes an encrypted envelope adds to its plaintext (nonce and MAC). */
const NONCE_AHEAD_OVERHEAD = 40;

export type DeliveryHandler = (group: number, payload: Uint8Array) => void;

/** Connected groups, ready to send. */
export interface FanoutFleet {
    readonly groups: number;
    /** A fresh payload for the group's sender whose first 6 bytes are random. */
    payload(group: number): Uint8Array;
    /** Sends one payload from the group's sender; resolves on the server's acknowledgement. */
    send(group: number, payload: Uint8Array): Promise<unknown>;
    close(): Promise<void>;
}

/** Server-side CPU accounting the driver samples at the edges of the measurement window. */
export interface CpuProbe {
    /** CPU seconds of the server process so far. */
    server(): Promise<number>;
    /** CPU seconds of its storage process (Redis) so far; NaN when there is none. */
    storage(): number;
}

export interface LatencySummary {
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly p999Ms: number;
    readonly maxMs: number;
    readonly samples: number;
}

export interface FanoutResult {
    readonly mode: 'closed' | 'open';
    /** Open loop: the rate asked for (payloads per second, all groups). */
    readonly offeredPerS: number | undefined;
    readonly seconds: number;
    /** Server acknowledgements per second inside the window. */
    readonly reflectsPerS: number;
    /** Deliveries to receivers per second inside the window. */
    readonly deliveriesPerS: number;
    /** Reflect-to-all-delivered latency of the payloads sent inside the window (open loop: from the schedule). */
    readonly latency: LatencySummary;
    /** The same, measured from the actual send. */
    readonly latencyFromSend: LatencySummary;
    /** How late the sender was against its schedule (open loop; 0 in the closed loop). */
    readonly senderLag: LatencySummary;
    readonly serverCpuS: number;
    readonly storageCpuS: number;
    readonly harnessCpuS: number;
    /** Server CPU seconds per 1,000 deliveries inside the window. */
    readonly serverCpuSPer1000: number;
    /** Payloads still unacknowledged or undelivered after the bounded wait at the end. */
    readonly missing: number;
    /** Deliveries that matched no outstanding payload (duplicates). */
    readonly unexpected: number;
    /** Sends that failed. */
    readonly errors: number;
    /** Open loop: the sender stopped early because too much was outstanding. */
    readonly overloaded: boolean;
}

interface WindowAccounting {
    readonly seconds: number;
    readonly serverCpuS: number;
    readonly storageCpuS: number;
    readonly harnessCpuS: number;
}

interface Outstanding {
    readonly sentAt: number;
    readonly scheduledAt: number;
    remaining: number;
    readonly measured: boolean;
}

/** The payload's id: its first 6 bytes as a little-endian integer (exact in a double). */
export function payloadId(payload: Uint8Array): number {
    let id = 0;
    for (let i = ID_BYTES - 1; i >= 0; i--) id = id * 256 + payload[i]!;
    return id;
}

function summarize(recorder: LatencyRecorder): LatencySummary {
    const [p50Ms, p99Ms, p999Ms] = recorder.quantiles(QUANTILES) as [number, number, number];
    return { p50Ms, p99Ms, p999Ms, maxMs: recorder.max(), samples: recorder.count };
}

function harnessCpuSeconds(): number {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
}

/** The driver of one fleet; create it first, pass `onDelivery` to the fleet, then `attach` the fleet. */
export class FanoutDriver {
    readonly #receivers: number;
    #fleet: FanoutFleet | undefined;
    #outstanding: Map<number, Outstanding>[] = [];
    #inflight: number[] = [];
    #unacked = 0;
    #undelivered = 0;
    #measuring = false;
    #running = false;
    #window = 0;
    #acksInWindow = 0;
    #deliveriesInWindow = 0;
    #unexpected = 0;
    #errors = 0;
    #fromSchedule = new LatencyRecorder();
    #fromSend = new LatencyRecorder();
    #lag = new LatencyRecorder();

    public constructor(devicesPerGroup: number) {
        this.#receivers = devicesPerGroup - 1;
    }

    public readonly onDelivery: DeliveryHandler = (group, payload) => {
        if (this.#measuring) this.#deliveriesInWindow++;
        const pending = this.#outstanding[group];
        const id = payloadId(payload);
        const entry = pending?.get(id);
        if (entry === undefined) {
            this.#unexpected++;
            return;
        }
        entry.remaining--;
        if (entry.remaining > 0) return;
        pending!.delete(id);
        this.#undelivered--;
        if (entry.measured) {
            const now = performance.now();
            this.#fromSchedule.add(now - entry.scheduledAt);
            this.#fromSend.add(now - entry.sentAt);
        }
    };

    public attach(fleet: FanoutFleet): void {
        this.#fleet = fleet;
        this.#outstanding = Array.from({ length: fleet.groups }, () => new Map<number, Outstanding>());
        this.#inflight = new Array<number>(fleet.groups).fill(0);
    }

    #send(group: number, scheduledAt?: number): Promise<void> {
        const fleet = this.#fleet!;
        const pending = this.#outstanding[group]!;
        let payload = fleet.payload(group);
        // 48 random bits: a clash among the outstanding payloads is rare, but possible.
        while (pending.has(payloadId(payload))) payload = fleet.payload(group);
        const sentAt = performance.now();
        if (scheduledAt !== undefined && this.#measuring) this.#lag.add(sentAt - scheduledAt);
        pending.set(payloadId(payload), {
            sentAt,
            scheduledAt: scheduledAt ?? sentAt,
            remaining: this.#receivers,
            measured: this.#measuring,
        });
        this.#undelivered++;
        this.#unacked++;
        this.#inflight[group]!++;
        return fleet.send(group, payload).then(
            () => {
                this.#unacked--;
                this.#inflight[group]!--;
                if (this.#measuring) this.#acksInWindow++;
            },
            () => {
                this.#unacked--;
                this.#inflight[group]!--;
                this.#errors++;
            },
        );
    }

    #pump(group: number): void {
        while (this.#running && this.#inflight[group]! < this.#window) {
            void this.#send(group).then(() => this.#pump(group));
        }
    }

    #resetWindow(): void {
        this.#acksInWindow = 0;
        this.#deliveriesInWindow = 0;
        this.#fromSchedule = new LatencyRecorder();
        this.#fromSend = new LatencyRecorder();
        this.#lag = new LatencyRecorder();
    }

    /** Runs the measurement window; sending is already going on. */
    async #measure(ms: number, probe: CpuProbe): Promise<WindowAccounting> {
        const server0 = await probe.server();
        const storage0 = probe.storage();
        const harness0 = harnessCpuSeconds();
        this.#resetWindow();
        const t0 = performance.now();
        this.#measuring = true;
        await sleep(ms);
        this.#measuring = false;
        const seconds = (performance.now() - t0) / 1000;
        const harness1 = harnessCpuSeconds();
        const storage1 = probe.storage();
        const server1 = await probe.server();
        return {
            seconds,
            serverCpuS: server1 - server0,
            storageCpuS: storage1 - storage0,
            harnessCpuS: harness1 - harness0,
        };
    }

    /** Waits until nothing is unacknowledged or undelivered, at most `timeoutMs`; returns what is left. */
    async #quiesce(timeoutMs = QUIESCE_TIMEOUT_MS): Promise<number> {
        const deadline = performance.now() + timeoutMs;
        while ((this.#unacked > 0 || this.#undelivered > 0) && performance.now() < deadline) await sleep(20);
        const missing = Math.max(this.#unacked, this.#undelivered);
        // Forget what never arrived so the next run starts clean.
        for (const pending of this.#outstanding) pending.clear();
        this.#undelivered = 0;
        return missing;
    }

    #result(
        mode: 'closed' | 'open',
        offeredPerS: number | undefined,
        window: WindowAccounting,
        missing: number,
        overloaded: boolean,
    ): FanoutResult {
        const deliveries = this.#deliveriesInWindow;
        const result: FanoutResult = {
            mode,
            offeredPerS,
            seconds: window.seconds,
            reflectsPerS: this.#acksInWindow / window.seconds,
            deliveriesPerS: deliveries / window.seconds,
            latency: summarize(this.#fromSchedule),
            latencyFromSend: summarize(this.#fromSend),
            senderLag: summarize(this.#lag),
            serverCpuS: window.serverCpuS,
            storageCpuS: window.storageCpuS,
            harnessCpuS: window.harnessCpuS,
            serverCpuSPer1000: deliveries > 0 ? (window.serverCpuS / deliveries) * 1000 : Number.NaN,
            missing,
            unexpected: this.#unexpected,
            errors: this.#errors,
            overloaded,
        };
        this.#unexpected = 0;
        this.#errors = 0;
        return result;
    }

    /** Closed loop: every sender keeps `window` payloads unacknowledged. */
    public async closedLoop(options: {
        readonly window: number;
        readonly warmupMs: number;
        readonly measureMs: number;
        readonly probe: CpuProbe;
    }): Promise<FanoutResult> {
        const groups = this.#fleet!.groups;
        this.#window = options.window;
        this.#running = true;
        for (let group = 0; group < groups; group++) this.#pump(group);
        await sleep(options.warmupMs);
        const window = await this.#measure(options.measureMs, options.probe);
        this.#running = false;
        const missing = await this.#quiesce();
        return this.#result('closed', undefined, window, missing, false);
    }

    /**
     * Open loop at `ratePerS` payloads per second over all groups (round
     * robin), on a 1 ms timer; stops early ("overloaded") when more than
     * `maxOutstanding` payloads are unacknowledged or undelivered.
     */
    public async openLoop(options: {
        readonly ratePerS: number;
        readonly warmupMs: number;
        readonly measureMs: number;
        readonly maxOutstanding: number;
        readonly probe: CpuProbe;
    }): Promise<FanoutResult> {
        const groups = this.#fleet!.groups;
        const intervalMs = 1000 / options.ratePerS;
        const start = performance.now();
        let sent = 0;
        let overloaded = false;
        const tick = (): void => {
            if (overloaded) return;
            const due = Math.floor((performance.now() - start) / intervalMs) + 1;
            while (sent < due) {
                if (this.#unacked + this.#undelivered > options.maxOutstanding) {
                    overloaded = true;
                    return;
                }
                void this.#send(sent % groups, start + sent * intervalMs);
                sent++;
            }
        };
        const timer = setInterval(tick, 1);
        tick();
        try {
            await sleep(options.warmupMs);
            const window = await this.#measure(options.measureMs, options.probe);
            clearInterval(timer);
            const missing = await this.#quiesce();
            return this.#result('open', options.ratePerS, window, missing, overloaded);
        } finally {
            clearInterval(timer);
        }
    }
}

// ---- fleets ----

const SENDER: Envelope['deviceId'] = 1n as Envelope['deviceId'];

/** The content that makes an encrypted envelope (no padding) exactly PAYLOAD_BYTES long. */
function envelopeContentBytes(): Uint8Array {
    for (let length = PAYLOAD_BYTES - NONCE_AHEAD_OVERHEAD; length > 0; length--) {
        const data = new Uint8Array(length).fill(0x42);
        const plain = encodeEnvelope({ deviceId: SENDER, content: { kind: 'outgoingMessage', data } }, 0);
        if (plain.byteLength + NONCE_AHEAD_OVERHEAD === PAYLOAD_BYTES) return data;
    }
    throw new Error(`no envelope content fits ${PAYLOAD_BYTES} bytes`);
}

/**
 * A PAYLOAD_BYTES-long envelope as a device sends it: encrypted with the
 * group's key under a fresh random nonce.
 */
export function sealBenchEnvelope(keys: DeviceGroupKeys, data: Uint8Array = envelopeContentBytes()): Uint8Array {
    return encryptEnvelope(
        nodeCryptoBackend,
        keys,
        { deviceId: SENDER, content: { kind: 'outgoingMessage', data } },
        { paddingLength: 0 },
    );
}

/** G groups of D devices on the mediator through the device SDK; device 1 sends. */
export async function connectMediatorFleet(
    url: string,
    groups: number,
    devicesPerGroup: number,
    onDelivery: DeliveryHandler,
): Promise<FanoutFleet> {
    const keys = newGroupKeys(groups);
    const contentBytes = envelopeContentBytes();
    const senders: DeviceClient[] = [];
    const all: DeviceClient[] = [];
    await mapBounded(keys, 16, async (groupKeys, group) => {
        for (let deviceId = 2; deviceId <= devicesPerGroup; deviceId++) {
            const receiver = await connectDevice(url, groupKeys, deviceId);
            receiver.on('reflected', (event) => onDelivery(group, event.envelopeBytes));
            all.push(receiver);
        }
        const sender = await connectDevice(url, groupKeys, 1);
        all.push(sender);
        senders[group] = sender;
    });
    return {
        groups,
        payload: (group) => sealBenchEnvelope(keys[group]!, contentBytes),
        send: (group, payload) => senders[group]!.reflect(payload),
        close: () => closeAll(all),
    };
}

/**
 * The same shape on an MQTT broker: a topic per group, a persistent session
 * (clean session off) per device, QoS 1 for publishing and subscribing.
 * The sender does not subscribe, as a device never receives its own
 * reflections.
 */
export async function connectMqttFleet(
    url: string,
    runId: string,
    groups: number,
    devicesPerGroup: number,
    onDelivery: DeliveryHandler,
): Promise<FanoutFleet> {
    const topics = Array.from({ length: groups }, (_, group) => `bench/${runId}/g${group}`);
    const senders: MqttClient[] = [];
    const all: MqttClient[] = [];
    const connect = (clientId: string): Promise<MqttClient> =>
        connectAsync(url, {
            clientId,
            clean: false,
            protocolVersion: 4,
            reconnectPeriod: 0,
            keepalive: 300,
            connectTimeout: 10_000,
        });
    const template = Buffer.alloc(PAYLOAD_BYTES, 0xa5);
    await mapBounded(topics, 16, async (topic, group) => {
        for (let deviceId = 2; deviceId <= devicesPerGroup; deviceId++) {
            const receiver = await connect(`${runId}-g${group}-d${deviceId}`);
            all.push(receiver);
            receiver.on('message', (_topic, payload) => onDelivery(group, payload));
            await receiver.subscribeAsync(topic, { qos: 1 });
        }
        const sender = await connect(`${runId}-g${group}-d1`);
        all.push(sender);
        senders[group] = sender;
    });
    return {
        groups,
        payload: () => {
            const payload = Buffer.allocUnsafe(PAYLOAD_BYTES);
            template.copy(payload);
            randomFillSync(payload, 0, ID_BYTES);
            return payload;
        },
        send: (group, payload) =>
            new Promise<void>((resolve, reject) => {
                const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
                senders[group]!.publish(topics[group]!, bytes, { qos: 1 }, (error) => {
                    if (error === undefined || error === null) resolve();
                    else reject(error);
                });
            }),
        close: async () => {
            await Promise.allSettled(all.map((client) => client.endAsync()));
        },
    };
}
