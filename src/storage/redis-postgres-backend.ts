/**
 * The redis+postgres storage backend: PostgreSQL (device groups, slots,
 * shared data, overrides, tombstones) as the source of truth, Redis for the
 * reflection queues, lock, leader, presence and the cross-node bus.
 * Built only by the composition root.
 *
 * Connections: one PostgreSQL pool, one Redis command connection shared by
 * the queue and the coordinator, and one Redis connection dedicated to
 * subscriptions. In cluster mode (`redisCluster`) each of the two Redis
 * connections is a cluster client: the command one connects to every
 * master and routes each command by its first key; the subscriber one opens
 * a connection per master only for the shards it subscribes on.
 * `close()` closes all of them.
 *
 * Every call has a time limit (`storageTimeoutMs`): Redis commands and bus
 * subscriptions through one CommandWatchdog (no timer per command),
 * PostgreSQL queries and pool connects through the driver's timeouts. A
 * store that stops answering makes calls fail with a retryable
 * `StorageError` (close or refusal with 1013) instead of hanging.
 */
import { StorageError } from '../errors.js';
import type { HealthCheck, StorageBackend } from './backend.js';
import { closeDatabase, createDatabase, type Database } from './postgres/db.js';
import { migrate as applyMigrations, pendingMigrations } from './postgres/migrate.js';
import { PgDeviceGroupStore } from './postgres/pg-device-group-store.js';
import { CommandWatchdog } from './redis/command-watchdog.js';
import { RedisKeys } from './redis/keys.js';
import { standaloneBusConnection, type BusConnection } from './redis/bus-connection.js';
import {
    toStorageError,
    bufferCommander,
    closeRedis,
    connectRedis,
    type RedisCommander,
} from './redis/redis-client.js';
import {
    closeRedisCluster,
    clusterBusConnection,
    clusterCommander,
    connectRedisCluster,
    masterCommanders,
    parseSeedUrls,
    probeCluster,
} from './redis/redis-cluster.js';
import { RedisLoginStore } from './redis/redis-login-store.js';
import { RedisGroupCoordinator } from './redis/redis-group-coordinator.js';
import { RedisNodeRegistry } from './redis/redis-node-registry.js';
import { RedisReflectionQueue } from './redis/redis-reflection-queue.js';
import { LuaScripts } from './redis/scripts.js';

export interface RedisPostgresBackendOptions {
    /** A Redis URL; with `redisCluster`, seed node URLs separated by commas. */
    readonly redisUrl: string;
    /** Redis is a Redis Cluster (Redis 7 or later: sharded pub/sub). */
    readonly redisCluster?: boolean;
    readonly databaseUrl: string;
    /** Prefix of every Redis key and channel; default `d2m:`. */
    readonly keyPrefix?: string;
    /** PostgreSQL schema of the tables; default: the server's search_path. */
    readonly schema?: string;
    /** Apply pending migrations at start; otherwise start fails when any are pending. */
    readonly migrate?: boolean;
    /** Longest any Redis or PostgreSQL call may take before it fails (retryable); default 5 s. */
    readonly storageTimeoutMs?: number;
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

/** The default of `storageTimeoutMs` (and of the `--storage-timeout-ms` setting). */
export const DEFAULT_STORAGE_TIMEOUT_MS = 5_000;

/** The bus with its subscription calls under the watchdog (a subscription Redis never confirms fails too). */
function watchedBus(bus: BusConnection, watchdog: CommandWatchdog): BusConnection {
    return {
        ...bus,
        subscribe: (channel, listener) => watchdog.track('SSUBSCRIBE', () => bus.subscribe(channel, listener)),
        unsubscribe: (channel, listener) => watchdog.track('SUNSUBSCRIBE', () => bus.unsubscribe(channel, listener)),
    };
}

type ConnectionErrorReporter = RedisPostgresBackendOptions['onConnectionError'];

/** The Redis side of the backend, for one server or a cluster. */
interface RedisConnections {
    /** Commands (bulk strings as Buffers), shared by the queue and the coordinator. */
    readonly commander: RedisCommander;
    /** Where the Lua scripts are registered at start: the server, or every master. */
    scriptTargets(): Promise<readonly RedisCommander[]>;
    /** The subscriber side; the coordinator closes it. */
    readonly bus: BusConnection;
    /** Rejects unless Redis answers (every master, and the cluster state is ok). */
    probe(): Promise<unknown>;
    /** Closes the command connection(s). */
    close(): Promise<void>;
    /**
     * Calls `listener` each time the command connection is ready again after
     * a reconnect, before any other command can be sent on it (single
     * server only: a cluster runs appends one at a time, see
     * redis-reflection-queue.ts).
     */
    onReconnected(listener: () => void): void;
}

/** Connects both sides at once; when one fails, the other is closed. */
async function connectPair<T>(connect: (bus: boolean) => Promise<T>, close: (connection: T) => Promise<void>) {
    const [commands, bus] = await Promise.allSettled([connect(false), connect(true)]);
    if (commands.status === 'fulfilled' && bus.status === 'fulfilled') return [commands.value, bus.value] as const;
    const sides = [commands, bus];
    await Promise.all(
        sides.map(async (side) => {
            if (side.status === 'fulfilled') await close(side.value);
        }),
    );
    const failed = sides.find((side): side is PromiseRejectedResult => side.status === 'rejected');
    throw toStorageError('connecting to Redis', failed?.reason);
}

async function connectStandalone(url: string, report: ConnectionErrorReporter): Promise<RedisConnections> {
    const [client, subscriber] = await connectPair(
        (bus) =>
            connectRedis({
                url,
                name: bus ? 'd2m-mediator-bus' : 'd2m-mediator',
                onError: (error) => report?.(error, bus ? 'redis-subscriber' : 'redis'),
            }),
        closeRedis,
    );
    const commander = bufferCommander(client);
    return {
        commander,
        scriptTargets: () => Promise.resolve([commander]),
        bus: standaloneBusConnection(subscriber),
        probe: () => client.sendCommand(['PING']),
        close: () => closeRedis(client),
        // node-redis emits `ready` in the step that lets commands through again.
        onReconnected: (listener) => void client.on('ready', listener),
    };
}

async function connectCluster(seeds: string, report: ConnectionErrorReporter): Promise<RedisConnections> {
    const urls = parseSeedUrls(seeds);
    const [cluster, subscriber] = await connectPair(
        (bus) =>
            connectRedisCluster({
                urls,
                name: bus ? 'd2m-mediator-bus' : 'd2m-mediator',
                // The bus connects only to the masters of the channels it subscribes to.
                minimizeConnections: bus,
                onError: (error) => report?.(error, bus ? 'redis-subscriber' : 'redis'),
            }),
        closeRedisCluster,
    );
    return {
        commander: clusterCommander(cluster),
        scriptTargets: () => masterCommanders(cluster),
        bus: clusterBusConnection(subscriber, cluster),
        probe: () => probeCluster(cluster),
        close: () => closeRedisCluster(cluster),
        onReconnected: () => undefined,
    };
}

export async function createRedisPostgresBackend(options: RedisPostgresBackendOptions): Promise<RedisPostgresBackend> {
    const report = options.onConnectionError;
    const keys = new RedisKeys(options.keyPrefix);
    const timeoutMs = options.storageTimeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS;
    const watchdog = new CommandWatchdog({ timeoutMs });
    let db: Database | undefined;
    let redis: RedisConnections | undefined;
    try {
        db = createDatabase(options.databaseUrl, {
            schema: options.schema,
            maxConnections: options.maxDatabaseConnections,
            queryTimeoutMs: timeoutMs,
            connectTimeoutMs: timeoutMs,
            onError: (error) => report?.(error, 'postgres'),
        });
        if (options.migrate === true) {
            // Migrations may run long: on a pool of their own, without the query timeout.
            const migrations = createDatabase(options.databaseUrl, { schema: options.schema, maxConnections: 1 });
            try {
                await applyMigrations(migrations);
            } finally {
                await closeDatabase(migrations);
            }
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
        redis =
            options.redisCluster === true
                ? await connectCluster(options.redisUrl, report)
                : await connectStandalone(options.redisUrl, report);
        const connections = redis;
        watchdog.start();
        const scripts = await LuaScripts.load(
            (await connections.scriptTargets()).map((target) => watchdog.commander(target)),
        );
        // A restarted Redis lost its scripts: load them before anything else on the new connection.
        connections.onReconnected(() => scripts.reloadInto(connections.commander));
        const groups = new PgDeviceGroupStore(db);
        const commander = watchdog.commander(connections.commander);
        const queue = new RedisReflectionQueue({
            client: commander,
            scripts,
            keys,
            // A cluster client may redirect a command to another node (MOVED/ASK): no pipelined appends,
            // a sender connection's batches one at a time, and no call for several groups' batches
            // (their keys are in different hash slots).
            appendsInCallOrder: options.redisCluster !== true,
            ...(options.redisCluster === true ? { appendBatchesInFlight: 1 } : {}),
        });
        const coordinator = new RedisGroupCoordinator({
            client: commander,
            bus: watchedBus(connections.bus, watchdog),
            scripts,
            keys,
            gatherCalls: options.redisCluster !== true,
        });
        const database = db;
        const checks = [
            healthProbe('redis', () => connections.probe()),
            healthProbe('postgres', () => database.one('SELECT 1 AS ok')),
        ];
        let closing: Promise<void> | undefined;
        return {
            kind: 'redis+postgres',
            durable: true,
            groups,
            queue,
            coordinator,
            logins: new RedisLoginStore({
                client: commander,
                scripts,
                keys,
                gatherCalls: options.redisCluster !== true,
            }),
            nodes: new RedisNodeRegistry({ client: commander, scripts, keys }),
            async health(timeoutMs) {
                const results = await Promise.all(checks.map((check) => check(timeoutMs)));
                return { ok: results.every((result) => result.ok), checks: results };
            },
            close(): Promise<void> {
                closing ??= (async () => {
                    await Promise.allSettled([queue.close(), coordinator.close(), groups.close()]);
                    await connections.close();
                    watchdog.stop();
                })();
                return closing;
            },
        };
    } catch (error) {
        watchdog.stop();
        await Promise.allSettled([
            db === undefined ? undefined : closeDatabase(db),
            redis?.close(),
            redis?.bus.close(),
        ]);
        throw error;
    }
}
