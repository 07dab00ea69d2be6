/**
 * The redis+postgres storage backend: PostgreSQL (device groups, slots,
 * shared data, overrides, tombstones) as the source of truth, Redis for the
 * reflection queues, lock, leader, presence and the cross-node bus.
 * Built only by the composition root.
 *
 * Connections: one PostgreSQL pool, one Redis command connection shared by
 * the queue and the coordinator, and one Redis connection dedicated to
 * subscriptions. `close()` closes all of them.
 */
import { StorageError } from '../errors.js';
import type { HealthCheck, StorageBackend } from './backend.js';
import { closeDatabase, createDatabase, type Database } from './postgres/db.js';
import { migrate as applyMigrations, pendingMigrations } from './postgres/migrate.js';
import { PgDeviceGroupStore } from './postgres/pg-device-group-store.js';
import { RedisKeys } from './redis/keys.js';
import { bufferCommander, closeRedis, connectRedis, type RedisClient } from './redis/redis-client.js';
import { RedisGroupCoordinator } from './redis/redis-group-coordinator.js';
import { RedisReflectionQueue } from './redis/redis-reflection-queue.js';
import { LuaScripts } from './redis/scripts.js';

export interface RedisPostgresBackendOptions {
    readonly redisUrl: string;
    readonly databaseUrl: string;
    /** Prefix of every Redis key and channel; default `d2m:`. */
    readonly keyPrefix?: string;
    /** PostgreSQL schema of the tables; default: the server's search_path. */
    readonly schema?: string;
    /** Apply pending migrations at start; otherwise start fails when any are pending. */
    readonly migrate?: boolean;
    /** PostgreSQL pool size; default 10. */
    readonly maxDatabaseConnections?: number;
    /** Connection-level errors (both clients reconnect by themselves); for logging. */
    readonly onConnectionError?: (error: unknown, source: 'redis' | 'redis-subscriber' | 'postgres') => void;
}

export interface RedisPostgresBackend extends StorageBackend {
    readonly groups: PgDeviceGroupStore;
    readonly queue: RedisReflectionQueue;
    readonly coordinator: RedisGroupCoordinator;
}

/** Times one probe against a deadline; a probe still running from an earlier call is joined, not repeated. */
function healthProbe(name: string, probe: () => Promise<unknown>): (timeoutMs: number) => Promise<HealthCheck> {
    let running: Promise<unknown> | undefined;
    return async (timeoutMs) => {
        const started = performance.now();
        running ??= probe().finally(() => (running = undefined));
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
            await Promise.race([running, deadline]);
            return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            return {
                name,
                ok: false,
                latencyMs: Math.round(performance.now() - started),
                error: message.slice(0, 200),
            };
        } finally {
            clearTimeout(timer);
        }
    };
}

export async function createRedisPostgresBackend(options: RedisPostgresBackendOptions): Promise<RedisPostgresBackend> {
    const report = options.onConnectionError;
    const keys = new RedisKeys(options.keyPrefix);
    let db: Database | undefined;
    let client: RedisClient | undefined;
    let subscriber: RedisClient | undefined;
    try {
        db = createDatabase(options.databaseUrl, {
            schema: options.schema,
            maxConnections: options.maxDatabaseConnections,
            onError: (error) => report?.(error, 'postgres'),
        });
        if (options.migrate === true) {
            await applyMigrations(db);
        } else {
            const pending = await pendingMigrations(db);
            if (pending.length > 0) {
                throw new StorageError(
                    `database migrations pending (${pending.join(', ')}): run \`mediator migrate\``,
                    {
                        retryable: false,
                    },
                );
            }
        }
        client = await connectRedis({
            url: options.redisUrl,
            name: 'd2m-mediator',
            onError: (e) => report?.(e, 'redis'),
        });
        subscriber = await connectRedis({
            url: options.redisUrl,
            name: 'd2m-mediator-bus',
            onError: (error) => report?.(error, 'redis-subscriber'),
        });
        const commander = bufferCommander(client);
        const scripts = await LuaScripts.load(commander);
        const groups = new PgDeviceGroupStore(db);
        const queue = new RedisReflectionQueue({ client: commander, scripts, keys });
        const coordinator = new RedisGroupCoordinator({ client: commander, subscriber, scripts, keys });
        const redis = client;
        const database = db;
        const checks = [
            healthProbe('redis', () => redis.sendCommand(['PING'])),
            healthProbe('postgres', () => database.one('SELECT 1 AS ok')),
        ];
        let closing: Promise<void> | undefined;
        return {
            kind: 'redis+postgres',
            durable: true,
            groups,
            queue,
            coordinator,
            async health(timeoutMs) {
                const results = await Promise.all(checks.map((check) => check(timeoutMs)));
                return { ok: results.every((result) => result.ok), checks: results };
            },
            close(): Promise<void> {
                closing ??= (async () => {
                    await Promise.allSettled([queue.close(), coordinator.close(), groups.close()]);
                    await closeRedis(redis);
                })();
                return closing;
            },
        };
    } catch (error) {
        await Promise.allSettled([
            db === undefined ? undefined : closeDatabase(db),
            client === undefined ? undefined : closeRedis(client),
            subscriber === undefined ? undefined : closeRedis(subscriber),
        ]);
        throw error;
    }
}
