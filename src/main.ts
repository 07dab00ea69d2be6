#!/usr/bin/env node
/**
 * The composition root and command line: the only file that reads
 * process.env, picks concrete storage backends and installs signal handlers.
 *
 *   mediator serve              start a mediator node
 *   mediator migrate            apply the PostgreSQL migrations and exit
 *   mediator test-chat-server   a CSP test peer for the chat-server proxy (not a chat server)
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { buildConfig, DEFAULT_CONFIG, type MediatorConfig } from './config/config.js';
import { nodeCryptoBackend } from './crypto/index.js';
import { ConfigError } from './errors.js';
import { TestChatServer, type TestChatScriptName } from './dev/test-chat-server.js';
import { createJsonLogger, type Logger, type LogLevel } from './log/logger.js';
import { startMediatorServer } from './mediator-server.js';
import type { StorageBackend } from './storage/backend.js';
import { createMemoryBackend } from './storage/memory-backend.js';

/** Builds the storage backend the configuration asks for. */
export async function createBackend(config: MediatorConfig, logger: Logger): Promise<StorageBackend> {
    if (config.redisUrl !== undefined && config.databaseUrl !== undefined) {
        const { createRedisPostgresBackend } = await import('./storage/redis-postgres-backend.js');
        return createRedisPostgresBackend({
            redisUrl: config.redisUrl,
            databaseUrl: config.databaseUrl,
            migrate: true,
        });
    }
    logger.warn(
        'embedded backend: device slots and reflection queues live in this process only; nothing survives a restart',
    );
    return createMemoryBackend();
}

interface ServeArguments {
    readonly host: string;
    readonly port: number;
    readonly 'redis-url': string | undefined;
    readonly 'database-url': string | undefined;
    readonly 'node-id': string | undefined;
    readonly 'log-level': string;
    readonly 'chat-server-address': string | undefined;
    readonly 'upstream-connect-timeout-ms': number;
    readonly 'upstream-read-high-water-bytes': number;
    readonly 'upstream-write-max-bytes': number;
    readonly 'presence-ttl-ms': number;
    readonly 'presence-renew-interval-ms': number;
}

async function serve(args: ServeArguments): Promise<void> {
    const config = buildConfig({
        host: args.host,
        port: args.port,
        redisUrl: args['redis-url'],
        databaseUrl: args['database-url'],
        nodeId: args['node-id'],
        logLevel: args['log-level'] as LogLevel,
        chatServerAddress: args['chat-server-address'],
        upstreamConnectTimeoutMs: args['upstream-connect-timeout-ms'],
        upstreamReadHighWaterBytes: args['upstream-read-high-water-bytes'],
        upstreamWriteMaxBytes: args['upstream-write-max-bytes'],
        presenceTtlMs: args['presence-ttl-ms'],
        presenceRenewIntervalMs: args['presence-renew-interval-ms'],
    });
    const logger = createJsonLogger(config.logLevel, (line) => process.stderr.write(line));
    const backend = await createBackend(config, logger);
    const server = await startMediatorServer({ config, backend, crypto: nodeCryptoBackend, logger });
    process.stdout.write(`mediator listening on ws://${config.host}:${server.port}/ (node ${server.nodeId})\n`);

    let stopping = false;
    const shutdown = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        logger.info('shutting down', { signal });
        server
            .stop()
            .then(() => backend.close())
            .then(
                () => process.exit(0),
                (error: unknown) => {
                    logger.error('shutdown failed', { error });
                    process.exit(1);
                },
            );
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
}

async function migrate(args: Pick<ServeArguments, 'database-url'>): Promise<void> {
    const url = args['database-url'];
    if (url === undefined) throw new ConfigError(['migrate needs --database-url or DATABASE_URL']);
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
        process.exit(2);
    }
    process.stderr.write(`mediator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
}

await yargs(hideBin(process.argv))
    .scriptName('mediator')
    .command(
        'serve',
        'start a mediator node',
        (command) =>
            command
                .option('host', {
                    type: 'string',
                    default: process.env.MEDIATOR_HOST ?? DEFAULT_CONFIG.host,
                    describe: 'address to listen on (env MEDIATOR_HOST)',
                })
                .option('port', {
                    type: 'number',
                    default: Number(process.env.MEDIATOR_PORT ?? DEFAULT_CONFIG.port),
                    describe: 'port to listen on; 0 picks a free one and prints it (env MEDIATOR_PORT)',
                })
                .option('redis-url', {
                    type: 'string',
                    default: process.env.REDIS_URL,
                    describe: 'Redis for queues, locks, leader, presence (env REDIS_URL); with --database-url',
                })
                .option('database-url', {
                    type: 'string',
                    default: process.env.DATABASE_URL,
                    describe: 'PostgreSQL for device groups and slots (env DATABASE_URL); with --redis-url',
                })
                .option('node-id', {
                    type: 'string',
                    default: process.env.MEDIATOR_NODE_ID,
                    describe: 'name of this node (env MEDIATOR_NODE_ID); random when not set',
                })
                .option('log-level', {
                    type: 'string',
                    default: process.env.MEDIATOR_LOG_LEVEL ?? DEFAULT_CONFIG.logLevel,
                    choices: ['debug', 'info', 'warn', 'error', 'silent'],
                    describe: 'log level (env MEDIATOR_LOG_LEVEL)',
                })
                .option('chat-server-address', {
                    type: 'string',
                    default: process.env.MEDIATOR_CHAT_SERVER_ADDRESS,
                    describe:
                        'chat server per server group: a template host:port whose host may contain {serverGroup}, ' +
                        'or file:<path> of a JSON table {"<serverGroup>": "host:port", "*": "host:port"}; unset: ' +
                        'no chat-server proxy, Proxy frames close with 4001 (env MEDIATOR_CHAT_SERVER_ADDRESS)',
                })
                .option('upstream-connect-timeout-ms', {
                    type: 'number',
                    default: Number(
                        process.env.MEDIATOR_UPSTREAM_CONNECT_TIMEOUT_MS ?? DEFAULT_CONFIG.upstreamConnectTimeoutMs,
                    ),
                    describe:
                        'chat-server connect timeout; past it the device is closed with 4001 ' +
                        '(env MEDIATOR_UPSTREAM_CONNECT_TIMEOUT_MS)',
                })
                .option('upstream-read-high-water-bytes', {
                    type: 'number',
                    default: Number(
                        process.env.MEDIATOR_UPSTREAM_READ_HIGH_WATER_BYTES ??
                            DEFAULT_CONFIG.upstreamReadHighWaterBytes,
                    ),
                    describe:
                        "stop reading from a device's chat server while its WebSocket buffers more than this " +
                        '(env MEDIATOR_UPSTREAM_READ_HIGH_WATER_BYTES)',
                })
                .option('presence-ttl-ms', {
                    type: 'number',
                    default: Number(process.env.MEDIATOR_PRESENCE_TTL_MS ?? DEFAULT_CONFIG.presenceTtlMs),
                    describe:
                        "how long a device's presence, leader role and lock outlive a node that stopped " +
                        'renewing them (env MEDIATOR_PRESENCE_TTL_MS)',
                })
                .option('presence-renew-interval-ms', {
                    type: 'number',
                    default: Number(
                        process.env.MEDIATOR_PRESENCE_RENEW_INTERVAL_MS ?? DEFAULT_CONFIG.presenceRenewIntervalMs,
                    ),
                    describe:
                        "how often a node renews its devices' presence and ends expired locks " +
                        '(env MEDIATOR_PRESENCE_RENEW_INTERVAL_MS)',
                })
                .option('upstream-write-max-bytes', {
                    type: 'number',
                    default: Number(
                        process.env.MEDIATOR_UPSTREAM_WRITE_MAX_BYTES ?? DEFAULT_CONFIG.upstreamWriteMaxBytes,
                    ),
                    describe:
                        "bytes queued toward a device's chat server beyond which the device is closed with 4009 " +
                        '(env MEDIATOR_UPSTREAM_WRITE_MAX_BYTES)',
                }),
        (args) => serve(args).catch(fail),
    )
    .command(
        'migrate',
        'apply the PostgreSQL migrations and exit',
        (command) =>
            command.option('database-url', {
                type: 'string',
                default: process.env.DATABASE_URL,
                describe: 'PostgreSQL URL (env DATABASE_URL)',
            }),
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
    .demandCommand(1, 'name a command: serve, migrate or test-chat-server')
    .strict()
    .help()
    .parseAsync();
