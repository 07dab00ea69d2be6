#!/usr/bin/env -S node --max-semi-space-size=32
/**
 * The composition root and command line: the only file that reads
 * process.env, picks concrete storage backends and installs signal handlers.
 *
 *   mediator serve              start a mediator node
 *   mediator migrate            apply the PostgreSQL migrations and exit
 *   mediator test-chat-server   a CSP test peer for the chat-server proxy (not a chat server)
 *
 * Settings of `serve` come from src/config/ (defaults < config file <
 * environment < flags; docs/configuration.md). Exit codes: 0 after a clean
 * stop or drain, 1 on a runtime failure, 2 on invalid configuration or usage.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import yargs, { type Argv, type Options } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { withSettingOptions, settingOption } from './config/cli.js';
import { adminListenPort, workerCount, type MediatorConfig } from './config/config.js';
import { collectSettings, CONFIG_FILE_FLAG, loadConfig, type ConfigOrigin } from './config/load.js';
import { SETTINGS, settingEntries, settingOf } from './config/schema.js';
import { usageHints, type CommandWords } from './cli-usage.js';
import { MediatorMetrics } from './metrics/index.js';
import { sodiumCryptoBackend } from './crypto/index.js';
import { adminCommand, startAdminServer, type AdminServer } from './admin/index.js';
import { deviceCommand } from './device-cli/index.js';
import { TestChatServer, type TestChatScriptName } from './dev/test-chat-server.js';
import { ConfigError } from './errors.js';
import { createJsonLogger, createPinoLogger, type Logger, type LogLevel } from './log/logger.js';
import { startMediatorServer, type MediatorServer } from './mediator-server.js';
import type { StorageBackend } from './storage/backend.js';
import { createMemoryBackend } from './storage/memory-backend.js';
import type { AdminPorts } from './admin/ports.js';
import { claimPort, WORKER_ENV, WorkerPool, type PrimaryToWorker, type WorkerToPrimary } from './workers.js';

/** Exit code for invalid configuration or command-line usage. */
const EXIT_CONFIG = 2;
/** A drain that has not finished this long after its window ends is abandoned (exit 1). */
const DRAIN_CLEANUP_GRACE_MS = 30_000;

/** Builds the storage backend the configuration asks for. */
export async function createBackend(config: MediatorConfig, logger: Logger): Promise<StorageBackend> {
    if (config.redisUrl !== undefined && config.databaseUrl !== undefined) {
        const { createRedisPostgresBackend } = await import('./storage/redis-postgres-backend.js');
        return createRedisPostgresBackend({
            redisUrl: config.redisUrl,
            redisCluster: config.redisMode === 'cluster',
            databaseUrl: config.databaseUrl,
            storageTimeoutMs: config.storageTimeoutMs,
            migrate: true,
        });
    }
    logger.warn(
        'embedded backend: device slots and reflection queues live in this process only; nothing survives a restart',
    );
    return createMemoryBackend();
}

/** The settings each source gave (names only: values may be secret). */
function settingsByOrigin(origins: Readonly<Record<string, ConfigOrigin>>): Record<string, string[]> {
    const byOrigin: Record<string, string[]> = { file: [], env: [], flag: [] };
    for (const [key, origin] of Object.entries(origins)) if (origin !== 'default') byOrigin[origin]?.push(key);
    return byOrigin;
}

/** Set when this process is worker `index` of a `--workers` node (src/workers.ts). */
interface WorkerRole {
    readonly index: number;
    readonly port: number;
    readonly nodeId: string;
}

function workerRole(env: NodeJS.ProcessEnv): WorkerRole | undefined {
    const index = Number(env[WORKER_ENV.index]);
    const port = Number(env[WORKER_ENV.port]);
    const nodeId = env[WORKER_ENV.nodeId];
    if (!Number.isInteger(index) || index < 1 || !Number.isInteger(port) || nodeId === undefined) return undefined;
    return { index, port, nodeId };
}

async function serve(args: Readonly<Record<string, unknown>>): Promise<void> {
    const loaded = loadConfig({ flags: args, env: process.env });
    const { origins, configFile, unknownEnvironment } = loaded;
    const worker = workerRole(process.env);
    const config: MediatorConfig =
        worker === undefined ? loaded.config : { ...loaded.config, port: worker.port, nodeId: worker.nodeId };
    const logger = createPinoLogger({ level: config.logLevel });
    if (worker === undefined) {
        const byOrigin = settingsByOrigin(origins);
        logger.info('configuration loaded', {
            configFile,
            fromFile: byOrigin.file,
            fromEnv: byOrigin.env,
            fromFlags: byOrigin.flag,
        });
        if (unknownEnvironment.length > 0) {
            logger.warn('environment variables that name no setting (ignored)', { names: unknownEnvironment });
        }
        const workers = workerCount(config, availableParallelism());
        if (workers > 1) {
            await servePrimary(config, workers, logger);
            return;
        }
    }
    const metrics = new MediatorMetrics();
    const backend = metrics.instrument(await createBackend(config, logger));
    let server: MediatorServer;
    let admin: AdminServer | undefined;
    try {
        server = await startMediatorServer({
            config,
            backend,
            crypto: sodiumCryptoBackend,
            logger,
            metrics,
            proxyMetrics: metrics.proxy,
            sharePort: worker !== undefined,
            onNodeIdLost: (holder) => {
                // Devices were closed with 1013; a restart policy starts this node again, and it then waits its turn.
                process.stderr.write(
                    `mediator: node id ${server.nodeId} was taken over by another live process (incarnation ${holder}); stopped serving\n`,
                );
                void Promise.allSettled([admin?.close(), backend.close()]).then(() => process.exit(1));
            },
        });
        // A worker's admin port is its primary's.
        const adminPort = worker === undefined ? adminListenPort(config) : undefined;
        if (adminPort !== undefined) {
            const running = server;
            admin = await startAdminServer({
                host: config.adminHost,
                port: adminPort,
                token: config.adminToken,
                ctx: running.context,
                readiness: { isDraining: () => running.draining },
                registry: metrics.registry,
                logger,
            });
            printAdminListening(config, admin);
        }
    } catch (error) {
        await backend.close();
        throw error;
    }
    installDrainOnSignals(server, backend, config, logger, admin);
    if (worker !== undefined) {
        // The primary asks for metrics; without a primary a worker drains and exits.
        process.on('message', (message: PrimaryToWorker) => {
            if (message.type !== 'metrics') return;
            void metrics.registry.getMetricsAsJSON().then((json) => {
                const reply: WorkerToPrimary = { type: 'metrics', id: message.id, metrics: json };
                process.send?.(reply);
            });
        });
        process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
        const ready: WorkerToPrimary = { type: 'ready', port: server.port, nodeId: server.nodeId };
        process.send?.(ready);
        return;
    }
    const scheme = server.tls ? 'wss' : 'ws';
    process.stdout.write(`mediator listening on ${scheme}://${config.host}:${server.port}/ (node ${server.nodeId})\n`);
}

function printAdminListening(config: MediatorConfig, admin: AdminServer): void {
    const what = config.adminToken === undefined ? 'health and metrics only' : 'admin API, health and metrics';
    process.stdout.write(`admin listening on http://${config.adminHost}:${admin.port}/ (${what})\n`);
}

/**
 * The primary of a `--workers` node (src/workers.ts): claims the port,
 * starts the workers, serves the admin port with the workers' summed
 * metrics, and on SIGTERM or SIGINT drains every worker (a second signal
 * is passed on: the workers close their remaining devices at once).
 */
async function servePrimary(config: MediatorConfig, count: number, logger: Logger): Promise<void> {
    const nodeId = config.nodeId ?? `n${randomBytes(4).toString('hex')}`;
    const port = await claimPort(config.host, config.port);
    const script = process.argv[1];
    if (script === undefined) throw new Error('cannot tell the script to start the workers with');
    const pool = new WorkerPool({
        count,
        script,
        args: process.argv.slice(2),
        env: process.env,
        port,
        nodeId,
        logger: logger.child({ node: nodeId, component: 'workers' }),
    });
    await pool.start();
    let draining = false;
    let backend: StorageBackend | undefined;
    let admin: AdminServer | undefined;
    try {
        const adminPort = adminListenPort(config);
        if (adminPort !== undefined) {
            backend = await createBackend(config, logger);
            const ctx: AdminPorts = { backend, config, nodeId, logger: logger.child({ node: nodeId }), now: Date.now };
            admin = await startAdminServer({
                host: config.adminHost,
                port: adminPort,
                token: config.adminToken,
                ctx,
                readiness: { isDraining: () => draining || pool.readyCount < pool.count },
                registry: pool,
                logger,
            });
            printAdminListening(config, admin);
        }
    } catch (error) {
        await pool.stop();
        await backend?.close();
        throw error;
    }
    const scheme = config.tlsCert !== undefined ? 'wss' : 'ws';
    process.stdout.write(
        `mediator listening on ${scheme}://${config.host}:${port}/ (node ${nodeId}) with ${count} workers\n`,
    );
    onDrainSignals(
        (signal) => {
            draining = true;
            logger.info('draining the workers on signal', { signal, workers: count });
            void pool
                .stop()
                .then(async (clean) => {
                    await admin?.close();
                    await backend?.close();
                    if (clean) process.stdout.write(`mediator drained after ${signal}; exiting with 0\n`);
                    else logger.error('a worker did not drain cleanly; exiting with 1');
                    process.exit(clean ? 0 : 1);
                })
                .catch((error: unknown) => {
                    logger.error('drain failed', { error });
                    process.exit(1);
                });
        },
        (signal) => {
            logger.warn('second signal: the workers close their remaining devices at once', { signal });
            void pool.stop();
        },
    );
}

/** Runs `drain` on the first SIGTERM or SIGINT, and `hurry` on every later one. */
function onDrainSignals(drain: (signal: NodeJS.Signals) => void, hurry: (signal: NodeJS.Signals) => void): void {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) hurry(signal);
        else drain(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
}

/**
 * SIGTERM or SIGINT drains the node (docs/configuration.md#graceful-drain):
 * readiness fails, no new connections, devices closed with 1001 over the
 * drain window, cleanup awaited, storage closed, exit 0. A second signal
 * closes the remaining devices at once; the drain still completes.
 */
function installDrainOnSignals(
    server: MediatorServer,
    backend: StorageBackend,
    config: MediatorConfig,
    logger: Logger,
    admin: AdminServer | undefined,
): void {
    onDrainSignals(
        (signal) => {
            logger.info('draining on signal', {
                signal,
                windowMs: config.drainWindowMs,
                sessions: server.sessionCount,
            });
            const deadline = setTimeout(() => {
                logger.error('drain did not finish in time; exiting', { graceMs: DRAIN_CLEANUP_GRACE_MS });
                process.exit(1);
            }, config.drainWindowMs + DRAIN_CLEANUP_GRACE_MS);
            deadline.unref();
            server
                .drain()
                .then(() => admin?.close())
                .then(() => backend.close())
                .then(
                    () => {
                        logger.info('drained; exiting');
                        process.stdout.write(`mediator drained after ${signal}; exiting with 0\n`);
                        process.exit(0);
                    },
                    (error: unknown) => {
                        logger.error('drain failed', { error });
                        process.exit(1);
                    },
                );
        },
        (signal) => {
            logger.warn('second signal: closing the remaining devices at once', { signal });
            void server.stop();
        },
    );
}

async function migrate(args: Readonly<Record<string, unknown>>): Promise<void> {
    const { layers, problems } = collectSettings({ flags: args, env: process.env });
    if (problems.length > 0) throw new ConfigError(problems);
    let url: unknown;
    for (const layer of layers) if (layer.values.has('databaseUrl')) url = layer.values.get('databaseUrl');
    if (typeof url !== 'string') {
        throw new ConfigError([`migrate needs --database-url, ${SETTINGS.databaseUrl.env} or a config file with it`]);
    }
    const { closeDatabase, createDatabase } = await import('./storage/postgres/db.js');
    const { migrate: applyMigrations } = await import('./storage/postgres/migrate.js');
    const db = createDatabase(url);
    try {
        const applied = await applyMigrations(db);
        process.stdout.write(
            `migrations applied: ${applied.length === 0 ? 'none (up to date)' : applied.join(', ')}\n`,
        );
    } finally {
        await closeDatabase(db);
    }
}

interface TestChatServerArguments {
    readonly host: string;
    readonly port: number;
    readonly script: string;
    readonly 'write-chunk-bytes': number | undefined;
    readonly 'write-delay-ms': number | undefined;
    readonly 'log-level': string;
}

async function testChatServer(args: TestChatServerArguments): Promise<void> {
    const problems: string[] = [];
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) problems.push('--port must be 0-65535');
    const chunk = args['write-chunk-bytes'];
    if (chunk !== undefined && !(Number.isInteger(chunk) && chunk >= 1)) {
        problems.push('--write-chunk-bytes must be a positive integer');
    }
    const delayMs = args['write-delay-ms'];
    if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0)) {
        problems.push('--write-delay-ms must be a non-negative integer');
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const logger = createJsonLogger(args['log-level'] as LogLevel, (line) => process.stderr.write(line));
    const server = await TestChatServer.start({
        host: args.host,
        port: args.port,
        script: args.script as TestChatScriptName,
        writeChunkBytes: chunk,
        writeDelayMs: delayMs,
        logger,
    });
    process.stdout.write(`test chat server listening on ${server.address} (a CSP test peer, not a chat server)\n`);
    const shutdown = (): void => {
        server.close().then(
            () => process.exit(0),
            () => process.exit(1),
        );
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
}

function fail(error: unknown): never {
    if (error instanceof ConfigError) {
        process.stderr.write(`mediator: ${error.message}\n`);
        process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`mediator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
}

function serveCommand(command: Argv): Argv {
    return withSettingOptions(command)
        .usage(
            '$0 serve [options]\n\nStart a mediator node. Each setting comes from, in rising precedence: ' +
                'its default, the config file (--config), its environment variable, its flag.',
        )
        .wrap(process.stdout.isTTY ? Math.min(140, command.terminalWidth()) : null);
}

const MIGRATE_OPTIONS = {
    'database-url': settingOption('databaseUrl'),
    [CONFIG_FILE_FLAG]: { type: 'string', requiresArg: true, describe: 'JSON file of settings' },
} as const satisfies Record<string, Options>;

const TEST_CHAT_SERVER_OPTIONS = {
    host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
    port: { type: 'number', demandOption: true, describe: 'port to listen on (0: a free one)' },
    script: {
        type: 'string',
        default: 'echo',
        choices: ['echo', 'silent'],
        describe: 'how to answer each CSP frame after the login',
    },
    'write-chunk-bytes': {
        type: 'number',
        describe: 'split every write into pieces of at most this many bytes (1: one byte per write)',
    },
    'write-delay-ms': { type: 'number', describe: 'wait this long before each write' },
    'log-level': {
        type: 'string',
        default: 'info',
        choices: ['debug', 'info', 'warn', 'error', 'silent'],
        describe: 'log level',
    },
} as const satisfies Record<string, Options>;

const COMMANDS = ['serve', 'migrate', 'admin', 'device', 'test-chat-server'] as const;

/** The flags of each command that the "did you mean" hints know. */
const COMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
    serve: [CONFIG_FILE_FLAG, ...settingEntries().map(([key]) => settingOf(key).flag), 'help', 'version'],
    migrate: [...Object.keys(MIGRATE_OPTIONS), 'help', 'version'],
    'test-chat-server': [...Object.keys(TEST_CHAT_SERVER_OPTIONS), 'help', 'version'],
};

/** The command the user typed (the first word that is not a flag) and what it accepts. */
function commandWords(argv: readonly string[]): CommandWords {
    const command = argv.find((word) => !word.startsWith('-'));
    if (command === undefined || !(COMMANDS as readonly string[]).includes(command)) {
        return { command: undefined, words: COMMANDS };
    }
    return { command, words: COMMAND_FLAGS[command] ?? [] };
}

/** Ctrl-C stops a long-running device command cleanly (a second one ends the process). */
const deviceInterrupt = new AbortController();
if (process.argv[2] === 'device') process.once('SIGINT', () => deviceInterrupt.abort());

await yargs(hideBin(process.argv))
    .scriptName('mediator')
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .command('serve', 'start a mediator node', serveCommand, (args) => serve(args).catch(fail))
    .command(
        'migrate',
        'apply the PostgreSQL migrations and exit',
        (command) => command.options(MIGRATE_OPTIONS),
        (args) => migrate(args).catch(fail),
    )
    .command(
        'test-chat-server',
        'run a CSP test peer for the chat-server proxy (for tests and demos; not a chat server)',
        (command) => command.options(TEST_CHAT_SERVER_OPTIONS),
        (args) => testChatServer(args).catch(fail),
    )
    .command(deviceCommand(process.env, { signal: deviceInterrupt.signal }))
    .command(adminCommand(process.env))
    .demandCommand(1, 'name a command: serve, migrate, admin, device or test-chat-server')
    .strict()
    .fail((message, error) => {
        if (error !== undefined && error !== null) fail(error);
        const hints = usageHints(message, commandWords(hideBin(process.argv)));
        process.stderr.write(`mediator: ${message}\n${hints.map((line) => `${line}\n`).join('')}`);
        process.exit(EXIT_CONFIG);
    })
    .help()
    .parseAsync();
