/**
 * ReflectionQueue on Redis: one Lua script per operation (lua/), every key of
 * a group under its hash tag (keys.ts), the `appended` event published from
 * inside the scripts. With `appendfsync always`, a resolved `append` is on
 * disk before it resolves, which is what ReflectAck promises.
 *
 * Batched appends: the appends of one sender connection (group, device and
 * connection id) are stored in batches, one script call each
 * (reflect-append.lua). An append is sent at once while the connection has
 * fewer than `appendBatchesInFlight` batches in flight (default one);
 * otherwise it waits, and the appends waiting when a batch settles go
 * together in the next one(s): in call order, as far as they share the hold
 * token and limits, bounded in items and bytes. So the appends that arrive
 * while a batch is stored (and fsynced) share the next call. Within a
 * batch the script stores the items in order and stops at the first one a
 * fence refuses: that append and every later one of the batch reject
 * (LockLostError, PresenceLostError), the earlier ones resolve. A failed
 * call rejects every append of its batch and the appends waiting behind it
 * (none is sent after a failure of an earlier one; appends called later are
 * sent as usual).
 *
 * Across sender connections (not on a cluster): the batches started
 * during one event-loop turn wait for its end and go out together, one
 * reflect-append-multi call for up to MAX_APPEND_SECTIONS of them (a lone
 * batch as reflect-append), each batch with the outcome it would have had
 * alone. When every sender connection has one reflection to store, the
 * fixed cost of a script call, of its reply and of its pass through
 * Redis's event loop is shared by all of them.
 *
 * Appends in call order: a batch is sent (its EVALSHA issued) in one
 * synchronous step, batches of a sender connection in call order, and one
 * connection's commands run in the order they were sent. The one retry,
 * EVAL after NOSCRIPT, would be sent behind later batches already issued,
 * so it is allowed only for a batch that had the sender connection to
 * itself: no batch of it was in flight when it was sent, and none was sent
 * after it. Otherwise the batch fails (retryable, the session closes with
 * 1013); its neighbours in flight got NOSCRIPT too, unless another client
 * reloaded the script between them, in which case a later one may be
 * stored without the earlier one (not acknowledged; the device sends both
 * again). A cluster connection may redirect a command to another node
 * (MOVED/ASK), so there `appendsInCallOrder` is false (the session sends
 * one append at a time) and the backend allows one batch in flight.
 */
import type { RedisArgument } from 'redis';
import type { DeviceId } from '../../../d2m/index.js';
import { LockLostError, PresenceLostError, StorageError } from '../../errors.js';
import type {
    AckManyOptions,
    AppendRequest,
    AppendResult,
    QueueItem,
    QueueLimits,
    QueueStats,
    ReflectionQueue,
    ReleaseResult,
    SlotAcks,
} from '../reflection-queue.js';
import type { GroupId } from '../types.js';
import { deviceIdText } from './bus-codec.js';
import type { RedisKeys } from './keys.js';
import {
    bufferOf,
    integerArg,
    redisCall,
    replyArray,
    replyBytes,
    replyDeviceId,
    replyInteger,
    replyText,
    type RedisCommander,
} from './redis-client.js';
import { GatheredScript } from './gathered-script.js';
import type { LuaScripts, ScriptReply } from './scripts.js';
import { ScriptStatus } from './status-codes.js';

export interface RedisReflectionQueueOptions {
    /** A command connection that returns bulk strings as Buffers (see `bufferCommander`). */
    readonly client: RedisCommander;
    readonly scripts: LuaScripts;
    readonly keys: RedisKeys;
    /** Whether one connection carries every append of a group in order (false for a cluster); default true. */
    readonly appendsInCallOrder?: boolean;
    /** Append batches of one sender connection in flight at once (default DEFAULT_APPEND_BATCHES_IN_FLIGHT). */
    readonly appendBatchesInFlight?: number;
    /**
     * Whether the batches of different sender connections started in one
     * event-loop turn share a script call (reflect-append-multi), and so do
     * the ack batches of different groups (reflect-ack-multi); default
     * `appendsInCallOrder`. Never on a cluster: the groups' keys live in
     * different hash slots.
     */
    readonly gatherAcrossSenders?: boolean;
}

/** Numbers the scripts compare against; a missing limit means "no limit". */
function limitArg(value: number): string {
    if (Number.isNaN(value)) throw new StorageError('a queue limit is NaN', { retryable: false });
    return String(Number.isFinite(value) ? Math.max(0, Math.floor(value)) : Number.MAX_SAFE_INTEGER);
}

/** Items stored by one script call at most. */
export const MAX_APPEND_BATCH_ITEMS = 32;
/**
 * Append batches of one sender connection in flight at once, by default: one. The appends that
 * come while it is stored (and fsynced) wait and go together in the next batch, which still shares
 * its script call with the batches of other sender connections. In the fan-out benchmark, since
 * those calls are shared, one batch in flight stores as many reflections per second as two, in
 * fewer and larger sections, with less CPU per delivery at half load (docs/benchmarks.md). It
 * also lets a batch that meets a lost script cache be sent again by EVAL (see above).
 */
export const DEFAULT_APPEND_BATCHES_IN_FLIGHT = 1;
/** Envelope bytes of one script call at most, unless it stores one item. */
export const MAX_APPEND_BATCH_BYTES = 1024 * 1024;
/** Batches (of different sender connections) stored by one reflect-append-multi call at most. */
export const MAX_APPEND_SECTIONS = 64;

/** An append waiting for its batch, or in it. */
interface PendingAppend {
    readonly request: AppendRequest;
    readonly keys: ReturnType<RedisKeys['queue']>;
    /** `<flags>:<timestamp>:<envelope length>` (see reflect-append.lua). */
    readonly item: string;
    resolve(result: AppendResult): void;
    reject(error: unknown): void;
}

/** A failed call: every append of its batch was rejected with `error`. */
interface Failure {
    readonly error: unknown;
}

/** Rejects every append of a batch; the failure its sender connection's queue acts on. */
function reject(batch: readonly PendingAppend[], error: unknown): Failure {
    for (const entry of batch) entry.reject(error);
    return { error };
}

/** A batch's part of a script call. */
interface AppendSection {
    readonly keys: readonly string[];
    readonly args: readonly RedisArgument[];
    /** Envelope bytes. */
    readonly bytes: number;
}

/** The appends of one sender connection. */
interface SenderAppends {
    /** Waiting to be sent, in call order. */
    readonly pending: PendingAppend[];
    /** Batches sent and not settled. */
    inFlight: number;
    /** Batches sent so far (for the NOSCRIPT fall-back). */
    issued: number;
}

/**
 * How long a `deferrable` ack call waits, at most, for the node's next
 * append call to go out with (see AckTiming).
 */
export const ACK_DEFER_MAX_MS = 4;

/**
 * When the node's gathered ack calls go out. A `deferrable` one waits for
 * the next append call, up to ACK_DEFER_MAX_MS: the two then leave in one
 * write and Redis runs them in one pass of its event loop, with one write
 * to the append-only file (one fsync with `appendfsync always`) instead of
 * two. At a moderate rate of reflections most ack calls find an append to
 * go with; with no appends at all they go after ACK_DEFER_MAX_MS. Any other
 * ack call, and any held back when something waits for acks, goes at the
 * end of the turn.
 */
class AckTiming {
    /** The acks' flush, while ack calls wait. */
    #flush: (() => void) | undefined;
    #timer: NodeJS.Timeout | undefined;
    #immediate: NodeJS.Immediate | undefined;

    /** TurnBatches' `schedule` of the ack calls: run after ACK_DEFER_MAX_MS unless sent earlier. */
    public readonly schedule = (flush: () => void): void => {
        this.#flush = flush;
        this.#timer = setTimeout(this.run, ACK_DEFER_MAX_MS);
    };

    /** Sends the waiting ack calls now (at the start of an append flush, or when their time is up). */
    public readonly run = (): void => {
        const flush = this.#flush;
        this.#flush = undefined;
        clearTimeout(this.#timer);
        clearImmediate(this.#immediate);
        this.#timer = undefined;
        this.#immediate = undefined;
        flush?.();
    };

    /** Sends the waiting ack calls at the end of this turn. */
    public soon(): void {
        if (this.#flush !== undefined && this.#immediate === undefined) this.#immediate = setImmediate(this.run);
    }
}

/** The longest run of seqs one entry of reflect-ack names. */
export const MAX_ACK_RANGE = 65_536;

/**
 * Seqs as ascending runs of consecutive values, each at most MAX_ACK_RANGE
 * long, repetitions dropped: [5, 3, 4, 4, 9] → [[3, 5], [9, 9]]. The acks of
 * a slot mostly come in order, so a batch of them is mostly one run.
 */
export function seqRuns(seqs: readonly number[]): [number, number][] {
    const sorted = seqs.length < 2 || isAscending(seqs) ? seqs : [...seqs].sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const seq of sorted) {
        const run = runs.at(-1);
        if (run !== undefined && seq <= run[1]) continue;
        if (run !== undefined && seq === run[1] + 1 && seq - run[0] < MAX_ACK_RANGE) run[1] = seq;
        else runs.push([seq, seq]);
    }
    return runs;
}

function isAscending(values: readonly number[]): boolean {
    for (let index = 1; index < values.length; index++) if (values[index]! < values[index - 1]!) return false;
    return true;
}

function deviceIdList(value: unknown, what: string): DeviceId[] {
    return replyArray(value, what).map((id) => replyDeviceId(id, what));
}

export class RedisReflectionQueue implements ReflectionQueue {
    public readonly appendsInCallOrder: boolean;
    readonly #client: RedisCommander;
    readonly #scripts: LuaScripts;
    readonly #keys: RedisKeys;
    /** Appends waiting or in flight per sender connection (group, device and connection id). */
    readonly #senders = new Map<string, SenderAppends>();
    readonly #batchesInFlight: number;
    /** reflect-append, or reflect-append-multi for the batches of several sender connections of one turn. */
    readonly #appends: GatheredScript;
    /** reflect-ack, or reflect-ack-multi for the ack batches of several groups that go out together. */
    readonly #acks: GatheredScript;
    readonly #ackTiming = new AckTiming();
    #closed = false;

    public constructor(options: RedisReflectionQueueOptions) {
        this.appendsInCallOrder = options.appendsInCallOrder ?? true;
        this.#batchesInFlight = options.appendBatchesInFlight ?? DEFAULT_APPEND_BATCHES_IN_FLIGHT;
        if (!Number.isSafeInteger(this.#batchesInFlight) || this.#batchesInFlight < 1) {
            throw new RangeError(`appendBatchesInFlight must be a positive integer, got ${this.#batchesInFlight}`);
        }
        this.#client = options.client;
        this.#scripts = options.scripts;
        this.#keys = options.keys;
        // Both scripts share a call across sender connections or groups, on the same connection.
        const shared = {
            client: options.client,
            scripts: options.scripts,
            gather: options.gatherAcrossSenders ?? this.appendsInCallOrder,
        };
        this.#appends = new GatheredScript({
            ...shared,
            single: 'reflect-append',
            multi: 'reflect-append-multi',
            maxSections: MAX_APPEND_SECTIONS,
            maxBytes: MAX_APPEND_BATCH_BYTES,
            // The ack calls waiting go first, in the same write.
            timing: { beforeFlush: this.#ackTiming.run },
        });
        this.#acks = new GatheredScript({
            ...shared,
            single: 'reflect-ack',
            multi: 'reflect-ack-multi',
            timing: { schedule: this.#ackTiming.schedule },
        });
    }

    public async addSlot(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        const keys = this.#open().queue(groupId);
        await this.#scripts.run(this.#client, 'slot-add', [keys.slots], [deviceIdText(deviceId)]);
    }

    public async removeSlot(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        const keys = this.#open().queue(groupId);
        await this.#scripts.run(
            this.#client,
            'slot-remove',
            [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held],
            [deviceIdText(deviceId)],
        );
    }

    public async listSlots(groupId: GroupId): Promise<readonly DeviceId[]> {
        const keys = this.#open().queue(groupId);
        const reply = await redisCall('SMEMBERS', () => this.#client.sendCommand(['SMEMBERS', keys.slots]));
        return deviceIdList(reply, 'slots').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }

    public append(request: AppendRequest): Promise<AppendResult> {
        let keys: ReturnType<RedisKeys['queue']>;
        let item: string;
        try {
            keys = this.#open().queue(request.groupId);
            item = `${integerArg(request.flags, 'flags')}:${integerArg(request.timestamp, 'timestamp')}:${request.envelope.byteLength}`;
            limitArg(request.limits.maxCount);
            limitArg(request.limits.maxBytes);
        } catch (error) {
            return Promise.reject(
                error instanceof Error ? error : new StorageError(String(error), { retryable: false }),
            );
        }
        const senderKey = `${request.groupId}/${deviceIdText(request.senderDeviceId)}/${request.senderConnectionId ?? ''}`;
        let sender = this.#senders.get(senderKey);
        if (sender === undefined) {
            sender = { pending: [], inFlight: 0, issued: 0 };
            this.#senders.set(senderKey, sender);
        }
        const state = sender;
        return new Promise<AppendResult>((resolve, reject) => {
            state.pending.push({ request, keys, item, resolve, reject });
            // Sent at once unless the sender connection's batches in flight are at the bound: then it
            // waits, with whatever follows, for the next batch.
            this.#sendWaiting(senderKey, state);
        });
    }

    /**
     * Sends the sender connection's waiting appends in batches, while fewer
     * than the allowed batches are in flight: in order, each batch as far as
     * its appends share the hold token and limits (at most
     * MAX_APPEND_BATCH_ITEMS items and, beyond one item,
     * MAX_APPEND_BATCH_BYTES envelope bytes). What stays waiting is sent
     * as soon as a batch settles.
     */
    #sendWaiting(senderKey: string, sender: SenderAppends): void {
        while (sender.pending.length > 0 && sender.inFlight < this.#batchesInFlight) {
            const { request } = sender.pending[0]!;
            let count = 1;
            let bytes = request.envelope.byteLength;
            while (count < sender.pending.length && count < MAX_APPEND_BATCH_ITEMS) {
                const next = sender.pending[count]!.request;
                if (
                    next.hold !== request.hold ||
                    next.limits.maxCount !== request.limits.maxCount ||
                    next.limits.maxBytes !== request.limits.maxBytes ||
                    bytes + next.envelope.byteLength > MAX_APPEND_BATCH_BYTES
                ) {
                    break;
                }
                bytes += next.envelope.byteLength;
                count += 1;
            }
            const batch = sender.pending.splice(0, count);
            // No earlier batch of the sender connection is pending (none can fail behind this one's back) ...
            const alone = sender.inFlight === 0;
            sender.inFlight += 1;
            sender.issued += 1;
            const issued = sender.issued;
            // ... and none was sent after it (it would run before the EVAL): only then EVAL again.
            const evalOnNoScript = () => alone && sender.issued === issued;
            void this.#store(batch, evalOnNoScript).then((failure) => {
                sender.inFlight -= 1;
                // Nothing waiting behind a failed call is sent: it fails the same way.
                if (failure !== undefined) for (const entry of sender.pending.splice(0)) entry.reject(failure.error);
                if (sender.pending.length > 0) this.#sendWaiting(senderKey, sender);
                else if (sender.inFlight === 0) this.#senders.delete(senderKey);
            });
        }
    }

    /**
     * Stores a batch and settles each append of it; resolves the call's
     * failure, if any. Gathering across senders, the batch waits for the
     * end of the event-loop turn and goes out with the other batches
     * started in it, one reflect-append-multi call per run of them (at most
     * MAX_APPEND_SECTIONS batches and, beyond one batch,
     * MAX_APPEND_BATCH_BYTES envelope bytes; see gathered-script.ts), a
     * lone batch as reflect-append; otherwise it is sent at once. All calls
     * of a turn are issued in one synchronous step, so a sender
     * connection's batches keep their order on the connection.
     */
    async #store(batch: readonly PendingAppend[], evalOnNoScript: () => boolean): Promise<Failure | undefined> {
        const section = this.#section(batch);
        let reply: ScriptReply;
        try {
            reply = await this.#appends.run(section.keys, section.args, { bytes: section.bytes, evalOnNoScript });
        } catch (error) {
            return reject(batch, error);
        }
        return this.#settle(batch, reply.status, reply.values);
    }

    /** A batch's keys and arguments of reflect-append. */
    #section(batch: readonly PendingAppend[]): AppendSection {
        const { request, keys } = batch[0]!;
        const { lock, presence } = this.#keys.coordinator(request.groupId);
        const envelopes =
            batch.length === 1
                ? bufferOf(request.envelope)
                : Buffer.concat(batch.map((entry) => entry.request.envelope));
        return {
            keys: [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held, lock, presence],
            args: [
                this.#keys.channel(request.groupId),
                deviceIdText(request.senderDeviceId),
                limitArg(request.limits.maxCount),
                limitArg(request.limits.maxBytes),
                request.hold === undefined ? '0' : '1',
                request.hold ?? '',
                request.senderConnectionId ?? '',
                batch.map((entry) => entry.item).join(','),
                envelopes,
            ],
            bytes: envelopes.byteLength,
        };
    }

    /**
     * Settles each append of a batch from its script's reply: how many items
     * were stored, the slots they were fanned out to and, per slot, the item
     * it overflowed on (0: none); see reflect-append.lua.
     */
    #settle(batch: readonly PendingAppend[], status: ScriptStatus, values: readonly unknown[]): Failure | undefined {
        let stored: number;
        let ids: DeviceId[];
        let overflowAt: number[];
        try {
            stored = replyInteger(values[0], 'items stored');
            ids = deviceIdList(values[1], 'recipients');
            overflowAt = replyArray(values[2], 'overflows').map((value) => replyInteger(value, 'overflow'));
            const refused = status === ScriptStatus.LOCK_LOST || status === ScriptStatus.PRESENCE_LOST;
            if (refused ? stored >= batch.length : status !== ScriptStatus.OK || stored !== batch.length) {
                throw new StorageError(`reflect-append stored ${stored} of ${batch.length} items`, {
                    retryable: false,
                });
            }
            if (stored < 0 || overflowAt.length !== ids.length || overflowAt.some((at) => at < 0 || at > stored)) {
                throw new StorageError('reflect-append replied with overflows that do not match its slots', {
                    retryable: false,
                });
            }
        } catch (error) {
            return reject(batch, error);
        }
        if (overflowAt.every((at) => at === 0)) {
            // The common case: every slot received every item.
            for (let index = 0; index < stored; index++) batch[index]!.resolve({ recipients: ids, overflowed: [] });
        } else {
            for (let index = 0; index < stored; index++) {
                const item = index + 1;
                batch[index]!.resolve({
                    recipients: ids.filter((_, slot) => overflowAt[slot] === 0 || overflowAt[slot]! > item),
                    overflowed: ids.filter((_, slot) => overflowAt[slot] === item),
                });
            }
        }
        // The first item refused and every one after it: nothing of them was stored.
        for (let index = stored; index < batch.length; index++) {
            batch[index]!.reject(
                status === ScriptStatus.LOCK_LOST
                    ? new LockLostError('refused a held reflection: its transaction lock is no longer current')
                    : new PresenceLostError('refused a reflection: its connection is no longer the slot’s presence'),
            );
        }
        return undefined;
    }

    public async releaseHeld(groupId: GroupId, token: string, limits: QueueLimits): Promise<ReleaseResult> {
        const keys = this.#open().queue(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'reflect-release',
            [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held],
            [this.#keys.channel(groupId), token, limitArg(limits.maxCount), limitArg(limits.maxBytes)],
        );
        return {
            released: replyInteger(values[0], 'released'),
            overflowed: deviceIdList(values[1], 'overflowed'),
        };
    }

    public async staleHeldTokens(groupId: GroupId, now: number): Promise<readonly string[]> {
        const keys = this.#open().queue(groupId);
        const { lock } = this.#keys.coordinator(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'held-stale',
            [keys.held, lock],
            [integerArg(now, 'now')],
        );
        return values.map((value) => replyText(value, 'stale token'));
    }

    public async read(
        groupId: GroupId,
        deviceId: DeviceId,
        afterSeq: number,
        maxItems: number,
        maxBytes: number,
    ): Promise<readonly QueueItem[]> {
        const keys = this.#open().queue(groupId);
        const from = Math.max(0, Math.floor(afterSeq));
        if (!(maxItems >= 1) || !Number.isSafeInteger(from + 1)) return [];
        const { values } = await this.#scripts.run(
            this.#client,
            'queue-read',
            [keys.queue, keys.payloads],
            [
                deviceIdText(deviceId),
                String(from),
                Number.isFinite(maxItems) ? String(Math.floor(maxItems)) : '-1',
                Number.isNaN(maxBytes) ? '0' : limitArg(maxBytes),
            ],
        );
        const items: QueueItem[] = [];
        for (let index = 0; index + 3 < values.length; index += 4) {
            items.push({
                seq: replyInteger(values[index], 'seq'),
                flags: replyInteger(values[index + 1], 'flags'),
                timestamp: replyInteger(values[index + 2], 'timestamp'),
                envelope: replyBytes(values[index + 3], 'envelope'),
            });
        }
        return items;
    }

    public async ack(groupId: GroupId, deviceId: DeviceId, seq: number): Promise<boolean> {
        return (await this.ackMany(groupId, [{ deviceId, seqs: [seq] }])) === 1;
    }

    public async ackMany(groupId: GroupId, acks: readonly SlotAcks[], options: AckManyOptions = {}): Promise<number> {
        const keys = this.#open().queue(groupId);
        const pairs: string[] = [];
        for (const { deviceId, seqs } of acks) {
            const id = deviceIdText(deviceId);
            // Seqs that cannot name an item are left out (they would change nothing).
            for (const [first, last] of seqRuns(seqs.filter((seq) => Number.isSafeInteger(seq) && seq >= 1))) {
                pairs.push(first === last ? `${id}:${first}` : `${id}:${first}-${last}`);
            }
        }
        if (pairs.length === 0) return 0;
        const applied = this.#acks.run([keys.queue, keys.counters, keys.payloads], [pairs.join(',')]);
        if (options.deferrable !== true) this.#ackTiming.soon();
        const { values } = await applied;
        return replyInteger(values[0], 'removed');
    }

    public flushDeferredAcks(): void {
        this.#ackTiming.soon();
    }

    public async stats(groupId: GroupId, deviceId: DeviceId): Promise<QueueStats> {
        const keys = this.#open().queue(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'queue-stats',
            [keys.queue, keys.counters, keys.payloads],
            [deviceIdText(deviceId)],
        );
        const oldest = replyInteger(values[2], 'oldest timestamp');
        return {
            count: replyInteger(values[0], 'count'),
            bytes: replyInteger(values[1], 'bytes'),
            oldestTimestamp: oldest < 0 ? undefined : oldest,
        };
    }

    /** Payloads stored for the group (each once). Not part of the contract: for tests and diagnostics. */
    public async payloadCount(groupId: GroupId): Promise<number> {
        const keys = this.#open().queue(groupId);
        const reply = await redisCall('HLEN', () => this.#client.sendCommand(['HLEN', keys.payloads]));
        // Three fields per payload: envelope, meta, reference count.
        return replyInteger(reply, 'HLEN') / 3;
    }

    public async deleteGroup(groupId: GroupId): Promise<void> {
        // One DEL of keys in one cluster slot: atomic.
        const keys = this.#open().allQueueKeys(groupId);
        await redisCall('DEL', () => this.#client.sendCommand(['DEL', ...keys]));
    }

    /** The connection belongs to the backend, which closes it. */
    public close(): Promise<void> {
        this.#closed = true;
        // Ack calls held back go now, while the connection is still open.
        this.#ackTiming.run();
        return Promise.resolve();
    }

    #open(): RedisKeys {
        if (this.#closed) throw new StorageError('reflection queue is closed', { retryable: false });
        return this.#keys;
    }
}
