/**
 * The ReflectedAcks of a node's connections, applied to the queue in
 * batches: every ack given within a few milliseconds of the batch's first
 * (ACK_BATCH_DELAY_MS), or while the group's previous batch is still being
 * applied, goes into one `ackMany` call for the group (one Lua call on
 * Redis), whichever of the group's connections gave it. The receivers of
 * one reflection acknowledge at about the same time, so one call takes the
 * acks of all of them, and of the next reflections when they come within
 * the window: fewer calls, and fewer Redis writes (fsyncs with `appendfsync
 * always`) between the appends. Whoever waits for its acks (`flush`: a
 * request that observes the queue waits for the acks its device gave
 * before it) cuts the group's gathering short. A batch whose time ran out
 * with nobody waiting is handed on as `deferrable`: the queue may hold its
 * call back for a few milliseconds more to send it with other work (on
 * Redis, with the node's next append call); `flush` hurries such a call.
 *
 * A group's batches run one after the other, so the promise an ack gets
 * settles after every earlier ack of the group was applied: waiting for the
 * last one a connection got is waiting for all of its acks (Delivery's
 * `flushAcks`). A failed call rejects the promise of each ack in it.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';
import type { GroupId } from '../storage/types.js';

/** What a connection's delivery needs of the batcher. */
export interface AckSink {
    /** Queues the removal of the slot's item `seq`; settles once the batch that took it was applied. */
    ack(groupId: GroupId, deviceId: DeviceId, seq: number): Promise<void>;
    /** Applies the group's gathering batch without waiting for the rest of its window. */
    flush?(groupId: GroupId): void;
}

interface Batch {
    /** Device id → acknowledged seqs, in the order given. */
    readonly acks: Map<DeviceId, number[]>;
    readonly applied: Promise<void>;
    /** Ends the batch's gathering time (it still runs after the group's previous batch). */
    readonly release: () => void;
    /** Something waits for the batch (`flush`): the queue must not hold its call back. */
    urgent: boolean;
}

interface GroupBatches {
    /** The batch still taking acks (not started), if any. */
    open: Batch | undefined;
    /** Settles (never rejects) when the group's last batch is done. */
    tail: Promise<void>;
}

/**
 * How long a batch gathers acks after its first one (and after the group's
 * previous batch is done), unless it is flushed: the receivers of one
 * reflection answer within a few event-loop turns of each other, and a
 * group's next reflections often come within a few milliseconds.
 */
export const ACK_BATCH_DELAY_MS = 4;

export class AckBatcher implements AckSink {
    readonly #queue: Pick<ReflectionQueue, 'ackMany' | 'flushDeferredAcks'>;
    readonly #groups = new Map<GroupId, GroupBatches>();

    public constructor(queue: Pick<ReflectionQueue, 'ackMany' | 'flushDeferredAcks'>) {
        this.#queue = queue;
    }

    public ack(groupId: GroupId, deviceId: DeviceId, seq: number): Promise<void> {
        let group = this.#groups.get(groupId);
        if (group === undefined) {
            group = { open: undefined, tail: Promise.resolve() };
            this.#groups.set(groupId, group);
        }
        const batch = group.open ?? this.#openBatch(groupId, group);
        const seqs = batch.acks.get(deviceId);
        if (seqs === undefined) batch.acks.set(deviceId, [seq]);
        else seqs.push(seq);
        return batch.applied;
    }

    public flush(groupId: GroupId): void {
        const group = this.#groups.get(groupId);
        if (group === undefined) return;
        if (group.open !== undefined) {
            group.open.urgent = true;
            group.open.release();
        }
        // The group's earlier batch may be held back by the queue: the open one runs after it.
        this.#queue.flushDeferredAcks?.();
    }

    /** A new batch, applied after the group's previous one and the gathering time. */
    #openBatch(groupId: GroupId, group: GroupBatches): Batch {
        const acks = new Map<DeviceId, number[]>();
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const gathered = (): Promise<void> => {
            const timer = setTimeout(release, ACK_BATCH_DELAY_MS);
            return released.then(() => clearTimeout(timer));
        };
        const applied = group.tail.then(gathered).then(async () => {
            // From here on, new acks go into the next batch.
            if (group.open?.acks === acks) group.open = undefined;
            await this.#queue.ackMany(
                groupId,
                [...acks].map(([deviceId, seqs]) => ({ deviceId, seqs })),
                // Nobody waits for a batch whose time ran out: its call may go with the next append.
                { deferrable: !batch.urgent },
            );
        });
        const tail = applied.then(
            () => undefined,
            () => undefined,
        );
        group.tail = tail;
        // The group's last batch is done and nothing waits: forget the group.
        void tail.then(() => {
            if (group.tail === tail && group.open === undefined && this.#groups.get(groupId) === group) {
                this.#groups.delete(groupId);
            }
        });
        const batch: Batch = { acks, applied, release, urgent: false };
        group.open = batch;
        return batch;
    }
}
