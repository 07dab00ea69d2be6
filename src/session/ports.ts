/**
 * What a session needs from its node (`SessionPorts`, built once by the
 * composition root, src/mediator-server.ts), the callbacks of one session
 * (`SessionHooks`), and the snapshot it reports (`SessionStats`).
 */
import type { CryptoBackend, DeviceId } from '../../d2m/index.js';
import type { StartTimer } from '../clock.js';
import type { MediatorConfig } from '../config/config.js';
import type { InboundLimit } from '../limits/index.js';
import type { Logger } from '../log/logger.js';
import type { DeviceConnection, DeviceIdentity, DeviceLink } from '../mediator/device-connection.js';
import type { LocalGroups } from '../mediator/local-groups.js';
import type { LoginRequest, LoginResult } from '../mediator/login.js';
import type { ChatServerOpener } from '../mediator/proxy-relay.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';
import type { ConnectionId, GroupId } from '../storage/types.js';
import type { AckSink } from './ack-batcher.js';

/** The states of a session's connection (session.ts models each with what it carries). */
export type SessionStateKind = 'awaiting-hello' | 'authenticating' | 'active' | 'closed';

export interface SessionStats {
    readonly connectionId: ConnectionId;
    readonly groupId: GroupId;
    readonly state: SessionStateKind;
    readonly deviceId: DeviceId | undefined;
    /** Bytes waiting in the socket for the device to read them. */
    readonly bufferedAmount: number;
    /** Reflections sent on this connection and not acknowledged yet. */
    readonly unackedReflections: number;
    /** Inbound bytes received and not processed yet. */
    readonly inboxBytes: number;
    /** Stored Reflects whose appends were started and not completed (reflect-pipeline.ts). */
    readonly reflectsInFlight: number;
}

/** What every session of a node uses; built once by the composition root (src/mediator-server.ts). */
export interface SessionPorts {
    readonly crypto: CryptoBackend;
    readonly config: Pick<
        MediatorConfig,
        | 'handshakeTimeoutMs'
        | 'proxyPreAuthBufferBytes'
        | 'deliveryHighWaterBytes'
        | 'deliveryBatchItems'
        | 'presenceRenewIntervalMs'
    >;
    readonly metrics: Pick<
        MediatorMetricsHooks,
        'handshake' | 'closeSent' | 'delivered' | 'reflectedAcked' | 'ephemeralDropped' | 'inboundLimitExceeded'
    >;
    readonly logger: Logger;
    /** Reads the device's queued reflections. */
    readonly queue: Pick<ReflectionQueue, 'read'>;
    /** Applies the node's ReflectedAcks in batches (one AckBatcher per node). */
    readonly acks: AckSink;
    /** Routes the group's events to this node's sessions. */
    readonly localGroups: Pick<LocalGroups, 'attach' | 'detach'>;
    /** Logs a verified device in (mediator/login.ts). */
    login(request: LoginRequest): Promise<LoginResult>;
    /** Ends the connection's hold on its slot, electing again if it was current. */
    logout(groupId: GroupId, deviceId: DeviceId, connectionId: ConnectionId): Promise<unknown>;
    /** Builds the device connection of a logged-in device. */
    openDevice(identity: DeviceIdentity, link: DeviceLink): DeviceConnection;
    /** Relays Proxy frames to the chat server; without it, a device that sends Proxy frames is closed with 4001. */
    readonly chatServer?: ChatServerOpener | undefined;
    /** Unix ms. */
    now(): number;
    /** Starts a timer; resolves a function that cancels it. Default: `setTimeout`. */
    readonly startTimer?: StartTimer;
    /**
     * Stored Reflects of one connection whose appends may be in flight at
     * once (reflect-pipeline.ts); more than 1 only with a queue whose
     * `appendsInCallOrder` holds. Default 1: one at a time.
     */
    readonly reflectsInFlight?: number;
}

/** Callbacks of one session. */
export interface SessionHooks {
    /** Called once the session is closed and cleaned up. */
    readonly onFinished?: () => void;
    /** Called once the device's ClientHello verified (the connection stops counting as unauthenticated). */
    readonly onAuthenticated?: () => void;
    /**
     * The connection's inbound rate limit (src/limits/): takes each frame's
     * size, and names the limit it exceeds (the connection closes with 4010).
     */
    readonly admitInbound?: (byteLength: number) => InboundLimit | undefined;
    /**
     * Whether the logged-in connection's presence may have expired elsewhere
     * (its renewal deadline passed, group-maintenance.ts `lapsed`): then the
     * session handles no further frame and writes nothing, it closes with 1013.
     */
    readonly presenceLapsed?: () => boolean;
}
