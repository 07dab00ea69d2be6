#!/usr/bin/env node
/**
 * The composition root and command line: the only file that reads
 * process.env, picks concrete storage backends and installs signal handlers.
 *
 *   mediator serve     start a mediator node
 *   mediator migrate   apply the PostgreSQL migrations and exit
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { buildConfig, DEFAULT_CONFIG, type MediatorConfig } from './config/config.js';
import { nodeCryptoBackend } from './crypto/index.js';
import { ConfigError } from './errors.js';
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
}

async function serve(args: ServeArguments): Promise<void> {
    const config = buildConfig({
        host: args.host,
        port: args.port,
        redisUrl: args['redis-url'],
        databaseUrl: args['database-url'],
        nodeId: args['node-id'],
        logLevel: args['log-level'] as LogLevel,
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
    .demandCommand(1, 'name a command: serve or migrate')
    .strict()
    .help()
    .parseAsync();
