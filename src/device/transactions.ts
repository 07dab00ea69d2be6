/**
 * The client side of the device-group transaction lock (reference §7.5).
 *
 * BeginTransaction is answered by BeginTransactionAck or TransactionRejected,
 * CommitTransaction by CommitTransactionAck, each in request order.
 * TransactionEnded is broadcast when a holder commits or disconnects. A
 * rejected client waits for the next TransactionEnded after its rejection
 * and tries again; a counter of TransactionEnded messages, snapshotted at the
 * rejection, makes sure an Ended that arrives right behind the rejection is
 * not missed.
 */
import {
    D2mPayloadType,
    isU32,
    type D2mMessage,
    type D2mMessageOf,
    type DeviceId,
    type TransactionEnded,
} from '../../d2m/index.js';
import { decryptTransactionScope, encryptTransactionScope, type TransactionScope } from '../../d2d/index.js';
import { DeviceClientError } from './errors.js';
import type { TransactionEndedEvent } from './events.js';
import type { ResolvedOptions } from './options.js';
import { ignoreRejection, PendingQueue, type Pending } from './pending.js';

export interface TransactionOptions {
    /** Seconds the mediator may let the lock be held; 0 (default) = server default. Current revision only. */
    readonly ttl?: number;
}

export type BeginTransactionResult =
    | { readonly status: 'acked' }
    | {
          readonly status: 'rejected';
          /** The device holding the lock. */
          readonly holder: DeviceId;
          /** Its decrypted scope, or `undefined` when it cannot be decrypted. */
          readonly scope: TransactionScope | undefined;
          readonly encryptedScope: Uint8Array;
      };

/** A begin answer plus how many TransactionEnded messages had arrived when it was rejected. */
export type BeginAnswer =
    | { readonly status: 'acked' }
    | (Extract<BeginTransactionResult, { readonly status: 'rejected' }> & { readonly endedBefore: number });

type Send = (message: D2mMessage) => Promise<void>;

/** The three answers to transaction requests. */
export type TransactionAnswer = D2mMessageOf<
    D2mPayloadType.BEGIN_TRANSACTION_ACK | D2mPayloadType.TRANSACTION_REJECTED | D2mPayloadType.COMMIT_TRANSACTION_ACK
>;

export class TransactionControl {
    readonly #options: ResolvedOptions;
    readonly #send: Send;
    readonly #begins = new PendingQueue<BeginAnswer>();
    readonly #commits = new PendingQueue<void>();
    #endedCount = 0;
    #endedWaiters: Pending<void, number>[] = [];
    #failure: { readonly error: Error } | undefined;

    public constructor(options: ResolvedOptions, send: Send) {
        this.#options = options;
        this.#send = send;
    }

    /** Sends BeginTransaction; resolves with the mediator's answer. */
    public begin(scope: TransactionScope, options: TransactionOptions): Promise<BeginAnswer> {
        if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
        const ttl = options.ttl ?? 0;
        if (!isU32(ttl)) throw new DeviceClientError('invalid-argument', 'ttl must be a u32 (seconds)');
        if (ttl !== 0 && this.#options.protocolRevision === 'seed') {
            throw new DeviceClientError('unsupported', 'the seed revision has no transaction TTL');
        }
        const { crypto, keys } = this.#options;
        const encryptedScope = encryptTransactionScope(crypto, keys, scope);
        this.#send({ type: D2mPayloadType.BEGIN_TRANSACTION, body: { encryptedScope, ttl } }).catch(ignoreRejection);
        return this.#begins.add(undefined);
    }

    /** Sends CommitTransaction; resolves on CommitTransactionAck. */
    public commit(): Promise<void> {
        if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
        this.#send({ type: D2mPayloadType.COMMIT_TRANSACTION, body: {} }).catch(ignoreRejection);
        return this.#commits.add(undefined);
    }

    /** Begins (retrying after each TransactionEnded), runs `fn`, commits. */
    public async run<T>(scope: TransactionScope, fn: () => T | Promise<T>, options: TransactionOptions): Promise<T> {
        for (;;) {
            const answer = await this.begin(scope, options);
            if (answer.status === 'acked') break;
            await this.#waitForEnded(answer.endedBefore);
        }
        let value: T;
        try {
            value = await fn();
        } catch (error) {
            // The lock must not stay held; the error from fn is what matters.
            await this.commit().catch(ignoreRejection);
            throw error;
        }
        await this.commit();
        return value;
    }

    /** Settles the request a transaction answer belongs to. False when none is pending. */
    public handleAnswer(message: TransactionAnswer): boolean {
        if (message.type === D2mPayloadType.COMMIT_TRANSACTION_ACK) {
            const pending = this.#commits.shift();
            pending?.resolve();
            return pending !== undefined;
        }
        const pending = this.#begins.shift();
        if (pending === undefined) return false;
        if (message.type === D2mPayloadType.BEGIN_TRANSACTION_ACK) {
            pending.resolve({ status: 'acked' });
            return true;
        }
        const { deviceId, encryptedScope } = message.body;
        pending.resolve({
            status: 'rejected',
            holder: deviceId,
            scope: this.#decryptScope(encryptedScope),
            encryptedScope,
            endedBefore: this.#endedCount,
        });
        return true;
    }

    /** Records a TransactionEnded, wakes rejected transactions, and returns the event to emit. */
    public handleEnded(ended: TransactionEnded.Type): TransactionEndedEvent {
        this.#endedCount += 1;
        const waiting = this.#endedWaiters;
        this.#endedWaiters = [];
        for (const waiter of waiting) waiter.resolve();
        return {
            holder: ended.deviceId,
            encryptedScope: ended.encryptedScope,
            scope: this.#decryptScope(ended.encryptedScope),
        };
    }

    /** Rejects everything pending and every later wait. */
    public fail(error: Error): void {
        this.#failure = { error };
        this.#begins.rejectAll(error);
        this.#commits.rejectAll(error);
        for (const waiter of this.#endedWaiters.splice(0)) waiter.reject(error);
    }

    #waitForEnded(after: number): Promise<void> {
        if (this.#endedCount > after) return Promise.resolve();
        if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
        return new Promise<void>((resolve, reject) => {
            this.#endedWaiters.push({ data: after, resolve, reject });
        });
    }

    #decryptScope(encryptedScope: Uint8Array): TransactionScope | undefined {
        try {
            return decryptTransactionScope(this.#options.crypto, this.#options.keys, encryptedScope);
        } catch {
            return undefined;
        }
    }
}
