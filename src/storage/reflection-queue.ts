/**
 * ReflectionQueue: the durable per-slot queues of reflections, and the
 * membership mirror they fan out to.
 *
 * Implementations: `memory-reflection-queue.ts` (embedded) and
 * `redis/redis-reflection-queue.ts` (one Lua script per operation, every key
 * of a group in one Redis Cluster slot).
 *
 * Contract (checked by test/contract/reflection-queue.contract.ts):
 *
 * - Membership: the queue knows which slots a group has (`addSlot`,
 *   `removeSlot`); `append` fans out to every member except the sender.
 *   `addSlot` is idempotent and keeps an existing queue.
 * - Durability: when `append` resolves, the reflection is stored for every
 *   recipient (or held for the transaction, see below). That is the moment
 *   the mediator may send ReflectAck.
 * - Payload stored once: the envelope is stored once per group and
 *   referenced from each recipient's queue; it is deleted when the last
 *   recipient acknowledged it or was removed.
 * - Order: each slot's items carry a `seq` that increases by one per item
 *   appended to that slot and never repeats while the slot exists
 *   (`removeSlot` resets it). `read` returns items in seq order. The
 *   Reflected id on the wire is `seq mod 2^32`.
 * - Appends in call order (`appendsInCallOrder`): when true, appends of one
 *   sender called one after another, each before the previous one resolved,
 *   are applied in call order (each one's effects, event included, precede
 *   the next one's), so a session may start the next append of a device
 *   before the previous one resolved (src/session/reflect-pipeline.ts).
 *   When false, a caller waits for each append before it starts the next.
 *   A failed append never lets a later append of the same sender be retried
 *   or reissued ahead of it by the queue; whether a later one that was
 *   already issued is applied is not said (the caller sends no ReflectAck
 *   for it, so the device sends it again).
 * - Notification: every append that adds items is announced by an
 *   `appended` event on the group bus naming the recipients, atomically with
 *   the append (no item is visible without its event following, and no event
 *   precedes its items). Appends of one sender connection in flight together
 *   may be stored in one step and share one event (Redis batches them, see
 *   redis-reflection-queue.ts); each append still settles on its own. The
 *   event of appends carries each recipient's seq of the last new item and
 *   the items themselves, in order (flags, timestamp, envelope as stored;
 *   GroupEvent in group-coordinator.ts), so a receiver that is up to date
 *   delivers them without a `read`; the event of a `releaseHeld` carries
 *   each recipient's newest seq and no item (the receiver reads). Events of
 *   one group arrive in the order of the changes.
 * - Limits: when an append would take a recipient beyond `limits.maxCount`
 *   items or `limits.maxBytes` envelope bytes, that recipient is removed
 *   (as by `removeSlot`) instead of receiving the item, and reported in
 *   `overflowed`; the caller tombstones it and closes it with 4114.
 * - Held reflections: an append with `hold` set stores the reflection in the
 *   group's held list for that transaction token instead of the queues.
 *   `releaseHeld` moves every held item of the token, in order, to the
 *   queues of the members other than its sender at that moment (limits
 *   apply), publishes `appended`, and keeps each item's original timestamp.
 *   It is idempotent.
 * - Fenced holds: the queue reads the group's transaction lock (the one the
 *   backend's GroupCoordinator grants). An append with `hold` stores the
 *   item only if `hold` is the token of the group's current lock and that
 *   lock has not expired at `timestamp` (the caller's clock), checked in
 *   the same atomic step as the store; otherwise it rejects with
 *   `LockLostError` (src/errors.ts; the session closes with 1013) and
 *   stores nothing, so nothing is ever held for a lock that has ended.
 * - Fenced senders: the queue reads the group's presence entries too. An
 *   append that names `senderConnectionId` stores the item only if that
 *   connection is the sender slot's current presence and the presence has
 *   not expired at `timestamp`, checked in the same atomic step as the store;
 *   otherwise it rejects with `PresenceLostError` and stores nothing. So an
 *   append that reaches the store late (its node stalled or was cut off from
 *   it, and the device reconnected elsewhere and reflected newer items)
 *   can never land after the newer ones, and nothing is stored for a
 *   connection that other nodes already treat as gone.
 * - Stale held items: a token is *stale* once it is not the current,
 *   unexpired lock's token. Staleness is final (tokens only increase, a
 *   lock's expiry never moves, and a stale token takes no new items), so
 *   `staleHeldTokens` followed by `releaseHeld` for each token returned is
 *   safe without further locking. Whatever ended a lock (commit, TTL, the
 *   holder's node dying, a takeover of an expired lock, a crash between two
 *   steps), its held items are delivered by the next such sweep: group
 *   maintenance runs one per group and renewal interval.
 * - Acks: `ack` removes exactly one item (acks may come out of order);
 *   unknown seqs resolve false and change nothing. `ackMany` does the same
 *   for lists of seqs of any slots of one group in one atomic step (one Lua
 *   call on Redis): each listed item that exists is removed, once, whatever
 *   the order or repetitions; it resolves how many were removed.
 * - Errors: storage failures reject with `StorageError`, a hold under a
 *   lock that is no longer current with `LockLostError`, an append from a
 *   connection that is no longer present with `PresenceLostError`
 *   (src/errors.ts).
 */
import type { DeviceId } from '../../d2m/index.js';
import type { GroupId } from './types.js';

export interface QueueLimits {
    readonly maxCount: number;
    readonly maxBytes: number;
}

export interface AppendRequest {
    readonly groupId: GroupId;
    readonly senderDeviceId: DeviceId;
    /** Reflect flags as received (ephemeral reflections are never appended). */
    readonly flags: number;
    /** The encrypted envelope, stored as is. */
    readonly envelope: Uint8Array;
    /** Unix ms: the timestamp of ReflectAck and of every Reflected made from it. */
    readonly timestamp: number;
    readonly limits: QueueLimits;
    /**
     * Transaction token of the sender's lock: hold delivery until
     * `releaseHeld`. Refused with `LockLostError` unless it is the group's
     * current lock token, unexpired at `timestamp`.
     */
    readonly hold?: string | undefined;
    /**
     * The sending connection's id. When set (the mediator always sets it),
     * nothing is stored unless it is the sender slot's current presence,
     * unexpired at `timestamp` (`PresenceLostError`). Unset only where no
     * connection sends (tools, tests of the queue alone).
     */
    readonly senderConnectionId?: string | undefined;
}

export interface AppendResult {
    /** Slots that received the item (empty when held). */
    readonly recipients: readonly DeviceId[];
    /** Slots removed because the item would have exceeded their limits. */
    readonly overflowed: readonly DeviceId[];
}

export interface ReleaseResult {
    /** Number of held items moved to queues. */
    readonly released: number;
    readonly overflowed: readonly DeviceId[];
}

export interface QueueItem {
    readonly seq: number;
    readonly flags: number;
    readonly timestamp: number;
    readonly envelope: Uint8Array;
}

/** How `ackMany` may be carried out. */
export interface AckManyOptions {
    /**
     * Nobody waits for the outcome soon: the backend may hold the call back
     * for a few milliseconds to send it together with other work (on Redis:
     * with the node's next append call, sharing one write and, with
     * `appendfsync always`, one fsync). Default false.
     */
    readonly deferrable?: boolean;
}

/** Acknowledged seqs of one slot (`ackMany`). */
export interface SlotAcks {
    readonly deviceId: DeviceId;
    readonly seqs: readonly number[];
}

export interface QueueStats {
    readonly count: number;
    readonly bytes: number;
    /** Timestamp of the oldest unacknowledged item, undefined when empty. */
    readonly oldestTimestamp: number | undefined;
}

export interface ReflectionQueue {
    /** Appends started before the previous one resolved are applied in call order (see the contract). */
    readonly appendsInCallOrder: boolean;

    /** Makes the slot a member of its group's fan-out; keeps an existing queue. */
    addSlot(groupId: GroupId, deviceId: DeviceId): Promise<void>;

    /** Removes the slot from the fan-out and deletes its queue (payload references included). */
    removeSlot(groupId: GroupId, deviceId: DeviceId): Promise<void>;

    /** Member slots of the group. */
    listSlots(groupId: GroupId): Promise<readonly DeviceId[]>;

    /** Stores a reflection for every other member (or holds it); see the contract. */
    append(request: AppendRequest): Promise<AppendResult>;

    /** Moves the items held for `token` to the recipients' queues; see the contract. */
    releaseHeld(groupId: GroupId, token: string, limits: QueueLimits): Promise<ReleaseResult>;

    /**
     * Tokens that have held items but are not the token of the group's
     * current lock unexpired at `now` (see the contract: stale tokens stay
     * stale). Read-only; empty in the common case.
     */
    staleHeldTokens(groupId: GroupId, now: number): Promise<readonly string[]>;

    /**
     * Items of the slot with `seq > afterSeq`, in order, at most `maxItems`
     * (at least one item is returned when any exists, whatever `maxBytes`).
     */
    read(
        groupId: GroupId,
        deviceId: DeviceId,
        afterSeq: number,
        maxItems: number,
        maxBytes: number,
    ): Promise<readonly QueueItem[]>;

    /** Removes one item; resolves whether it existed. */
    ack(groupId: GroupId, deviceId: DeviceId, seq: number): Promise<boolean>;

    /** Removes each listed item of the group's slots in one step; resolves how many existed. */
    ackMany(groupId: GroupId, acks: readonly SlotAcks[], options?: AckManyOptions): Promise<number>;

    /** Sends the `deferrable` ack calls held back now (something waits for them). */
    flushDeferredAcks?(): void;

    stats(groupId: GroupId, deviceId: DeviceId): Promise<QueueStats>;

    /** Deletes every queue, payload and held item of the group. */
    deleteGroup(groupId: GroupId): Promise<void>;

    close(): Promise<void>;
}
