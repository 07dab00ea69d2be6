/**
 * Wires a running mediator node: the WebSocket edge, one session per
 * connection, the local group router and the slot sweeper, over a storage
 * backend built by the caller. `stop` drains the node: it stops accepting,
 * closes every device with 1001 (which releases their locks and leader
 * roles) and waits for every session's cleanup.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, type CryptoBackend, type ParsedClientUrlInfo } from '../d2m/index.js';
import type { MediatorConfig } from './config/config.js';
import type { Logger } from './log/logger.js';
import type { MediatorContext } from './mediator/context.js';
import { LocalGroups } from './mediator/local-groups.js';
import { GroupMaintenance } from './mediator/group-maintenance.js';
import { SlotSweeper } from './mediator/sweeper.js';
import { Session, type SessionStats } from './session/session.js';
import type { ConnectionTransport } from './session/transport.js';
import type { StorageBackend } from './storage/backend.js';
import { startWebSocketServer, type ConnectionHandler } from './transport/uws-server.js';
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
}

export interface MediatorServer {
    readonly port: number;
    readonly nodeId: string;
    readonly context: MediatorContext;
    readonly sweeper: SlotSweeper;
    readonly maintenance: GroupMaintenance;
    /** Sessions open on this node. */
    readonly sessionCount: number;
    /** A snapshot of every open session. */
    sessionStats(): SessionStats[];
    /** Stops accepting, closes every device with `code` (1001 by default) and waits for their cleanup. */
    stop(code?: CloseCode): Promise<void>;
}

export async function startMediatorServer(options: MediatorServerOptions): Promise<MediatorServer> {
    const { config, backend, crypto, logger } = options;
    const nodeId = config.nodeId ?? `n${randomBytes(4).toString('hex')}`;
    const ctx: MediatorContext = {
        backend,
        config,
        crypto,
        nodeId,
        logger: logger.child({ node: nodeId }),
        now: options.now ?? Date.now,
    };
    const localGroups = new LocalGroups(backend.coordinator, ctx.logger.child({ component: 'groups' }));
    const chatServer = ChatServerProxy.fromConfig(config, options.proxyMetrics);
    const sessions = new Set<Session>();
    const finished = new Set<Promise<void>>();
    let counter = 0;

    const onConnection = (transport: ConnectionTransport, urlInfo: ParsedClientUrlInfo): ConnectionHandler => {
        counter++;
        const session = new Session(
            {
                ctx,
                localGroups,
                chatServer,
                onFinished: (ended) => sessions.delete(ended),
            },
            transport,
            urlInfo,
            `${nodeId}/${counter.toString(36)}`,
        );
        sessions.add(session);
        session.start();
        return {
            onFrame: (frame) => session.onFrame(frame),
            onDrain: () => session.onDrain(),
            onClosed: () => {
                const done = session.onClosed();
                finished.add(done);
                void done.finally(() => finished.delete(done));
            },
        };
    };

    const server = await startWebSocketServer({
        host: config.host,
        port: config.port,
        idleTimeoutS: config.idleTimeoutS,
        logger: ctx.logger.child({ component: 'transport' }),
        onConnection,
    });
    const sweeper = new SlotSweeper(ctx);
    sweeper.start();
    const maintenance = new GroupMaintenance(ctx, localGroups);
    maintenance.start();
    ctx.logger.info('mediator listening', {
        host: config.host,
        port: server.port,
        backend: backend.kind,
        chatServers: chatServer.source ?? 'none (Proxy frames close with 4001)',
    });

    return {
        port: server.port,
        nodeId,
        context: ctx,
        sweeper,
        maintenance,
        get sessionCount() {
            return sessions.size;
        },
        sessionStats: () => [...sessions].map((session) => session.stats()),
        stop: async (code = CloseCode.GOING_AWAY) => {
            server.stopListening();
            server.closeAll(code, 'mediator shutting down');
            await Promise.allSettled([...finished]);
            await Promise.all([sweeper.stop(), maintenance.stop()]);
        },
    };
}
