/**
 * Starts real mediator servers for end-to-end tests: on port 0, with the
 * embedded backend or Redis + PostgreSQL (throwaway services from
 * services.ts), a capturing logger, and configuration overrides.
 */
import { buildConfig, type MediatorConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { createCapturingLogger, type LogRecord } from '../../src/log/logger.js';
import { startMediatorServer, type MediatorServer } from '../../src/mediator-server.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import type { SlotPolicy } from '../../src/storage/types.js';
import type { ProxyMetrics } from '../../src/upstream/metrics.js';

export type BackendKind = 'embedded' | 'redis+postgres' | 'redis-cluster+postgres';

/** The backends most integration tests run on. */
export const BACKEND_KINDS: readonly BackendKind[] = ['embedded', 'redis+postgres'];

/**
 * Also the redis+postgres backend on a three-master Redis Cluster; for the
 * storage contracts and the end-to-end suite (the slow multi-process tests
 * stay on BACKEND_KINDS).
 */
export const ALL_BACKEND_KINDS: readonly BackendKind[] = [...BACKEND_KINDS, 'redis-cluster+postgres'];

export type ConfigOverrides = Partial<Omit<MediatorConfig, 'policy'>> & { readonly policy?: Partial<SlotPolicy> };

export interface TestMediator {
    readonly url: string;
    readonly server: MediatorServer;
    readonly backend: StorageBackend;
    readonly logs: LogRecord[];
    /** Stops the server; closes the backend unless it was shared in. */
    stop(): Promise<void>;
}

export async function createTestBackend(kind: BackendKind): Promise<StorageBackend> {
    if (kind === 'embedded') return createMemoryBackend();
    const { createTestRedisPostgresBackend } = await import('./services.js');
    return createTestRedisPostgresBackend({ redisCluster: kind === 'redis-cluster+postgres' });
}

export async function startTestMediator(
    options: {
        readonly kind?: BackendKind;
        readonly backend?: StorageBackend;
        readonly config?: ConfigOverrides;
        readonly proxyMetrics?: ProxyMetrics;
    } = {},
): Promise<TestMediator> {
    const backend = options.backend ?? (await createTestBackend(options.kind ?? 'embedded'));
    const logger = createCapturingLogger('debug');
    const config = buildConfig({ host: '127.0.0.1', port: 0, ...options.config });
    const server = await startMediatorServer({
        config,
        backend,
        crypto: sodiumCryptoBackend,
        logger,
        proxyMetrics: options.proxyMetrics,
    });
    return {
        url: `ws://127.0.0.1:${server.port}/`,
        server,
        backend,
        logs: logger.records,
        stop: async () => {
            await server.stop();
            if (options.backend === undefined) await backend.close();
        },
    };
}
