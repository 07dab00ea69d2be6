/**
 * A lean benchmark device: the real protocol on a raw WebSocket (the
 * challenge answered with the group's key, Reflect with ReflectAck,
 * every Reflected acknowledged with ReflectedAck), but no end-to-end
 * encryption: it sends opaque envelope bytes and hands received ones over
 * undecrypted. The mediator cannot tell the difference (it never sees
 * plaintext), and a load generator built from these spends its CPU on the
 * socket, not on crypto, so it measures the server.
 */
import WebSocket from 'ws';
import type { DeviceGroupKeys } from '../../d2d/index.js';
import {
    buildClientUrl,
    D2mPayloadType,
    decodeMessage,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    encodeMessage,
    ensureServerGroup,
} from '../../d2m/index.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { clientHelloFor } from '../lib/client-hello.js';
import { SERVER_GROUP } from './devices.js';

const HANDSHAKE_TIMEOUT_MS = 30_000;
const REFLECT_HEADER_BYTES = 8;

export type ReflectedHandler = (envelope: Uint8Array) => void;

export class LeanDevice {
    readonly #socket: WebSocket;
    readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
    #nextReflectId = 1;
    #closed: Error | undefined;

    private constructor(socket: WebSocket, onReflected: ReflectedHandler | undefined) {
        this.#socket = socket;
        socket.on('message', (data: Buffer) => this.#onMessage(data, onReflected));
        socket.once('close', (code) => {
            this.#closed = new Error(`connection closed (${code})`);
            for (const waiter of this.#pending.values()) waiter.reject(this.#closed);
            this.#pending.clear();
        });
    }

    /** Connects and authenticates device `deviceId` of the group; resolves on ServerInfo. */
    public static connect(
        url: string,
        keys: DeviceGroupKeys,
        deviceId: number,
        onReflected?: ReflectedHandler,
    ): Promise<LeanDevice> {
        const target = buildClientUrl(url, {
            deviceGroupId: keys.deviceGroupId,
            serverGroup: ensureServerGroup(SERVER_GROUP),
        });
        const socket = new WebSocket(target, { perMessageDeflate: false });
        return new Promise((resolve, reject) => {
            const fail = (error: Error): void => {
                clearTimeout(timer);
                socket.terminate();
                reject(error);
            };
            const timer = setTimeout(() => fail(new Error('lean device: handshake timed out')), HANDSHAKE_TIMEOUT_MS);
            socket.once('error', fail);
            socket.once('close', (code) => fail(new Error(`lean device: closed during the handshake (${code})`)));
            const onHandshake = (data: Buffer): void => {
                const message = decodeMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
                if (message.type === D2mPayloadType.SERVER_HELLO) {
                    socket.send(
                        encodeMessage(
                            clientHelloFor(message.body, {
                                crypto: sodiumCryptoBackend,
                                dgpkSecretKey: keys.dgpk.secretKey,
                                deviceId: BigInt(deviceId),
                                deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
                                deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                            }),
                        ),
                    );
                } else if (message.type === D2mPayloadType.SERVER_INFO) {
                    clearTimeout(timer);
                    socket.off('message', onHandshake);
                    socket.removeAllListeners('error');
                    socket.removeAllListeners('close');
                    socket.on('error', () => undefined);
                    resolve(new LeanDevice(socket, onReflected));
                }
            };
            socket.on('message', onHandshake);
        });
    }

    /** Sends a Reflect; resolves on its ReflectAck. */
    public reflect(envelope: Uint8Array): Promise<void> {
        if (this.#closed !== undefined) return Promise.reject(this.#closed);
        const reflectId = this.#nextReflectId;
        this.#nextReflectId = (this.#nextReflectId + 1) >>> 0;
        const frame = new Uint8Array(4 + REFLECT_HEADER_BYTES + envelope.byteLength);
        const view = new DataView(frame.buffer);
        frame[0] = D2mPayloadType.REFLECT;
        frame[4] = REFLECT_HEADER_BYTES;
        view.setUint32(8, reflectId, true);
        frame.set(envelope, 4 + REFLECT_HEADER_BYTES);
        return new Promise((resolve, reject) => {
            this.#pending.set(reflectId, { resolve, reject });
            this.#socket.send(frame);
        });
    }

    public close(): Promise<void> {
        if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
        return new Promise((resolve) => {
            this.#socket.once('close', () => resolve());
            this.#socket.close(1000);
        });
    }

    #onMessage(data: Buffer, onReflected: ReflectedHandler | undefined): void {
        const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const type = frame[0];
        if (type === D2mPayloadType.REFLECTED) {
            const message = decodeMessage(frame);
            if (message.type !== D2mPayloadType.REFLECTED) return;
            // Delivered first, acknowledged second: the order of the MQTT client (mqtt.js emits
            // 'message' before it sends PUBACK), so both servers' latencies stop at the same point.
            onReflected?.(message.body.envelope);
            this.#socket.send(
                encodeMessage({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: message.body.reflectedId } }),
            );
        } else if (type === D2mPayloadType.REFLECT_ACK) {
            const message = decodeMessage(frame);
            if (message.type !== D2mPayloadType.REFLECT_ACK) return;
            const waiter = this.#pending.get(message.body.reflectId);
            this.#pending.delete(message.body.reflectId);
            waiter?.resolve();
        }
        // Everything else (ReflectionQueueDry, leader promotion, DevicesInfo…) needs no answer here.
    }
}
