/**
 * Benchmark-only entry of the mediator process: starts one mediator node
 * (`startMediatorServer`, the same wiring `mediator serve` uses) on the
 * embedded backend or on Redis + PostgreSQL, on a free loopback port, and
 * answers the benchmark harness over the IPC channel of `child_process.fork`:
 *
 *   harness -> child  { type: 'sample', id, gc }   child -> harness  { type: 'sample', id, sample }
 *   harness -> child  { type: 'stop' }             the child stops the node and exits
 *
 * A sample is this process's own accounting (`process.cpuUsage()`,
 * `process.memoryUsage()`) plus the number of open sessions; with `gc` the
 * child first runs two full garbage collections (it is started with
 * `--expose-gc`), so heap figures count live objects only. The child exits
 * by itself when the harness goes away (the IPC channel closes).
 *
 * Usage (by the harness only): node --expose-gc mediator-child.js '<json ChildSpec>'
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { buildConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { startMediatorServer } from '../../src/mediator-server.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import type { ChildReply, ChildRequest, ChildSpec, MediatorSample } from './mediator-protocol.js';

function reply(message: ChildReply): void {
    process.send?.(message);
}

function sample(gc: boolean): MediatorSample {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (gc && collect !== undefined) {
        collect();
        collect();
    }
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    return {
        cpuUserS: cpu.user / 1e6,
        cpuSystemS: cpu.system / 1e6,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        externalBytes: memory.external,
        arrayBuffersBytes: memory.arrayBuffers,
        newSpaceCommittedBytes:
            getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0,
        sessions: server?.sessionCount ?? 0,
        gcAvailable: collect !== undefined,
    };
}

async function openBackend(spec: ChildSpec): Promise<StorageBackend> {
    if (spec.backend === 'embedded') return createMemoryBackend();
    const { createRedisPostgresBackend } = await import('../../src/storage/redis-postgres-backend.js');
    return createRedisPostgresBackend({ redisUrl: spec.redisUrl, databaseUrl: spec.databaseUrl, migrate: true });
}

let server: Awaited<ReturnType<typeof startMediatorServer>> | undefined;
let backend: StorageBackend | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
    if (!stopping) {
        stopping = true;
        const guard = setTimeout(() => process.exit(code), 10_000);
        guard.unref();
        try {
            await server?.stop();
            await backend?.close();
        } catch {
            // Exiting anyway.
        }
    }
    process.exit(code);
}

async function main(): Promise<void> {
    const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
    if (process.send === undefined) throw new Error('mediator-child runs under the benchmark harness only');
    process.on('disconnect', () => void stop(0));
    process.on('message', (message: ChildRequest) => {
        switch (message.type) {
            case 'sample':
                reply({ type: 'sample', id: message.id, sample: sample(message.gc) });
                return;
            case 'stop':
                void stop(0);
                return;
        }
    });
    backend = await openBackend(spec);
    server = await startMediatorServer({
        config: buildConfig({ host: '127.0.0.1', port: 0, logLevel: 'silent' }),
        backend,
        crypto: sodiumCryptoBackend,
        logger: silentLogger,
    });
    reply({ type: 'ready', port: server.port, backend: backend.kind, pid: process.pid });
}

main().catch((error: unknown) => {
    reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
});
