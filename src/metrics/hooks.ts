/**
 * The hooks through which the mediator core reports what it does, for an
 * operator's metrics exporter (`mediator-metrics.ts` implements them on
 * prom-client). The core calls them synchronously on its hot paths:
 * implementations must be cheap and must never throw. `NOOP_MEDIATOR_METRICS`
 * is the default, so a mediator without an exporter pays one call per event.
 */
import { D2mProtocolError } from '../../d2m/index.js';
import { AuthenticationError, SessionClosedError, StorageError } from '../errors.js';
import type { DeviceId } from '../../d2m/index.js';
import type { InboundLimit, RefusalReason } from '../limits/index.js';
import type { QueueStats } from '../storage/reflection-queue.js';
import type { GroupId } from '../storage/types.js';

/** How a handshake ended, from ServerHello to ServerInfo or to the close. */
export type HandshakeOutcome =
    /** ServerInfo was sent. */
    | 'ok'
    /** No ClientHello (or no login) within the handshake timeout (`handshakeTimeoutMs`, 4010). */
    | 'timeout'
    /** The challenge response did not verify (4010). */
    | 'auth-failed'
    /** A malformed or unexpected frame before login (4010). */
    | 'protocol-error'
    /** The login was refused: slot limit (4111), tombstone (4114) or slot state mismatch (4115). */
    | 'refused'
    /** Storage failed during login (1013 or 1011). */
    | 'storage-error'
    /** Anything else (1011). */
    | 'internal-error';

export const HANDSHAKE_OUTCOMES: readonly HandshakeOutcome[] = [
    'ok',
    'timeout',
    'auth-failed',
    'protocol-error',
    'refused',
    'storage-error',
    'internal-error',
];

/** The outcome a handshake that failed with `error` is counted under. */
export function handshakeOutcomeOf(error: unknown): HandshakeOutcome {
    if (error instanceof AuthenticationError) return 'auth-failed';
    if (error instanceof D2mProtocolError) return 'protocol-error';
    if (error instanceof SessionClosedError) return 'refused';
    if (error instanceof StorageError) return 'storage-error';
    return 'internal-error';
}

/** What the scrape-time collectors read of one open connection (a `SessionStats` fits). */
export interface ObservedSession {
    readonly connectionId: string;
    readonly groupId: GroupId;
    readonly state: string;
    readonly deviceId: DeviceId | undefined;
    /** Reflections sent on the connection and not acknowledged yet. */
    readonly unackedReflections: number;
}

/** What the scrape-time collectors need of a node: its sessions and its reflection queue. */
export interface ObservedNode {
    /** The node's open connections. */
    sessions(): readonly ObservedSession[];
    /** The slot's queue figures (the ReflectionQueue's `stats`). */
    queueStats(groupId: GroupId, deviceId: DeviceId): Promise<QueueStats>;
    /** Unix ms. */
    now(): number;
}

export interface MediatorMetricsHooks {
    /** A handshake ended (see {@link HandshakeOutcome}). */
    handshake(outcome: HandshakeOutcome): void;
    /** The mediator closed a device connection with `code`. */
    closeSent(code: number): void;
    /** A Reflect was received from a device. */
    reflectReceived(ephemeral: boolean): void;
    /** A ReflectAck was sent, `latencyMs` after its Reflect started being handled. */
    reflectAcked(latencyMs: number): void;
    /** Reflected frames sent to a device: `count` from its queue, or one ephemeral one. */
    delivered(count: number, ephemeral: boolean): void;
    /** An ephemeral reflection was not sent to a device that is behind in reading (its socket holds more than the high-water mark). */
    ephemeralDropped(): void;
    /** A device acknowledged a queued reflection (ReflectedAck for a pending id). */
    reflectedAcked(): void;
    /** BeginTransaction was answered with TransactionRejected (another device holds the lock). */
    transactionRejected(): void;
    /** A connection of this node acquired the group's transaction lock. */
    lockAcquired(groupId: string, token: string): void;
    /** The lock acquired with `token` was released by its holder's connection (commit or connection end). */
    lockReleased(groupId: string, token: string): void;
    /** A lock whose holder did not release it in time was ended by the mediator. */
    lockExpired(): void;
    /** A connection of this node was promoted to leader of its group. */
    leaderPromoted(): void;
    /** A new slot's login dropped `count` existing slots (DROP_LEAST_RECENT). */
    slotsEvicted(count: number): void;
    /** Slots dropped because their reflection queue overflowed (4114). */
    queueOverflowed(count: number): void;
    /** A WebSocket upgrade was refused (429 or 503) before the connection was accepted. */
    upgradeRefused(reason: RefusalReason): void;
    /** A connection sent more than an inbound limit allows and is being closed (4010). */
    inboundLimitExceeded(limit: InboundLimit): void;
    /**
     * The node whose connections the scrape-time collectors read (connections
     * by state, queue length, oldest unacknowledged reflection). Called once
     * by the server; a later call replaces the node.
     */
    observeNode(node: ObservedNode): void;
}

const ignore = (): void => undefined;

/** Reports nothing. */
export const NOOP_MEDIATOR_METRICS: MediatorMetricsHooks = Object.freeze({
    handshake: ignore,
    closeSent: ignore,
    reflectReceived: ignore,
    reflectAcked: ignore,
    delivered: ignore,
    ephemeralDropped: ignore,
    reflectedAcked: ignore,
    transactionRejected: ignore,
    lockAcquired: ignore,
    lockReleased: ignore,
    lockExpired: ignore,
    leaderPromoted: ignore,
    slotsEvicted: ignore,
    queueOverflowed: ignore,
    upgradeRefused: ignore,
    inboundLimitExceeded: ignore,
    observeNode: ignore,
});
