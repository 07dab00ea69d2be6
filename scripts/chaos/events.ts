/**
 * The event log every chaos device writes, and what the checker reads.
 *
 * One log per device, in the order the device observed things. Times are
 * milliseconds on one clock (`performance.timeOrigin + performance.now()`,
 * all devices live in one process). `conn` numbers the device's connection
 * attempts from 1; every event of a connection carries it.
 *
 * `send` numbers every frame a connection sends that matters to the checker
 * (Reflect, ReflectedAck, BeginTransaction, CommitTransaction) in the order
 * they were handed to the socket. The mediator handles a connection's frames
 * strictly in order and finishes one (a ReflectedAck included: the item is
 * removed from storage) before it starts the next, so an answer to a request
 * with send number k proves that every ReflectedAck with a smaller send
 * number of that connection has been applied: that ack is *confirmed*.
 */

export type DeviceEvent =
    /** A connection attempt to a node starts. */
    | { readonly k: 'attempt'; readonly t: number; readonly conn: number; readonly node: string }
    /** ServerInfo arrived: the connection is up. */
    | { readonly k: 'open'; readonly t: number; readonly conn: number; readonly newSlot: boolean }
    /** The attempt failed before ServerInfo (code 0: no close code, e.g. connection refused). */
    | { readonly k: 'fail'; readonly t: number; readonly conn: number; readonly code: number; readonly reason: string }
    /** This device decided to close the connection (end of the run). */
    | { readonly k: 'local-close'; readonly t: number; readonly conn: number }
    /** The connection ended, as the device observed it. */
    | {
          readonly k: 'close';
          readonly t: number;
          readonly conn: number;
          readonly code: number;
          readonly initiator: 'local' | 'remote';
          readonly reason: string;
      }
    | ReflectEvent
    | ReflectedRecord
    | { readonly k: 'dry'; readonly t: number; readonly conn: number }
    | { readonly k: 'leader'; readonly t: number; readonly conn: number }
    | { readonly k: 'begin'; readonly t: number; readonly conn: number; readonly send: number }
    | { readonly k: 'begin-ack'; readonly t: number; readonly conn: number; readonly send: number }
    | {
          readonly k: 'begin-rejected';
          readonly t: number;
          readonly conn: number;
          readonly send: number;
          readonly holder: string;
      }
    | { readonly k: 'commit'; readonly t: number; readonly conn: number; readonly send: number }
    | { readonly k: 'commit-ack'; readonly t: number; readonly conn: number; readonly send: number }
    | { readonly k: 'tx-ended'; readonly t: number; readonly conn: number; readonly holder: string };

/** A Reflect this device sent, with its own sequence number; `ackT` set once the ReflectAck arrived. */
export interface ReflectEvent {
    readonly k: 'reflect';
    readonly t: number;
    readonly conn: number;
    readonly send: number;
    readonly seq: number;
    /** Sent while this device held the transaction lock. */
    readonly inTransaction: boolean;
    /** When the ReflectAck arrived (undefined: none arrived, the reflection is in doubt). */
    ackT: number | undefined;
}

/**
 * A Reflected this device received: the sender's device id and sequence
 * number (from the decrypted envelope) and the reflected id. `ackSend` and
 * `ackT` are set when the device sent the ReflectedAck.
 */
export interface ReflectedRecord {
    readonly k: 'reflected';
    readonly t: number;
    readonly conn: number;
    readonly sender: string;
    readonly seq: number;
    readonly id: number;
    ackSend: number | undefined;
    ackT: number | undefined;
}

/** One device's identity and log. */
export interface DeviceLog {
    readonly group: number;
    readonly deviceId: string;
    readonly events: readonly DeviceEvent[];
    /** Set when the device gave up reconnecting (a 41xx close the run did not cause). */
    readonly stoppedBy: number | undefined;
}

/** What the harness did to the services, for the report and the checker. */
export interface ChaosAction {
    readonly t: number;
    readonly kind:
        | 'mediator-kill'
        | 'mediator-start'
        /** SIGSTOP of a node, and its SIGCONT. */
        | 'mediator-pause'
        | 'mediator-resume'
        /** A node cut off from Redis or PostgreSQL (connections open, nothing passes), and healed. */
        | 'redis-partition'
        | 'redis-heal'
        | 'postgres-partition'
        | 'postgres-heal'
        | 'redis-kill'
        | 'redis-start'
        | 'postgres-crash'
        | 'postgres-start'
        | 'chaos-end'
        | 'drain-end';
    readonly target: string;
    /** For a mediator kill: how many lock holders / leaders were connected to it. */
    readonly lockHolders?: number;
    readonly leaders?: number;
    /** For a mediator kill: why (a plain kill, right after an in-transaction ReflectAck, a restart under the same id). */
    readonly reason?: 'kill' | 'after-transaction-ack' | 'same-id-restart';
}
