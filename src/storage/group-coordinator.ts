/**
 * GroupCoordinator: the live, cross-node state of device groups: presence
 * (which connection serves which device, on which node), the transaction
 * lock, the leader role, and the group event bus that tells every node what
 * happened.
 *
 * Implementations: `memory-group-coordinator.ts` (embedded, one node) and
 * `redis/redis-group-coordinator.ts` (Lua scripts and pub/sub; lock and
 * leader carry fencing tokens).
 *
 * Contract (checked by test/contract/group-coordinator.contract.ts):
 *
 * - Atomicity: each method is atomic per group, and the events it publishes
 *   are published atomically with its change.
 * - Presence: at most one connection per device. `register` replaces an
 *   older connection of the same device and publishes `kick` (4112) for it.
 *   `unregister` removes only the named connection.
 * - Liveness: every presence carries `expiresAt`, kept in the future by its
 *   node through `renewPresence`. A presence whose `expiresAt` has passed
 *   belongs to a node that died: reads taking `now` treat it as absent, and
 *   `renewPresence` deletes such entries (the leader role of a deleted entry
 *   is cleared, so the next `electLeader` promotes another device).
 * - Lock: at most one holder per group. `beginTransaction` grants it when
 *   free or expired; a grant carries a token that increases with every grant
 *   of the group (fencing). `endTransaction` releases only for the given
 *   connection (and, with a token, only that grant) and publishes
 *   `transaction-ended`.
 * - Leader: at most one per group. `electLeader` keeps a leader whose
 *   connection is still registered and alive; otherwise it promotes the best
 *   live eligible
 *   connection (devices that sent Proxy frames first, then the most recently
 *   connected), increments the term and publishes `promoted`. Unregistering
 *   the leader's connection clears the leader (the caller then elects).
 * - Bus: `subscribe` delivers every event published for the group after the
 *   subscription is established, in publication order, to every node.
 */
import type { DeviceId } from '../../d2m/index.js';
import type { ConnectionId, GroupId, NodeId } from './types.js';

export interface Presence {
    readonly deviceId: DeviceId;
    readonly connectionId: ConnectionId;
    readonly nodeId: NodeId;
    /** Unix ms. */
    readonly connectedSince: number;
    /** Unix ms after which the presence counts as dead (its node stopped renewing it). */
    readonly expiresAt: number;
    /** Sent ReflectionQueueDry: may become leader. */
    readonly eligible: boolean;
    /** Has sent Proxy frames: preferred as leader. */
    readonly proxyActive: boolean;
}

export interface TransactionLock {
    readonly deviceId: DeviceId;
    readonly connectionId: ConnectionId;
    readonly encryptedScope: Uint8Array;
    /** Unix ms after which the lock counts as free. */
    readonly expiresAt: number;
    /** Fencing token, increasing per group. */
    readonly token: string;
}

export interface Leader {
    readonly deviceId: DeviceId;
    readonly connectionId: ConnectionId;
    /** Increases with every promotion in the group (fencing). */
    readonly term: number;
}

/** A reflection an `appended` event carries, as stored (see GroupEvent). */
export interface AppendedItem {
    readonly flags: number;
    readonly timestamp: number;
    /** The stored envelope; shared, never written to. */
    readonly envelope: Uint8Array;
}

export type GroupEvent =
    /**
     * New items in these slots' queues. `seqs[i]`, when present, is the seq
     * of the newest item of `deviceIds[i]`'s queue after the change: a
     * receiver sends items up to it now and leaves later ones to their own
     * event, so whatever it was told in between (an ephemeral reflection)
     * keeps its place. Absent (an older node): everything queued.
     *
     * `items`, when present (an append of reflections; `seqs` is then
     * present too), are those reflections, in order: each named slot
     * received exactly these items, the last one with seq `seqs[i]` (item
     * k of n with seq `seqs[i] - n + 1 + k`). A receiver that has sent every
     * item of its slot before an item sends it from the event without
     * reading the queue. Absent (a release of held items, or an older
     * node): the items are read from the queue.
     */
    | {
          readonly type: 'appended';
          readonly deviceIds: readonly DeviceId[];
          readonly seqs?: readonly number[];
          readonly items?: readonly AppendedItem[];
      }
    /** An ephemeral reflection for every connected device except the sender; never stored. */
    | {
          readonly type: 'ephemeral';
          readonly senderDeviceId: DeviceId;
          readonly flags: number;
          readonly timestamp: number;
          readonly envelope: Uint8Array;
      }
    /** Close this connection with this code (on whichever node holds it). */
    | { readonly type: 'kick'; readonly deviceId: DeviceId; readonly connectionId: ConnectionId; readonly code: number }
    /**
     * The lock was released; every connected device except the holder's
     * connection is told (TransactionEnded). The holder's connection learns
     * by it that its lock ended elsewhere when it did not release it itself
     * (it still holds the grant `token`): it is closed with 1013.
     */
    | {
          readonly type: 'transaction-ended';
          readonly deviceId: DeviceId;
          readonly connectionId: ConnectionId;
          readonly encryptedScope: Uint8Array;
          /** The ended grant's token (absent from an older node). */
          readonly token?: string;
      }
    /** This connection is now the leader. */
    | {
          readonly type: 'promoted';
          readonly deviceId: DeviceId;
          readonly connectionId: ConnectionId;
          readonly term: number;
      }
    /**
     * Emitted locally (never published) when the coordinator's event transport
     * was interrupted: events of the group may have been missed, so local
     * sessions cannot trust their view of queues, lock or leader any more.
     */
    | { readonly type: 'bus-interrupted' };

export type GroupEventHandler = (event: GroupEvent) => void;

export type BeginTransactionResult =
    | { readonly status: 'acquired'; readonly lock: TransactionLock }
    | { readonly status: 'rejected'; readonly holder: TransactionLock }
    /** The same connection already holds the lock. */
    | { readonly status: 'already-holder'; readonly lock: TransactionLock };

export interface GroupCoordinator {
    /** Registers a connection for a device; replaces (and kicks with 4112) an older one. */
    register(
        groupId: GroupId,
        presence: Omit<Presence, 'eligible' | 'proxyActive'>,
    ): Promise<{
        readonly replaced: Presence | undefined;
    }>;

    /**
     * Removes the connection's presence if it is still the device's current
     * one. Clears the leader role if it held it. Resolves whether it was.
     */
    unregister(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId): Promise<boolean>;

    /** Updates the leader-relevant flags of a registered connection (no-op otherwise). */
    updatePresence(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        flags: { readonly eligible?: boolean; readonly proxyActive?: boolean },
    ): Promise<void>;

    /** Live presence entries (those with `expiresAt > now`). */
    listPresence(groupId: GroupId, now: number): Promise<readonly Presence[]>;

    /**
     * Extends `expiresAt` of the named connections (registered by `nodeId`)
     * and deletes every presence of the group that expired before `now`,
     * including the named ones: a renewal that comes too late never revives
     * an entry other nodes may already have treated as gone. Resolves the
     * named connections that are not registered (any more, or expired), and
     * whether a deleted entry held the leader role.
     */
    renewPresence(
        groupId: GroupId,
        nodeId: NodeId,
        connectionIds: readonly ConnectionId[],
        expiresAt: number,
        now: number,
    ): Promise<{ readonly missing: readonly ConnectionId[]; readonly leaderLost: boolean }>;

    beginTransaction(
        groupId: GroupId,
        request: {
            readonly deviceId: DeviceId;
            readonly connectionId: ConnectionId;
            readonly encryptedScope: Uint8Array;
            readonly ttlMs: number;
            readonly now: number;
        },
    ): Promise<BeginTransactionResult>;

    /** The current lock, if held and not expired at `now`. */
    getTransaction(groupId: GroupId, now: number): Promise<TransactionLock | undefined>;

    /**
     * The stored lock, expired or not (an expired lock stays stored for at
     * least a minute after `expiresAt`, so that it can be ended properly).
     */
    getLockRecord(groupId: GroupId): Promise<TransactionLock | undefined>;

    /**
     * Releases the lock if `connectionId` holds it (and `token` matches when
     * given), publishing `transaction-ended`. Resolves the released lock.
     * Fencing for CommitTransaction: undefined means the caller's grant was
     * no longer the stored lock (ended elsewhere, or taken over after it
     * expired), and the commit must not be acknowledged. A grant that
     * expired but was not taken over is still released (nobody else held
     * the lock meanwhile).
     */
    endTransaction(groupId: GroupId, connectionId: ConnectionId, token?: string): Promise<TransactionLock | undefined>;

    /** See the contract. Resolves the leader after the election (undefined: nobody eligible). */
    electLeader(groupId: GroupId, now: number): Promise<Leader | undefined>;

    /**
     * A connection's logout: `unregister`, and when that removed its
     * presence, `electLeader` at `now`, in one atomic step. Resolves
     * whether the presence was this connection's.
     */
    leave(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId, now: number): Promise<boolean>;

    /**
     * The connection sent its backlog and ReflectionQueueDry: marks its
     * presence eligible (as `updatePresence` with `eligible: true`; nothing
     * when the device's presence is another connection's) and then elects
     * (as `electLeader`), in one atomic step.
     */
    becomeEligible(
        groupId: GroupId,
        deviceId: DeviceId,
        connectionId: ConnectionId,
        now: number,
    ): Promise<Leader | undefined>;

    getLeader(groupId: GroupId): Promise<Leader | undefined>;

    /** Publishes an event to every node serving the group. */
    publish(groupId: GroupId, event: GroupEvent): Promise<void>;

    /** Subscribes to the group's events; resolves once active, with an unsubscribe function. */
    subscribe(groupId: GroupId, handler: GroupEventHandler): Promise<() => Promise<void>>;

    close(): Promise<void>;
}
