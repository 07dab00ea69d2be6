/**
 * Real Redis and PostgreSQL for integration tests.
 *
 * - Redis: `REDIS_URL` when set; otherwise one throwaway `redis-server` per
 *   test run on a free loopback port, with AOF `appendfsync always` in a
 *   temporary directory, killed when the process exits. `startRedisServer`
 *   starts further dedicated instances (crash tests: stop, kill, restart on
 *   the same port and data directory).
 * - Redis Cluster: `REDIS_CLUSTER_URL` (seed URLs separated by commas) when
 *   set; otherwise `startRedisCluster` starts three masters on free ports
 *   (no persistence, slots split in three) once per test run.
 * - PostgreSQL: `DATABASE_URL` when set; otherwise one throwaway cluster
 *   per test run (initdb into a temporary directory, trust authentication,
 *   a free loopback port), removed at exit. The machine's own PostgreSQL
 *   and Redis are never used unless the environment names them.
 * - `createTestRedisPostgresBackend`: a unique Redis key prefix per call and
 *   a schema migrated once per run (or a fresh one per call when asked).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startPostgresServer } from '../../scripts/lib/postgres-server.js';
import { atExit, isMissingBinary, MissingBinaryError } from '../../scripts/lib/processes.js';
import { startRedisServer, type RedisServer } from '../../scripts/lib/redis-server.js';
import {
    createRedisPostgresBackend,
    type RedisPostgresBackend,
    type RedisPostgresBackendOptions,
} from '../../src/storage/redis-postgres-backend.js';

// ---- Redis ----

export { startRedisServer, type RedisServer, type RedisServerOptions } from '../../scripts/lib/redis-server.js';
export { freePort } from '../../scripts/lib/processes.js';

// ---- Redis Cluster ----

export interface RedisCluster {
    /** Seed URLs of every node, separated by commas (the form `--redis-url` takes in cluster mode). */
    readonly url: string;
    readonly nodes: readonly RedisServer[];
    /** Kills every node and removes their directories. */
    stop(): Promise<void>;
}

const CLUSTER_READY_TIMEOUT_MS = 20_000;
const CLUSTER_SLOT_RANGES = [
    [0, 5460],
    [5461, 10922],
    [10923, 16383],
] as const;

/** Runs redis-cli against a node; resolves its output, rejects on a non-zero exit or an error reply. */
export function redisCli(port: number, args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.once('error', (error) =>
            reject(
                isMissingBinary(error)
                    ? new MissingBinaryError('redis-cli', 'install it with `bash scripts/setup.sh`')
                    : error,
            ),
        );
        child.once('exit', (code) => {
            if (code === 0 && !/^(ERR|\(error\))/u.test(output)) resolve(output);
            else reject(new Error(`redis-cli ${args.join(' ')} on port ${port}: ${output.trim()}`));
        });
    });
}

/** Resolves once every node reports `cluster_state:ok` and knows all the others. */
export async function waitForClusterOk(ports: readonly number[]): Promise<void> {
    const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS;
    const known = new RegExp(`^cluster_known_nodes:${ports.length}\\r?$`, 'mu');
    for (;;) {
        const states = await Promise.all(ports.map((port) => redisCli(port, ['CLUSTER', 'INFO']).catch(() => '')));
        if (states.every((info) => /^cluster_state:ok\r?$/mu.test(info) && known.test(info))) return;
        if (Date.now() > deadline) throw new Error(`Redis Cluster not ok within ${CLUSTER_READY_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/**
 * Starts a three-master Redis Cluster on free loopback ports, each node in
 * its own directory without persistence (`nodes.conf` keeps a node's
 * identity and slots across `restart`). Other masters keep serving while
 * one is down (`cluster-require-full-coverage no`).
 */
export async function startRedisCluster(): Promise<RedisCluster> {
    const args = [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '5000',
        '--cluster-require-full-coverage',
        'no',
        '--appendonly',
        'no',
    ];
    const nodes = await Promise.all(CLUSTER_SLOT_RANGES.map(() => startRedisServer({ args })));
    const stop = async (): Promise<void> => {
        await Promise.all(nodes.map((node) => node.kill()));
        for (const node of nodes) rmSync(node.dir, { recursive: true, force: true });
    };
    try {
        await Promise.all(
            nodes.map((node, index) => {
                const [from, to] = CLUSTER_SLOT_RANGES[index] ?? [0, -1];
                return redisCli(node.port, ['CLUSTER', 'ADDSLOTSRANGE', String(from), String(to)]);
            }),
        );
        const [first, ...others] = nodes;
        await Promise.all(
            others.map((node) => redisCli(node.port, ['CLUSTER', 'MEET', '127.0.0.1', String(first?.port)])),
        );
        await waitForClusterOk(nodes.map((node) => node.port));
    } catch (error) {
        await stop();
        throw error;
    }
    return { url: nodes.map((node) => node.url).join(','), nodes, stop };
}

let sharedCluster: Promise<string> | undefined;

/** REDIS_CLUSTER_URL, or the seed URLs of this run's throwaway cluster (started on first use). */
export function getRedisClusterUrl(): Promise<string> {
    const fromEnv = process.env.REDIS_CLUSTER_URL;
    if (fromEnv !== undefined && fromEnv !== '') return Promise.resolve(fromEnv);
    sharedCluster ??= startRedisCluster().then((cluster) => cluster.url);
    return sharedCluster;
}

let sharedRedis: Promise<string> | undefined;

/** REDIS_URL, or the URL of this run's throwaway redis-server (started on first use). */
export function getRedisUrl(): Promise<string> {
    const fromEnv = process.env.REDIS_URL;
    if (fromEnv !== undefined && fromEnv !== '') return Promise.resolve(fromEnv);
    sharedRedis ??= startRedisServer().then((server) => server.url);
    return sharedRedis;
}

// ---- PostgreSQL ----

let sharedDatabase: Promise<string> | undefined;

/** DATABASE_URL, or the URL of this run's throwaway PostgreSQL cluster (started on first use, removed at exit). */
export function getDatabaseUrl(): Promise<string> {
    const fromEnv = process.env.DATABASE_URL;
    if (fromEnv !== undefined && fromEnv !== '') return Promise.resolve(fromEnv);
    sharedDatabase ??= startPostgresServer({ name: 'd2m-test-postgres' }).then((server) => server.url);
    return sharedDatabase;
}

/** A fresh, not yet created schema name. */
export function uniqueSchema(): string {
    return `t_${randomBytes(6).toString('hex')}`;
}

/** A fresh schema name in the test database, dropped at exit (whoever creates it). */
export async function reserveSchema(): Promise<string> {
    const schema = uniqueSchema();
    await registerSchemaCleanup(await getDatabaseUrl(), schema);
    return schema;
}

/** A fresh key prefix, so tests on a shared Redis never see each other's keys. */
export function uniqueKeyPrefix(): string {
    return `t${randomBytes(6).toString('hex')}:`;
}

let runSchema: Promise<string> | undefined;

/** This run's schema, migrated once (later backends skip the migration). */
function getRunSchema(redisUrl: string, redisCluster: boolean, databaseUrl: string): Promise<string> {
    runSchema ??= (async () => {
        const schema = uniqueSchema();
        const backend = await createRedisPostgresBackend({
            redisUrl,
            redisCluster,
            databaseUrl,
            schema,
            migrate: true,
        });
        await backend.close();
        await registerSchemaCleanup(databaseUrl, schema);
        return schema;
    })();
    return runSchema;
}

async function registerSchemaCleanup(databaseUrl: string, schema: string): Promise<void> {
    // A throwaway cluster goes away as a whole; only a given DATABASE_URL needs its schemas dropped.
    if (sharedDatabase !== undefined && databaseUrl === (await sharedDatabase)) return;
    atExit(() => {
        spawnSync('psql', [databaseUrl, '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], {
            stdio: 'ignore',
            timeout: 10_000,
        });
    });
}

export interface TestBackendOptions extends Partial<Omit<RedisPostgresBackendOptions, 'migrate'>> {
    /** A newly migrated schema just for this backend instead of the run's shared one. */
    readonly freshSchema?: boolean;
}

/** A redis+postgres backend on the test services, with a unique key prefix. */
export async function createTestRedisPostgresBackend(options: TestBackendOptions = {}): Promise<RedisPostgresBackend> {
    const redisCluster = options.redisCluster === true;
    const redisUrl = options.redisUrl ?? (redisCluster ? await getRedisClusterUrl() : await getRedisUrl());
    const databaseUrl = options.databaseUrl ?? (await getDatabaseUrl());
    let schema = options.schema;
    let migrate = false;
    if (schema === undefined && options.freshSchema === true) {
        schema = uniqueSchema();
        migrate = true;
        await registerSchemaCleanup(databaseUrl, schema);
    }
    schema ??= await getRunSchema(redisUrl, redisCluster, databaseUrl);
    return createRedisPostgresBackend({
        ...options,
        redisUrl,
        databaseUrl,
        schema,
        migrate,
        keyPrefix: options.keyPrefix ?? uniqueKeyPrefix(),
    });
}
