/**
 * Events of the device client and the small typed emitter behind them.
 *
 * Listeners run synchronously, in registration order. A listener may return
 * a promise; the emitter hands the results back so that the client can, for
 * example, acknowledge a Reflected only after asynchronous listeners settle.
 * A listener that throws (or whose promise rejects) does not stop the
 * others: the error goes to the `listenerError` event, or, when nobody
 * listens to that, is rethrown outside the client as an uncaught exception.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { Envelope, TransactionScope } from '../../d2d/index.js';
import type { MediatorCloseError } from './errors.js';

/** One Reflected message from the mediator. */
export interface ReflectedEvent {
    /** The reflected id (per device slot) that the ReflectedAck echoes. */
    readonly id: number;
    /** When the mediator stored the reflection (Unix milliseconds). */
    readonly timestamp: number;
    /** The raw u16 flags. */
    readonly flags: number;
    /** Sent only to devices online at the time; never acknowledged automatically. */
    readonly ephemeral: boolean;
    /** The encrypted envelope exactly as received. */
    readonly envelopeBytes: Uint8Array;
    /** The decrypted envelope, or `undefined` when decryption failed. */
    readonly envelope: Envelope | undefined;
    /** Why decryption failed, when it did. */
    readonly decryptionError: Error | undefined;
    /** Whether the ReflectedAck was sent (automatically or by {@link ack}). */
    readonly acked: boolean;
    /** Sends the ReflectedAck for this message. Idempotent; a no-op once the connection is closing. */
    ack(): void;
}

/** Another device committed its transaction, or its connection ended while it held the lock. */
export interface TransactionEndedEvent {
    /** The device that held the lock. */
    readonly holder: DeviceId;
    /** Its encrypted scope as the mediator relayed it. */
    readonly encryptedScope: Uint8Array;
    /** The decrypted scope, or `undefined` when it cannot be decrypted. */
    readonly scope: TransactionScope | undefined;
}

/** Event names and the arguments their listeners receive. */
export interface DeviceClientEventMap {
    reflected: [event: ReflectedEvent];
    /** Every Reflected queued at login has been delivered (sent once per connection). */
    queueDry: [];
    /** This device is the group's leader (for the rest of the connection). */
    promotedToLeader: [];
    transactionEnded: [event: TransactionEndedEvent];
    /** A chat-server (CSP) message relayed by the mediator. */
    proxy: [data: Uint8Array];
    /** The connection ended; emitted once, after every pending request was rejected. */
    closed: [error: MediatorCloseError];
    /** A listener of another event threw or rejected. */
    listenerError: [error: unknown, event: keyof DeviceClientEventMap];
}

export type DeviceClientEventName = keyof DeviceClientEventMap;

export type Listener<A extends unknown[]> = (...args: A) => unknown;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
    return (
        typeof value === 'object' && value !== null && typeof (value as { readonly then?: unknown }).then === 'function'
    );
}

/** A typed event emitter. */
export class TypedEmitter<M extends { [K in keyof M]: unknown[] }> {
    readonly #listeners = new Map<keyof M, Listener<never[]>[]>();

    /** Adds a listener; returns a function that removes it. */
    public on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
        const list = this.#listeners.get(event) ?? [];
        list.push(listener);
        this.#listeners.set(event, list);
        return () => this.off(event, listener);
    }

    /** Adds a listener that runs at most once. */
    public once<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
        const off = this.on(event, (...args: M[K]) => {
            off();
            return listener(...args);
        });
        return off;
    }

    /** Removes a listener added with {@link on}. */
    public off<K extends keyof M>(event: K, listener: Listener<M[K]>): void {
        const list = this.#listeners.get(event);
        if (list === undefined) return;
        const index = list.indexOf(listener);
        if (index >= 0) list.splice(index, 1);
    }

    /** How many listeners an event has. */
    public listenerCount(event: keyof M): number {
        return this.#listeners.get(event)?.length ?? 0;
    }

    /** Calls every listener of `event`. */
    protected emit<K extends keyof M>(event: K, ...args: M[K]): void {
        void this.emitCollecting(event, ...args);
    }

    /**
     * Calls every listener of `event` and returns the promises among their
     * results (already guarded: they never reject).
     */
    protected emitCollecting<K extends keyof M>(event: K, ...args: M[K]): Promise<void>[] {
        const pending: Promise<void>[] = [];
        for (const listener of [...(this.#listeners.get(event) ?? [])]) {
            let result: unknown;
            try {
                result = (listener as Listener<M[K]>)(...args);
            } catch (error) {
                this.reportListenerError(error, event);
                continue;
            }
            if (isPromiseLike(result)) {
                pending.push(
                    Promise.resolve(result).then(
                        () => undefined,
                        (error: unknown) => this.reportListenerError(error, event),
                    ),
                );
            }
        }
        return pending;
    }

    /** Where listener failures go; see the file comment. */
    protected reportListenerError(error: unknown, event: keyof M): void {
        const handlers = this.#listeners.get('listenerError' as keyof M) ?? [];
        if (event === 'listenerError' || handlers.length === 0) {
            queueMicrotask(() => {
                throw error;
            });
            return;
        }
        for (const handler of [...handlers]) {
            try {
                (handler as Listener<[unknown, keyof M]>)(error, event);
            } catch (nested) {
                queueMicrotask(() => {
                    throw nested;
                });
            }
        }
    }
}
