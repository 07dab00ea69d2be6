/**
 * The outbound side of one authenticated connection: queued reflections and
 * group events, in order, with WebSocket backpressure.
 *
 * Everything a connection is sent because of what happened elsewhere goes
 * through one ordered task list: the login backlog, "your queue has new
 * items", ephemeral reflections, TransactionEnded and RolePromotedToLeader.
 * So a TransactionEnded never overtakes the reflections released before it,
 * and an ephemeral reflection takes its place among the queued ones.
 *
 * The list starts paused: tasks gathered between subscription and
 * ServerInfo wait until `start` puts the backlog in front of them.
 *
 * Memory stays bounded for a device that stops reading: queued reflections
 * stay in storage until the socket has room; an ephemeral reflection is
 * dropped (`offer` returns false) when the socket and the frames already
 * waiting hold more than the high-water mark; and when the frames that may
 * not be dropped pile up past it too, the connection is closed with 4010
 * (the device reads its queue after it reconnects).
 *
 * A new item whose `appended` event carries it (see GroupEvent) is sent
 * from the event when it is the next item of the slot: every earlier one
 * was sent (the cursor is at its seq - 1) and no read is pending. Anything
 * else reads the queue: the login backlog, a gap (a missed event, items
 * released from a transaction), and items announced while the frames
 * waiting and the socket hold more than the high-water mark (the envelope
 * is not kept then; it is read once the device caught up).
 *
 * It owns every Reflected id of the connection: queue items are sent with
 * `seq mod 2^32` and remembered until acknowledged; ephemeral reflections
 * get ids counting down from 2^32 - 1, which no ack ever matches.
 *
 * ReflectedAcks are applied in batches (ack-batcher.ts: one storage call
 * per group for the acks of a turn, or of the time the previous call ran).
 * `flushAcks` waits until every ack given so far is applied (the session
 * calls it before a frame that may observe the queue, and before the
 * connection's cleanup).
 */
import { CloseCode } from '../../d2m/index.js';
import { SessionClosedError } from '../errors.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import type { AppendedItem } from '../storage/group-coordinator.js';
import type { AckSink } from './ack-batcher.js';
import { reflectedFrame } from './frames.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';
import type { GroupId } from '../storage/types.js';
import type { DeviceId } from '../../d2m/index.js';

type Task =
    | { readonly kind: 'backlog'; readonly count: number }
    /** Send the queue's items up to seq `upTo` (what the notification announced; later ones have their own). */
    | { readonly kind: 'drain-queue'; upTo: number }
    /** Queue item `seq`, announced with its event: its Reflected frame, sent unless a read is needed first. */
    | { readonly kind: 'item'; readonly seq: number; readonly frame: Uint8Array }
    | { readonly kind: 'frame'; readonly frame: Uint8Array }
    | { readonly kind: 'call'; readonly run: () => Promise<void> | void };

export interface DeliveryOptions {
    readonly queue: Pick<ReflectionQueue, 'read'>;
    /** Applies ReflectedAcks in batches (the node's AckBatcher). */
    readonly acks: AckSink;
    readonly groupId: GroupId;
    readonly deviceId: DeviceId;
    /** Sends one frame; false when the socket is gone. */
    readonly send: (frame: Uint8Array) => boolean;
    readonly bufferedAmount: () => number;
    /** Sending pauses while the socket buffers more than this many bytes. */
    readonly highWaterBytes: number;
    readonly batchItems: number;
    /** Counts reflections sent, dropped and acknowledged. */
    readonly metrics?: Pick<MediatorMetricsHooks, 'delivered' | 'reflectedAcked' | 'ephemeralDropped'>;
    /** Called once when a task fails (storage error); the session closes. */
    readonly onError: (error: unknown) => void;
}

const U32_SPACE = 2 ** 32;
/** Ids of ephemeral Reflected frames count down from 2^32 - 1 to 2^31, away from queue ids (which count up from 1). */
const EPHEMERAL_ID_FIRST = 0xffff_ffff;
const EPHEMERAL_ID_LAST = 0x8000_0000;

export class Delivery {
    readonly #tasks: Task[] = [];
    /** Reflected id on the wire → queue seq, for items sent and not yet acknowledged. */
    readonly #unacked = new Map<number, number>();
    #started = false;
    #running = false;
    #stopped = false;
    #cursor = 0;
    #drainWaiter: (() => void) | undefined;
    /** Bytes of the frames in the task list, not sent yet. */
    #waitingBytes = 0;
    #nextEphemeralId = EPHEMERAL_ID_FIRST;
    /** Settles (never rejects) once every ack given so far was applied or failed. */
    #acksApplied: Promise<void> = Promise.resolve();
    /** Acks given and not yet applied (or failed). */
    #acksPending = 0;
    /** An ack failed (reported once): later ones are not applied. */
    #ackFailed = false;
    readonly #options: DeliveryOptions;

    public constructor(options: DeliveryOptions) {
        this.#options = options;
    }

    /** Sends the backlog of `count` items, then runs `afterBacklog`, then everything gathered so far. */
    public start(count: number, afterBacklog: () => Promise<void> | void): void {
        this.#tasks.unshift({ kind: 'backlog', count }, { kind: 'call', run: afterBacklog });
        this.#started = true;
        this.#kick();
    }

    /**
     * The slot's queue has new items, up to seq `upToSeq` (unknown: all);
     * `item`, when given, is the one item with seq `upToSeq` (from the
     * event), sent without a read when every earlier item was sent by then.
     * Items beyond `upToSeq` wait for their own notification, so a frame
     * ordered between two notifications (an ephemeral reflection) is never
     * overtaken by the items of the later one. Consecutive notifications
     * with nothing between them become one read when a read is pending.
     */
    public wakeQueue(upToSeq = Number.POSITIVE_INFINITY, item?: AppendedItem): void {
        if (this.#stopped) return;
        const tasks = this.#tasks;
        // Not `tasks[length - 1]` on an empty list: index -1 takes V8's slow, string-keyed lookup.
        const last = tasks.length > 0 ? tasks[tasks.length - 1] : undefined;
        if (last?.kind === 'drain-queue') {
            // A read is pending: it takes this item too, in order.
            last.upTo = Math.max(last.upTo, upToSeq);
            return;
        }
        if (item !== undefined && Number.isSafeInteger(upToSeq) && upToSeq >= 1) {
            const frame = reflectedFrame(item.flags, upToSeq % U32_SPACE, item.timestamp, item.envelope);
            const behind = this.#options.bufferedAmount() + this.#waitingBytes + frame.byteLength;
            if (behind <= this.#options.highWaterBytes) {
                this.#waitingBytes += frame.byteLength;
                this.#push({ kind: 'item', seq: upToSeq, frame });
                return;
            }
        }
        this.#push({ kind: 'drain-queue', upTo: upToSeq });
    }

    /** Sends a frame after everything queued before it; closes the connection (4010) when too many wait. */
    public sendInOrder(frame: Uint8Array): void {
        if (this.#stopped) return;
        if (this.#waitingBytes + frame.byteLength > this.#options.highWaterBytes) {
            this.#stopped = true;
            this.#tasks.length = 0;
            this.#waitingBytes = 0;
            this.#options.onError(new SessionClosedError(CloseCode.PROTOCOL_ERROR, 'device does not read'));
            return;
        }
        this.#waitingBytes += frame.byteLength;
        this.#push({ kind: 'frame', frame });
    }

    /**
     * Like `sendInOrder` for a frame that may be lost (an ephemeral
     * reflection): dropped, returning false, while the socket and the frames
     * waiting before it hold more than the high-water mark.
     */
    public offer(frame: Uint8Array): boolean {
        if (this.#stopped) return false;
        const behind = this.#options.bufferedAmount() + this.#waitingBytes + frame.byteLength;
        if (behind > this.#options.highWaterBytes) return false;
        this.sendInOrder(frame);
        return true;
    }

    /**
     * An ephemeral reflection from another device: sent in order with the
     * next ephemeral id, or dropped (counted, returning false) while the
     * device is behind in reading (see `offer`).
     */
    public offerEphemeral(flags: number, timestamp: number, envelope: Uint8Array): boolean {
        const id = this.#nextEphemeralId;
        this.#nextEphemeralId = id === EPHEMERAL_ID_LAST ? EPHEMERAL_ID_FIRST : id - 1;
        const offered = this.offer(reflectedFrame(flags, id, timestamp, envelope));
        if (offered) this.#options.metrics?.delivered(1, true);
        else this.#options.metrics?.ephemeralDropped();
        return offered;
    }

    /** Runs `run` after everything queued before it. */
    public callInOrder(run: () => Promise<void> | void): void {
        this.#push({ kind: 'call', run });
    }

    /** The socket drained: resume sending. */
    public onDrain(): void {
        const waiter = this.#drainWaiter;
        this.#drainWaiter = undefined;
        waiter?.();
    }

    public stop(): void {
        this.#stopped = true;
        this.#tasks.length = 0;
        this.#waitingBytes = 0;
        this.onDrain();
    }

    /**
     * Maps a ReflectedAck id to its queue item and queues its removal (in
     * the next batch; see `flushAcks`). False for an unknown or ephemeral
     * id, which is ignored.
     */
    public ack(reflectedId: number): boolean {
        const seq = this.#unacked.get(reflectedId);
        if (seq === undefined) return false;
        this.#unacked.delete(reflectedId);
        if (this.#ackFailed) return true;
        const { acks, groupId, deviceId, metrics } = this.#options;
        this.#acksPending += 1;
        this.#acksApplied = acks.ack(groupId, deviceId, seq).then(
            () => {
                this.#acksPending -= 1;
                metrics?.reflectedAcked();
            },
            (error: unknown) => {
                this.#acksPending -= 1;
                // Later acks are not applied either: the connection closes, the device reads them again.
                if (this.#ackFailed) return;
                this.#ackFailed = true;
                this.#options.onError(error);
            },
        );
        return true;
    }

    /**
     * Resolves once every ack given so far is applied to the queue (or
     * failed: the failure was reported through `onError`, which closes the
     * connection). Runs also after `stop`.
     */
    public flushAcks(): Promise<void> {
        // Something waits for this connection's acks: their batch need not wait for more.
        if (this.#acksPending > 0) this.#options.acks.flush?.(this.#options.groupId);
        return this.#acksApplied;
    }

    public get unackedCount(): number {
        return this.#unacked.size;
    }

    #push(task: Task): void {
        if (this.#stopped) return;
        this.#tasks.push(task);
        this.#kick();
    }

    #kick(): void {
        if (!this.#started || this.#running || this.#stopped) return;
        // What needs no wait (the next item, a frame, with room in the socket) is sent right here.
        for (let task = this.#tasks[0]; task !== undefined && this.#sendNow(task); task = this.#tasks[0]) {
            this.#tasks.shift();
        }
        if (this.#tasks.length === 0 || this.#stopped) return;
        this.#running = true;
        this.#run().then(
            () => {
                this.#running = false;
                if (this.#tasks.length > 0) this.#kick();
            },
            (error: unknown) => {
                this.#running = false;
                this.#stopped = true;
                this.#options.onError(error);
            },
        );
    }

    async #run(): Promise<void> {
        for (let task = this.#tasks.shift(); task !== undefined && !this.#stopped; task = this.#tasks.shift()) {
            switch (task.kind) {
                case 'backlog':
                    await this.#sendFromQueue(task.count);
                    break;
                case 'drain-queue':
                    await this.#sendFromQueue(Number.POSITIVE_INFINITY, task.upTo);
                    break;
                case 'item':
                    await this.#sendItem(task.seq, task.frame);
                    break;
                case 'frame':
                    await this.#waitForRoom();
                    this.#waitingBytes -= task.frame.byteLength;
                    this.#options.send(task.frame);
                    break;
                case 'call':
                    await task.run();
                    break;
                default:
                    task satisfies never;
            }
        }
    }

    /**
     * Sends `task` synchronously when that is what `#run` would do without
     * waiting: an item that is the next one, or a frame, while the socket
     * is under its high-water mark. False: `#run` takes it.
     */
    #sendNow(task: Task): boolean {
        if (this.#stopped || this.#options.bufferedAmount() > this.#options.highWaterBytes) return false;
        if (task.kind === 'item') {
            if (task.seq !== this.#cursor + 1) return false;
            this.#waitingBytes -= task.frame.byteLength;
            this.#sendNext(task.seq, task.frame);
            return true;
        }
        if (task.kind === 'frame') {
            this.#waitingBytes -= task.frame.byteLength;
            this.#options.send(task.frame);
            return true;
        }
        return false;
    }

    async #waitForRoom(): Promise<void> {
        while (!this.#stopped && this.#options.bufferedAmount() > this.#options.highWaterBytes) {
            await new Promise<void>((resolve) => (this.#drainWaiter = resolve));
        }
    }

    /** Sends item `seq` from its event when it is the next one, else reads up to it. */
    async #sendItem(seq: number, frame: Uint8Array): Promise<void> {
        if (seq !== this.#cursor + 1) {
            this.#waitingBytes -= frame.byteLength;
            // Sent already (by a read that found it), or a gap before it: the queue has it.
            if (seq > this.#cursor) await this.#sendFromQueue(Number.POSITIVE_INFINITY, seq);
            return;
        }
        await this.#waitForRoom();
        this.#waitingBytes -= frame.byteLength;
        if (this.#stopped) return;
        this.#sendNext(seq, frame);
    }

    /** Sends the Reflected frame of item `seq`, the one after the cursor. */
    #sendNext(seq: number, frame: Uint8Array): void {
        this.#options.send(frame);
        this.#unacked.set(seq % U32_SPACE, seq);
        this.#cursor = seq;
        this.#options.metrics?.delivered(1, false);
    }

    async #sendFromQueue(limit: number, upToSeq = Number.POSITIVE_INFINITY): Promise<void> {
        const { queue, groupId, deviceId, batchItems, highWaterBytes } = this.#options;
        let sent = 0;
        while (sent < limit && !this.#stopped && this.#cursor < upToSeq) {
            await this.#waitForRoom();
            if (this.#stopped) return;
            const maxItems = Math.min(batchItems, limit - sent);
            const items = await queue.read(groupId, deviceId, this.#cursor, maxItems, highWaterBytes);
            if (items.length === 0 || this.#stopped) return;
            let batchSent = 0;
            for (const item of items) {
                if (item.seq > upToSeq) break;
                const reflectedId = item.seq % U32_SPACE;
                this.#options.send(reflectedFrame(item.flags, reflectedId, item.timestamp, item.envelope));
                this.#unacked.set(reflectedId, item.seq);
                this.#cursor = item.seq;
                batchSent += 1;
            }
            sent += batchSent;
            if (batchSent > 0) this.#options.metrics?.delivered(batchSent, false);
            if (batchSent < items.length) return;
        }
    }
}
