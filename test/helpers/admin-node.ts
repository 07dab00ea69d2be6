/**
 * A mediator node with its admin API, wired the way `mediator serve` wires
 * them: metrics instrument the backend and feed /metrics, readiness asks
 * the backend and the drain flag. Both listen on port 0.
 */
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { buildConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { startMediatorServer, type MediatorServer } from '../../src/mediator-server.js';
import { MediatorMetrics, type MediatorMetricsOptions } from '../../src/metrics/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import type { ConfigOverrides } from './mediator.js';

export interface AdminNodeOptions {
    readonly config?: ConfigOverrides;
    /** Bearer token of the admin API; none by default. */
    readonly token?: string;
    readonly logger?: Logger;
    readonly metrics?: MediatorMetricsOptions;
    readonly isDraining?: () => boolean;
    readonly readinessTimeoutMs?: number;
}

export interface AdminNode {
    readonly server: MediatorServer;
    readonly admin: AdminServer;
    /** The devices' WebSocket URL. */
    readonly url: string;
    /** The admin API's base URL. */
    readonly adminUrl: string;
    stop(): Promise<void>;
}

export async function startAdminNode(backend: StorageBackend, options: AdminNodeOptions = {}): Promise<AdminNode> {
    const metrics = new MediatorMetrics(options.metrics ?? { processMetrics: false });
    const server = await startMediatorServer({
        config: buildConfig({ host: '127.0.0.1', port: 0, ...options.config }),
        backend: metrics.instrument(backend),
        crypto: sodiumCryptoBackend,
        logger: options.logger ?? silentLogger,
        metrics,
        proxyMetrics: metrics.proxy,
    });
    const admin = await startAdminServer({
        host: '127.0.0.1',
        port: 0,
        token: options.token,
        ctx: server.context,
        readiness: { isDraining: options.isDraining ?? (() => false) },
        readinessTimeoutMs: options.readinessTimeoutMs,
        registry: metrics.registry,
    });
    return {
        server,
        admin,
        url: `ws://127.0.0.1:${server.port}/`,
        adminUrl: `http://127.0.0.1:${admin.port}`,
        stop: async () => {
            await admin.close();
            await server.stop();
        },
    };
}
