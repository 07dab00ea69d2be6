/**
 * Wires a running mediator node: the WebSocket edge, one session per
 * connection, the local group router and the slot sweeper, over a storage
 * backend built by the caller. `drain` takes the node out of service: it
 * stops accepting, closes every device with 1001 spread over the drain
 * window (which releases their locks and leader roles) and waits for every
 * session's cleanup; `stop` does the same at once.
 *
 * This is the composition root of a node: the only place that holds all of
 * its services (`NodeServices`) and hands each component the ports it
 * declares. Limits against abuse (src/limits/) are wired here: upgrades are
 * admitted or refused (429/503 with Retry-After) by the connection counts,
 * and each session gets its connection's inbound rate limiter (over the
 * limit: close 4010).
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, type CryptoBackend, type ParsedClientUrlInfo } from '../d2m/index.js';
import type { MediatorConfig } from './config/config.js';
import { ConnectionLimits, InboundLimiter, refusalStatus, type RefusalReason } from './limits/index.js';
import type { Logger } from './log/logger.js';
import { LocalGroups } from './mediator/local-groups.js';
import { NOOP_MEDIATOR_METRICS, type MediatorMetricsHooks } from './metrics/hooks.js';
import { GroupMaintenance } from './mediator/group-maintenance.js';
import { SlotSweeper } from './mediator/sweeper.js';
import { DeviceConnection } from './mediator/device-connection.js';
import { login, logout } from './mediator/login.js';
import { NodeClaim } from './mediator/node-claim.js';
import { AckBatcher } from './session/ack-batcher.js';
import type { SessionPorts, SessionStats } from './session/ports.js';
import { MAX_REFLECTS_IN_FLIGHT } from './session/reflect-pipeline.js';
import { Session } from './session/session.js';
import { SessionDrain } from './session/drain.js';
import type { ConnectionTransport } from './transport/connection-transport.js';
import type { StorageBackend } from './storage/backend.js';
import { connectionIdOf, groupIdFromBytes, newIncarnation, shortGroupId, type NodeId } from './storage/types.js';
import { startWebSocketServer, type ConnectionHandler, type UpgradeRefusal } from './transport/uws-server.js';
import { ChatServerProxy } from './upstream/chat-server-proxy.js';
import type { ProxyMetrics } from './upstream/metrics.js';

export interface MediatorServerOptions {
    readonly config: MediatorConfig;
    readonly backend: StorageBackend;
    readonly crypto: CryptoBackend;
    readonly logger: Logger;
    /** Unix ms; tests may move time. */
    readonly now?: () => number;
    /** Counters of the chat-server proxy (no-op by default). */
    readonly proxyMetrics?: ProxyMetrics;
    /** Counters of the mediator core (no-op by default; src/metrics/ has the prom-client one). */
    readonly metrics?: MediatorMetricsHooks;
    /** One of several worker processes of a node: share the WebSocket port with the others (SO_REUSEPORT). */
    readonly sharePort?: boolean;
    /**
     * Called once another live process took this node's id over and this
     * node has closed its devices (1013) and stopped serving
     * (mediator/node-claim.ts); `mediator serve` exits non-zero.
     */
    readonly onNodeIdLost?: (holder: string) => void;
}

/**
 * Everything a node's components are built from. Only this composition
 * root sees it whole: each component declares the few parts it uses (its
 * ports) and is handed this object, or a view of it, here.
 */
export interface NodeServices {
    readonly backend: StorageBackend;
    readonly config: MediatorConfig;
    readonly crypto: CryptoBackend;
    readonly nodeId: NodeId;
    readonly logger: Logger;
    /** Counters and timings for the operator's metrics (NOOP_MEDIATOR_METRICS when not exported). */
    readonly metrics: MediatorMetricsHooks;
    /** Unix ms. */
    readonly now: () => number;
}

export interface MediatorServer {
    readonly port: number;
    readonly nodeId: string;
    /** Random per process run; part of every connection id (see `connectionIdOf`). */
    readonly incarnation: string;
    /** The node's services (the admin API is built from them). */
    readonly context: NodeServices;
    readonly sweeper: SlotSweeper;
    readonly maintenance: GroupMaintenance;
    /** Sessions open on this node. */
    readonly sessionCount: number;
    /** A snapshot of every open session. */
    sessionStats(): SessionStats[];
    /** Whether the WebSocket endpoint serves `wss://` (TLS configured). */
    readonly tls: boolean;
    /** True from the start of a drain or stop on: the node is not ready for new devices. */
    readonly draining: boolean;
    /**
     * Graceful drain: stops accepting, closes the devices with 1001 spread
     * evenly over `windowMs` (default `config.drainWindowMs`; their cleanup
     * releases their locks and leader roles, so devices on other nodes take
     * over), then waits for every session's cleanup and stops the background
     * tasks. Storage stays open (the caller closes it). Idempotent.
     */
    drain(windowMs?: number): Promise<void>;
    /** Stops accepting, closes every device at once with `code` (1001 by default) and waits for their cleanup. */
    stop(code?: CloseCode): Promise<void>;
}

export async function startMediatorServer(options: MediatorServerOptions): Promise<MediatorServer> {
    const { config, backend, crypto, logger } = options;
    const nodeId = config.nodeId ?? `n${randomBytes(4).toString('hex')}`;
    // Unique per process run: connection ids stay unique across restarts under the same node id.
    const incarnation = newIncarnation();
    const ctx: NodeServices = {
        backend,
        config,
        crypto,
        nodeId,
        logger: logger.child({ node: nodeId }),
        metrics: options.metrics ?? NOOP_MEDIATOR_METRICS,
        now: options.now ?? Date.now,
    };
    const localGroups = new LocalGroups(backend.coordinator, ctx.logger.child({ component: 'groups' }), () =>
        ctx.now(),
    );
    const chatServer = ChatServerProxy.fromConfig(config, options.proxyMetrics);
    const sessionPorts: SessionPorts = {
        crypto,
        config,
        metrics: ctx.metrics,
        logger: ctx.logger,
        queue: backend.queue,
        acks: new AckBatcher(backend.queue),
        localGroups,
        login: (request) => login(ctx, request),
        logout: (groupId, deviceId, connectionId) => logout(ctx, groupId, deviceId, connectionId),
        openDevice: (identity, link) => new DeviceConnection(ctx, identity, link),
        chatServer,
        now: () => ctx.now(),
        // Pipelined appends only where the queue applies them in call order (not on a Redis Cluster).
        reflectsInFlight: backend.queue.appendsInCallOrder ? MAX_REFLECTS_IN_FLIGHT : 1,
    };
    const sessions = new Set<Session>();
    const finished = new Set<Promise<void>>();
    let counter = 0;
    const limits = new ConnectionLimits(config);
    const inboundLimits = {
        framesPerS: config.inboundFramesPerSecond,
        frameBurst: config.inboundFrameBurst,
        bytesPerS: config.inboundBytesPerSecond,
        byteBurst: config.inboundByteBurst,
    };
    let shutdown: Shutdown | undefined;
    const transportLogger = ctx.logger.child({ component: 'transport' });
    ctx.metrics.observeNode({
        sessions: () => [...sessions].map((session) => session.stats()),
        queueStats: (groupId, deviceId) => backend.queue.stats(groupId, deviceId),
        now: () => ctx.now(),
    });

    const admit = (remoteAddress: string, urlInfo: ParsedClientUrlInfo | undefined): UpgradeRefusal | undefined => {
        const groupId = urlInfo === undefined ? undefined : groupIdFromBytes(urlInfo.deviceGroupId);
        const reason: RefusalReason | undefined =
            shutdown !== undefined ? 'draining' : limits.check(remoteAddress, groupId);
        if (reason === undefined) return undefined;
        ctx.metrics.upgradeRefused(reason);
        transportLogger.debug('upgrade refused', {
            reason,
            group: groupId === undefined ? undefined : shortGroupId(groupId),
        });
        return { status: refusalStatus(reason), retryAfterS: config.retryAfterS };
    };

    // Made before the server listens: sessions ask it whether their presence lapsed.
    const maintenance = new GroupMaintenance(ctx, localGroups);

    const onConnection = (transport: ConnectionTransport, urlInfo: ParsedClientUrlInfo): ConnectionHandler => {
        counter++;
        const groupId = groupIdFromBytes(urlInfo.deviceGroupId);
        const connectionId = connectionIdOf(nodeId, incarnation, counter);
        const ticket = limits.admit(transport.remoteAddress, groupId);
        const limiter = InboundLimiter.enabled(inboundLimits)
            ? new InboundLimiter(inboundLimits, performance.now())
            : undefined;
        const session = new Session(
            sessionPorts,
            {
                onFinished: () => sessions.delete(session),
                onAuthenticated: () => ticket.authenticated(),
                admitInbound:
                    limiter === undefined ? undefined : (byteLength) => limiter.admit(byteLength, performance.now()),
                presenceLapsed: () => maintenance.lapsed(groupId, connectionId),
            },
            transport,
            urlInfo,
            connectionId,
        );
        sessions.add(session);
        session.start();
        return {
            onFrame: (frame) => session.onFrame(frame),
            onDrain: () => session.onDrain(),
            onTransportClose: (code, reason) => session.close(code, reason),
            mayWrite: () => session.mayWrite(),
            onClosed: () => {
                ticket.release();
                const done = session.onClosed();
                finished.add(done);
                void done.finally(() => finished.delete(done));
            },
        };
    };

    // One live process per node id: wait out a predecessor's claim, or fail (NodeIdInUseError).
    const nodeClaim = new NodeClaim(ctx, incarnation);
    await nodeClaim.acquire();
    const server = await startWebSocketServer({
        host: config.host,
        port: config.port,
        idleTimeoutS: config.idleTimeoutS,
        sendBufferMaxBytes: config.sendBufferMaxBytes,
        admit,
        tls:
            config.tlsCert !== undefined && config.tlsKey !== undefined
                ? { certFile: config.tlsCert, keyFile: config.tlsKey }
                : undefined,
        logger: transportLogger,
        onConnection,
        sharePort: options.sharePort === true,
    }).catch(async (error: unknown) => {
        await nodeClaim.release();
        throw error;
    });
    const sweeper = new SlotSweeper(ctx);
    sweeper.start();
    maintenance.start();
    nodeClaim.start((holder) => {
        // Another process serves under this id now: stop serving at once, devices retry elsewhere.
        shutdown ??= drainSessions(0, CloseCode.TRY_AGAIN_LATER);
        shutdown.closeRest(CloseCode.TRY_AGAIN_LATER);
        void shutdown.done.then(() => options.onNodeIdLost?.(holder));
    });
    ctx.logger.info('mediator listening', {
        incarnation,
        host: config.host,
        port: server.port,
        tls: server.tls,
        backend: backend.kind,
        chatServers: chatServer.source ?? 'none (Proxy frames close with 4001)',
    });

    return {
        port: server.port,
        nodeId,
        incarnation,
        context: ctx,
        sweeper,
        maintenance,
        get sessionCount() {
            return sessions.size;
        },
        sessionStats: () => [...sessions].map((session) => session.stats()),
        tls: server.tls,
        get draining() {
            return shutdown !== undefined;
        },
        drain: (windowMs = config.drainWindowMs) => {
            shutdown ??= drainSessions(windowMs);
            return shutdown.done;
        },
        stop: async (code = CloseCode.GOING_AWAY) => {
            shutdown ??= drainSessions(0, code);
            shutdown.closeRest(code);
            await shutdown.done;
        },
    };

    /** Stops accepting and closes the open sessions spread over `windowMs` (session/drain.ts). */
    function drainSessions(windowMs: number, code: CloseCode = CloseCode.GOING_AWAY): Shutdown {
        server.stopListening();
        const started = Date.now();
        const count = sessions.size;
        ctx.logger.info('draining', { sessions: count, windowMs });
        const drain = new SessionDrain([...sessions], {
            windowMs,
            code,
            reason: 'mediator shutting down',
            logger: ctx.logger,
            leaderConnections: async (groupIds) => {
                const leaders = await Promise.all(groupIds.map((groupId) => backend.coordinator.getLeader(groupId)));
                return new Set(leaders.flatMap((leader) => (leader === undefined ? [] : [leader.connectionId])));
            },
        });
        const done = (async () => {
            await drain.done;
            // Connections accepted while the listen socket was closing, and cleanups of earlier closes.
            server.closeAll(code, 'mediator shutting down');
            server.stopIdleCheck();
            await Promise.allSettled([...finished]);
            await Promise.all([sweeper.stop(), maintenance.stop()]);
            // A restart under the same id need not wait for the claim to run out.
            await nodeClaim.release();
            ctx.logger.info('drained', { sessions: count, ms: Date.now() - started });
        })();
        return { done, closeRest: (closeCode) => drain.closeRest(closeCode) };
    }
}

interface Shutdown {
    readonly done: Promise<void>;
    closeRest(code: CloseCode): void;
}
