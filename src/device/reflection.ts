/**
 * The client side of reflection (reference §7.2).
 *
 * Outbound: Reflect ids start at 1 on every connection and count up without
 * wrapping. A non-ephemeral Reflect waits for its ReflectAck; acks must come
 * in the order the Reflects were sent, so an ack for any id other than the
 * oldest pending one is a protocol error. Ephemeral Reflects get no ack.
 *
 * Inbound: each Reflected becomes a {@link ReflectedEvent} with the envelope
 * decrypted (or the decryption error) and an idempotent `ack()`.
 */
import {
    D2mPayloadType,
    D2mProtocolError,
    FLAG_EPHEMERAL,
    Reflected,
    U32_MAX,
    type D2mMessage,
    type ReflectAck,
} from '../../d2m/index.js';
import { decryptEnvelope, encryptEnvelope, type Envelope } from '../../d2d/index.js';
import { DeviceClientError } from './errors.js';
import type { ReflectedEvent } from './events.js';
import type { ResolvedOptions } from './options.js';
import { ignoreRejection, PendingQueue } from './pending.js';

export interface ReflectionLink {
    /** Queues a message; throws synchronously when it cannot be encoded. */
    send(message: D2mMessage): Promise<void>;
    /** Whether the connection is closing or closed (acks are then pointless). */
    readonly isClosing: boolean;
}

function unexpectedAck(problem: string): D2mProtocolError {
    return new D2mProtocolError('unexpected-message', `ReflectAck: ${problem}`);
}

export class ReflectionControl {
    readonly #options: ResolvedOptions;
    readonly #link: ReflectionLink;
    readonly #pending = new PendingQueue<number, number>();
    #nextReflectId = 1;

    public constructor(options: ResolvedOptions, link: ReflectionLink) {
        this.#options = options;
        this.#link = link;
    }

    /** Sends a Reflect. Resolves to the ack timestamp, or to `undefined` once an ephemeral one was sent. */
    public reflect(envelope: Envelope | Uint8Array, ephemeral: boolean): Promise<number | undefined> {
        if (ephemeral && this.#options.protocolRevision === 'seed') {
            throw new DeviceClientError('unsupported', 'the seed revision has no ephemeral reflections');
        }
        if (this.#nextReflectId > U32_MAX) {
            throw new DeviceClientError('reflect-id-exhausted', 'all reflect ids of this connection are used');
        }
        const { crypto, keys } = this.#options;
        const bytes = envelope instanceof Uint8Array ? envelope : encryptEnvelope(crypto, keys, envelope);
        const reflectId = this.#nextReflectId;
        let sent: Promise<void>;
        try {
            sent = this.#link.send({
                type: D2mPayloadType.REFLECT,
                body: { flags: ephemeral ? FLAG_EPHEMERAL : 0, reflectId, envelope: bytes },
            });
        } catch (error) {
            throw new DeviceClientError('invalid-argument', 'the envelope does not fit a Reflect', { cause: error });
        }
        this.#nextReflectId += 1;
        if (ephemeral) return sent.then(() => undefined);
        sent.catch(ignoreRejection);
        return this.#pending.add(reflectId);
    }

    /** Settles the oldest pending Reflect. Throws {@link D2mProtocolError} when the ack does not belong to it. */
    public handleAck(ack: ReflectAck.Type): void {
        const pending = this.#pending.peek();
        if (pending === undefined) throw unexpectedAck('no Reflect is pending');
        if (pending.data !== ack.reflectId) {
            throw unexpectedAck(`acknowledges reflect id ${ack.reflectId}, expected ${pending.data}`);
        }
        this.#pending.shift();
        pending.resolve(ack.timestamp);
    }

    /** The event for one Reflected, with the envelope decrypted where possible. */
    public reflectedEvent(reflected: Reflected.Type): ReflectedEvent {
        let envelope: Envelope | undefined;
        let decryptionError: Error | undefined;
        try {
            envelope = decryptEnvelope(this.#options.crypto, this.#options.keys, reflected.envelope);
        } catch (error) {
            decryptionError = error instanceof Error ? error : new Error('envelope decryption failed');
        }
        const link = this.#link;
        let acked = false;
        return {
            id: reflected.reflectedId,
            timestamp: reflected.timestamp,
            flags: reflected.flags,
            ephemeral: Reflected.isEphemeral(reflected),
            envelopeBytes: reflected.envelope,
            envelope,
            decryptionError,
            get acked() {
                return acked;
            },
            ack(): void {
                if (acked || link.isClosing) return;
                acked = true;
                link.send({
                    type: D2mPayloadType.REFLECTED_ACK,
                    body: { reflectedId: reflected.reflectedId },
                }).catch(ignoreRejection);
            },
        };
    }

    /** Rejects every pending Reflect. */
    public fail(error: Error): void {
        this.#pending.rejectAll(error);
    }
}
