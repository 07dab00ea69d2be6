/**
 * Device groups and devices for end-to-end tests, on the project's own SDK:
 * a random device group key per group, devices connected to a test
 * mediator, and collectors that wait for events without sleeping.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, ensureDeviceId, type DeviceId } from '../../d2m/index.js';
import { deriveDeviceGroupKeys, type DeviceGroupKeys, type Envelope } from '../../d2d/index.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import {
    DeviceClient,
    MediatorCloseError,
    type DeviceClientOptions,
    type ReflectedEvent,
    type TransactionEndedEvent,
} from '../../src/device/index.js';

export const SERVER_GROUP = '4f';

/** Waits until `predicate` holds, checking after every event; rejects after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
}

/** Encodes a sequence number as envelope content, so order can be checked on arrival. */
export function numberedEnvelope(sender: DeviceId, n: number): Envelope {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, n, true);
    return { deviceId: sender, content: { kind: 'outgoingMessage', data } };
}

export function envelopeNumber(event: ReflectedEvent): number {
    const data = event.envelope?.content?.data;
    if (data === undefined || data.byteLength !== 4) throw new Error('not a numbered envelope');
    return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
}

/** A connected device and what it has received. */
export class TestDevice {
    public readonly reflected: ReflectedEvent[] = [];
    public readonly transactionsEnded: TransactionEndedEvent[] = [];
    public readonly proxy: Uint8Array[] = [];
    public promoted = false;
    public queueDry = false;

    public constructor(public readonly client: DeviceClient) {
        client.on('reflected', (event) => void this.reflected.push(event));
        client.on('transactionEnded', (event) => void this.transactionsEnded.push(event));
        client.on('proxy', (data) => void this.proxy.push(data));
        client.on('promotedToLeader', () => (this.promoted = true));
        client.on('queueDry', () => (this.queueDry = true));
    }

    public get id(): DeviceId {
        return this.client.deviceId;
    }

    /** Numbers of the non-ephemeral reflections received, in arrival order. */
    public numbers(from?: DeviceId): number[] {
        return this.reflected
            .filter((event) => !event.ephemeral && (from === undefined || event.envelope?.deviceId === from))
            .map(envelopeNumber);
    }

    public async waitForReflected(count: number, timeoutMs = 5000): Promise<void> {
        await waitUntil(() => this.reflected.length >= count, timeoutMs, `${count} reflections`);
    }

    public async waitForClose(timeoutMs = 5000): Promise<MediatorCloseError> {
        return withTimeout(this.client.closed, timeoutMs, 'the connection to close');
    }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([
            promise,
            new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
            }),
        ]);
    } finally {
        clearTimeout(timer);
    }
}

/** A device group with a random key. */
export class TestGroup {
    public readonly keys: DeviceGroupKeys;
    readonly #devices: TestDevice[] = [];

    /** A group on the mediator at `url`; pass another group's `dgk` to reach the same group elsewhere. */
    public constructor(
        public readonly url: string,
        public readonly dgk: Uint8Array = randomBytes(32),
    ) {
        this.keys = deriveDeviceGroupKeys(sodiumCryptoBackend, dgk);
    }

    public async connect(
        deviceId: bigint,
        options: Partial<Omit<DeviceClientOptions, 'url' | 'deviceId'>> = {},
    ): Promise<TestDevice> {
        const client = await DeviceClient.connect({
            url: this.url,
            keys: this.keys,
            serverGroup: SERVER_GROUP,
            deviceId,
            crypto: sodiumCryptoBackend,
            ...options,
        });
        const device = new TestDevice(client);
        this.#devices.push(device);
        return device;
    }

    /**
     * Connects, retrying while the mediator answers 1013 (what a real client
     * does, with a short back-off), for at most `timeoutMs`.
     */
    public async connectWhenBack(deviceId: bigint, timeoutMs = 10_000, backoffMs = 100): Promise<TestDevice> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            try {
                const device = await this.connect(deviceId);
                // A login that failed after the handshake closes right away.
                await new Promise((resolve) => setTimeout(resolve, 50));
                if (device.client.closeError === undefined) return device;
                if (device.client.closeError.code !== Number(CloseCode.TRY_AGAIN_LATER)) {
                    throw device.client.closeError;
                }
            } catch (error) {
                if (!(error instanceof MediatorCloseError) || error.code !== Number(CloseCode.TRY_AGAIN_LATER)) {
                    throw error;
                }
            }
            if (Date.now() > deadline) throw new Error(`device ${deviceId} could not connect within ${timeoutMs} ms`);
            await new Promise((resolve) => setTimeout(resolve, backoffMs));
        }
    }

    /** Connects and expects the mediator to refuse with `code`. */
    public async refused(
        deviceId: bigint,
        options: Partial<Omit<DeviceClientOptions, 'url' | 'deviceId'>> = {},
    ): Promise<MediatorCloseError> {
        try {
            const device = await this.connect(deviceId, options);
            return await device.waitForClose();
        } catch (error) {
            if (error instanceof MediatorCloseError) return error;
            throw error;
        }
    }

    /** Closes every device still connected. */
    public async closeAll(): Promise<void> {
        await Promise.all(
            this.#devices.map(async (device) => {
                if (device.client.closeError === undefined) await device.client.close();
            }),
        );
    }
}

export function deviceId(value: bigint): DeviceId {
    return ensureDeviceId(value);
}
