#!/usr/bin/env node
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
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { withSettingOptions, settingOption } from './config/cli.js';
import { adminListenPort, type MediatorConfig } from './config/config.js';
import { collectSettings, CONFIG_FILE_FLAG, loadConfig, type ConfigOrigin } from './config/load.js';
import { SETTINGS } from './config/schema.js';
import { MediatorMetrics } from './metrics/index.js';
import { nodeCryptoBackend } from './crypto/index.js';
import { adminCommand, startAdminServer, type AdminServer } from './admin/index.js';
import { deviceCommand } from './device-cli/index.js';
import { TestChatServer, type TestChatScriptName } from './dev/test-chat-server.js';
import { ConfigError } from './errors.js';
import { createJsonLogger, createPinoLogger, type Logger, type LogLevel } from './log/logger.js';
import { startMediatorServer, type MediatorServer } from './mediator-server.js';
import type { StorageBackend } from './storage/backend.js';
import { createMemoryBackend } from './storage/memory-backend.js';

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

async function serve(args: Readonly<Record<string, unknown>>): Promise<void> {
    const { config, origins, configFile, unknownEnvironment } = loadConfig({ flags: args, env: process.env });
    const logger = createPinoLogger({ level: config.logLevel });
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
    const metrics = new MediatorMetrics();
    const backend = metrics.instrument(await createBackend(config, logger));
    let server: MediatorServer;
    let admin: AdminServer | undefined;
    try {
        server = await startMediatorServer({
            config,
            backend,
            crypto: nodeCryptoBackend,
            logger,
            metrics,
            proxyMetrics: metrics.proxy,
        });
        const adminPort = adminListenPort(config);
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
            process.stdout.write(
                `admin listening on http://${config.adminHost}:${admin.port}/ (${config.adminToken === undefined ? 'health and metrics only' : 'admin API, health and metrics'})\n`,
            );
        }
    } catch (error) {
        await backend.close();
        throw error;
    }
    const scheme = server.tls ? 'wss' : 'ws';
    process.stdout.write(`mediator listening on ${scheme}://${config.host}:${server.port}/ (node ${server.nodeId})\n`);
    installDrainOnSignals(server, backend, config, logger, admin);
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
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) {
            logger.warn('second signal: closing the remaining devices at once', { signal });
            void server.stop();
            return;
        }
        logger.info('draining on signal', { signal, windowMs: config.drainWindowMs, sessions: server.sessionCount });
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
                    process.exit(0);
                },
                (error: unknown) => {
                    logger.error('drain failed', { error });
                    process.exit(1);
                },
            );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
}

async function migrate(args: Readonly<Record<string, unknown>>): Promise<void> {
    const { layers, problems } = collectSettings({ flags: args, env: process.env });
    if (problems.length > 0) throw new ConfigError(problems);
    let url: unknown;
    for (const layer of layers) if (layer.values.has('databaseUrl')) url = layer.values.get('databaseUrl');
    if (typeof url !== 'string') {
        throw new ConfigError([`migrate needs --database-url, ${SETTINGS.databaseUrl.env} or a config file with it`]);
    }
    const { closeDatabase, createDatabase, migrate: applyMigrations } = await import('./storage/postgres/db.js');
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
        (command) =>
            command
                .option('database-url', settingOption('databaseUrl'))
                .option(CONFIG_FILE_FLAG, { type: 'string', requiresArg: true, describe: 'JSON file of settings' }),
        (args) => migrate(args).catch(fail),
    )
    .command(
        'test-chat-server',
        'run a CSP test peer for the chat-server proxy (for tests and demos; not a chat server)',
        (command) =>
            command
                .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
                .option('port', { type: 'number', demandOption: true, describe: 'port to listen on (0: a free one)' })
                .option('script', {
                    type: 'string',
                    default: 'echo',
                    choices: ['echo', 'silent'],
                    describe: 'how to answer each CSP frame after the login',
                })
                .option('write-chunk-bytes', {
                    type: 'number',
                    describe: 'split every write into pieces of at most this many bytes (1: one byte per write)',
                })
                .option('write-delay-ms', { type: 'number', describe: 'wait this long before each write' })
                .option('log-level', {
                    type: 'string',
                    default: 'info',
                    choices: ['debug', 'info', 'warn', 'error', 'silent'],
                    describe: 'log level',
                }),
        (args) => testChatServer(args).catch(fail),
    )
    .command(deviceCommand(process.env, { signal: deviceInterrupt.signal }))
    .command(adminCommand(process.env))
    .demandCommand(1, 'name a command: serve, migrate, admin, device or test-chat-server')
    .strict()
    .fail((message, error) => {
        if (error !== undefined && error !== null) fail(error);
        process.stderr.write(`mediator: ${message}\nRun \`mediator <command> --help\` for usage.\n`);
        process.exit(EXIT_CONFIG);
    })
    .help()
    .parseAsync();
