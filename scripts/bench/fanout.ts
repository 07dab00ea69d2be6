/**
 * Reflect fan-out, the same driver for the mediator and for the MQTT peer
 * broker: G groups of D devices; device 1 of each group sends 256-byte
 * payloads that the server acknowledges (ReflectAck / PUBACK) and delivers
 * to the other D-1 devices, which acknowledge each delivery (ReflectedAck /
 * PUBACK).
 *
 * Payloads: with the device SDK, real D2D envelopes encrypted with the
 * group's key (the receiving SDK decrypts each one), sized to 256 bytes;
 * with lean devices and on MQTT, 256 opaque bytes. Either way the first 6
 * bytes are random (the nonce of an envelope) and identify the payload, so the driver knows when
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
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { closeAll, connectDevice, mapBounded, newGroupKeys } from './devices.js';
import { LeanDevice } from './lean-device.js';
import { sleep } from './services.js';

export const PAYLOAD_BYTES = 256;
const QUIESCE_TIMEOUT_MS = 20_000;
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

/** What one driver counted inside a measurement window. */
export interface WindowCounts {
    readonly seconds: number;
    /** Server acknowledgements inside the window. */
    readonly acks: number;
    /** Deliveries to receivers inside the window. */
    readonly deliveries: number;
    /** Reflect-to-all-delivered latencies (ms) of the payloads sent inside the window, from the schedule. */
    readonly fromSchedule: number[];
    /** The scheduled send time of each of them (ms since the Unix epoch, comparable across processes). */
    readonly scheduledAtMs: number[];
    /** The same from the actual send. */
    readonly fromSend: number[];
    /** How late the sender was against its schedule (ms; open loop only). */
    readonly lag: number[];
    /** CPU seconds of this process inside the window. */
    readonly cpuS: number;
}

/** What was left once sending stopped and the bounded wait ended. */
export interface EndCounts {
    /** Payloads still unacknowledged or undelivered. */
    readonly missing: number;
    /** Deliveries that matched no outstanding payload (duplicates). */
    readonly unexpected: number;
    /** Sends that failed. */
    readonly errors: number;
    /** Open loop: the sender stopped early because too much was outstanding. */
    readonly overloaded: boolean;
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

function processCpuS(): number {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
}

/**
 * Drives one fleet: create it first, pass `onDelivery` to the fleet, then
 * `attach` the fleet. Sending starts with `startClosed` or `startOpen`; a
 * measurement window is `beginWindow` … `endWindow`; `stop` ends sending
 * and waits (bounded) for what is outstanding. The load generator runs one
 * driver per process and opens and closes the windows of all of them
 * together (load-generator.ts).
 */
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
    #openTimer: NodeJS.Timeout | undefined;
    #overloaded = false;
    #acksInWindow = 0;
    #deliveriesInWindow = 0;
    #unexpected = 0;
    #errors = 0;
    #windowStart = 0;
    #cpuAtStart = 0;
    #fromSchedule: number[] = [];
    #scheduledAtMs: number[] = [];
    #fromSend: number[] = [];
    #lag: number[] = [];

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
            this.#fromSchedule.push(now - entry.scheduledAt);
            this.#scheduledAtMs.push(performance.timeOrigin + entry.scheduledAt);
            this.#fromSend.push(now - entry.sentAt);
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
        if (scheduledAt !== undefined && this.#measuring) this.#lag.push(sentAt - scheduledAt);
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

    /** Closed loop: every sender keeps `window` payloads unacknowledged. */
    public startClosed(window: number): void {
        this.#window = window;
        this.#running = true;
        for (let group = 0; group < this.#fleet!.groups; group++) this.#pump(group);
    }

    /**
     * Open loop at `ratePerS` payloads per second over this driver's groups
     * (round robin), on a 1 ms timer; stops sending ("overloaded") when more
     * than `maxOutstanding` payloads are unacknowledged or undelivered.
     * Latency counts from the scheduled send time, so a stalled sender does
     * not hide delays.
     */
    public startOpen(ratePerS: number, maxOutstanding: number): void {
        const groups = this.#fleet!.groups;
        const intervalMs = 1000 / ratePerS;
        const start = performance.now();
        let sent = 0;
        this.#running = true;
        this.#overloaded = false;
        const tick = (): void => {
            if (this.#overloaded || !this.#running) return;
            const due = Math.floor((performance.now() - start) / intervalMs) + 1;
            while (sent < due) {
                if (this.#unacked + this.#undelivered > maxOutstanding) {
                    this.#overloaded = true;
                    return;
                }
                void this.#send(sent % groups, start + sent * intervalMs);
                sent++;
            }
        };
        this.#openTimer = setInterval(tick, 1);
        tick();
    }

    public beginWindow(): void {
        this.#acksInWindow = 0;
        this.#deliveriesInWindow = 0;
        this.#fromSchedule = [];
        this.#scheduledAtMs = [];
        this.#fromSend = [];
        this.#lag = [];
        this.#cpuAtStart = processCpuS();
        this.#windowStart = performance.now();
        this.#measuring = true;
    }

    public endWindow(): WindowCounts {
        this.#measuring = false;
        const seconds = (performance.now() - this.#windowStart) / 1000;
        return {
            seconds,
            acks: this.#acksInWindow,
            deliveries: this.#deliveriesInWindow,
            fromSchedule: this.#fromSchedule,
            scheduledAtMs: this.#scheduledAtMs,
            fromSend: this.#fromSend,
            lag: this.#lag,
            cpuS: processCpuS() - this.#cpuAtStart,
        };
    }

    /** Stops sending and waits until nothing is outstanding, at most `timeoutMs`. */
    public async stop(timeoutMs = QUIESCE_TIMEOUT_MS): Promise<EndCounts> {
        this.#running = false;
        clearInterval(this.#openTimer);
        const deadline = performance.now() + timeoutMs;
        while ((this.#unacked > 0 || this.#undelivered > 0) && performance.now() < deadline) await sleep(20);
        const end: EndCounts = {
            missing: Math.max(this.#unacked, this.#undelivered),
            unexpected: this.#unexpected,
            errors: this.#errors,
            overloaded: this.#overloaded,
        };
        // Forget what never arrived so the next run starts clean.
        for (const pending of this.#outstanding) pending.clear();
        this.#undelivered = 0;
        this.#unexpected = 0;
        this.#errors = 0;
        return end;
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
        sodiumCryptoBackend,
        keys,
        { deviceId: SENDER, content: { kind: 'outgoingMessage', data } },
        { paddingLength: 0 },
    );
}

/**
 * Connects devices 2..D of every group (receivers), then device 1 (the
 * sender), 16 groups at a time; `connect` gets the group's index and the
 * device number. Resolves every device and each group's sender.
 */
async function connectGroups<G, D>(
    groups: readonly G[],
    devicesPerGroup: number,
    connect: (group: G, index: number, deviceId: number) => Promise<D>,
): Promise<{ readonly senders: D[]; readonly all: D[] }> {
    const senders: D[] = [];
    const all: D[] = [];
    await mapBounded(groups, 16, async (group, index) => {
        for (let deviceId = 2; deviceId <= devicesPerGroup; deviceId++) all.push(await connect(group, index, deviceId));
        const sender = await connect(group, index, 1);
        all.push(sender);
        senders[index] = sender;
    });
    return { senders, all };
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
    const { senders, all } = await connectGroups(keys, devicesPerGroup, async (groupKeys, group, deviceId) => {
        const device = await connectDevice(url, groupKeys, deviceId);
        if (deviceId !== 1) device.on('reflected', (event) => onDelivery(group, event.envelopeBytes));
        return device;
    });
    return {
        groups,
        payload: (group) => sealBenchEnvelope(keys[group]!, contentBytes),
        send: (group, payload) => senders[group]!.reflect(payload),
        close: () => closeAll(all),
    };
}

/** PAYLOAD_BYTES opaque bytes whose first ID_BYTES are random. */
function opaquePayload(template: Uint8Array): Buffer {
    const payload = Buffer.allocUnsafe(PAYLOAD_BYTES);
    payload.set(template);
    randomFillSync(payload, 0, ID_BYTES);
    return payload;
}

/**
 * G groups of D devices on the mediator as lean devices (lean-device.ts):
 * the real protocol with opaque 256-byte envelopes that nobody encrypts or
 * decrypts; device 1 sends.
 */
export async function connectLeanFleet(
    url: string,
    groups: number,
    devicesPerGroup: number,
    onDelivery: DeliveryHandler,
): Promise<FanoutFleet> {
    const keys = newGroupKeys(groups);
    const { senders, all } = await connectGroups(keys, devicesPerGroup, (groupKeys, group, deviceId) =>
        LeanDevice.connect(
            url,
            groupKeys,
            deviceId,
            deviceId === 1 ? undefined : (envelope) => onDelivery(group, envelope),
        ),
    );
    const template = new Uint8Array(PAYLOAD_BYTES).fill(0x5a);
    return {
        groups,
        payload: () => opaquePayload(template),
        send: (group, payload) => senders[group]!.reflect(payload),
        close: async () => {
            await Promise.allSettled(all.map((device) => device.close()));
        },
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
    // The sender does not subscribe: a device never receives its own reflections.
    const { senders, all } = await connectGroups(topics, devicesPerGroup, async (topic, group, deviceId) => {
        const client = await connect(`${runId}-g${group}-d${deviceId}`);
        if (deviceId !== 1) {
            client.on('message', (_topic, payload) => onDelivery(group, payload));
            await client.subscribeAsync(topic, { qos: 1 });
        }
        return client;
    });
    return {
        groups,
        payload: () => opaquePayload(template),
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
