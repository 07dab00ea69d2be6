/**
 * The processes a chaos run starts, kills and restarts, all on loopback and
 * each with its data in the run's own temporary directory:
 *
 * - a private redis-server (append-only file on, `appendfsync always` or
 *   `everysec`, no RDB snapshots), killed with SIGKILL and restarted on the
 *   same port from its append-only file;
 * - a private PostgreSQL cluster (initdb + postgres run as the `postgres`
 *   OS user when this process is root, since PostgreSQL refuses to run as
 *   root), stopped with `pg_ctl -m immediate` (no checkpoint: the next start
 *   runs crash recovery) and started again on the same port;
 * - mediator nodes (`node dist/src/main.js serve`) on fixed ports, killed
 *   with SIGKILL and restarted on the same port.
 *
 * Every child is killed when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgresServer } from '../lib/postgres-server.js';
import { atExit, exited, freePort, hasExited, sleep } from '../lib/processes.js';
import { startRedisServer, type AppendFsync } from '../lib/redis-server.js';

const READY_TIMEOUT_MS = 20_000;
const MEDIATOR_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const LISTENING = /mediator listening on (wss?:\/\/\S+) \(node (\S+)\)/u;

export { sleep };

// ---- Redis ----

export type { AppendFsync };

export interface ChaosRedis {
    readonly url: string;
    readonly port: number;
    readonly fsync: AppendFsync;
    readonly running: boolean;
    /** SIGKILL; resolves once the process has exited. */
    kill(): Promise<void>;
    /** Starts again on the same port and directory; resolves once it answers PING (AOF loaded). */
    start(): Promise<void>;
    /** Graceful stop. */
    stop(): Promise<void>;
}

export async function startChaosRedis(dir: string, fsync: AppendFsync): Promise<ChaosRedis> {
    const server = await startRedisServer({ appendfsync: fsync, dir: join(dir, 'redis') });
    return {
        url: server.url,
        port: server.port,
        fsync,
        get running() {
            return server.running;
        },
        kill: () => server.kill(),
        start: () => server.restart(),
        stop: () => server.stop(),
    };
}

// ---- PostgreSQL ----

export interface ChaosPostgres {
    readonly url: string;
    readonly port: number;
    readonly version: string;
    /** Immediate shutdown (no checkpoint; the next start runs crash recovery). */
    crash(): Promise<void>;
    /** Starts again on the same port; resolves once it accepts connections. */
    start(): Promise<void>;
    stop(): Promise<void>;
}

/** A private PostgreSQL cluster in `dir`/postgres on a free loopback port (scripts/lib/postgres-server.ts). */
export function startChaosPostgres(dir: string): Promise<ChaosPostgres> {
    return startPostgresServer({ dir: join(dir, 'postgres') });
}

// ---- mediator nodes ----

export interface MediatorNodeSpec {
    readonly name: string;
    readonly redisUrl: string;
    readonly databaseUrl: string;
    readonly presenceTtlMs: number;
    readonly logDir: string;
}

export interface MediatorNode {
    readonly name: string;
    readonly port: number;
    readonly url: string;
    readonly running: boolean;
    /** SIGKILL; resolves once the process has exited. */
    kill(): Promise<void>;
    /** Starts (again) on the same port; resolves once it listens. */
    start(): Promise<void>;
    /** SIGTERM (drain), then wait for the exit. */
    stop(): Promise<void>;
}

/** A mediator node on a fixed free port; the node's JSON log goes to `<logDir>/<name>.log`. */
export async function createMediatorNode(spec: MediatorNodeSpec): Promise<MediatorNode> {
    const port = await freePort();
    let child: ChildProcess | undefined;
    let starts = 0;
    atExit(() => child?.kill('SIGKILL'));
    const renewMs = Math.max(100, Math.floor(spec.presenceTtlMs / 3));
    const start = async (): Promise<void> => {
        starts += 1;
        const log = openSync(join(spec.logDir, `${spec.name}.log`), 'a');
        const env = { ...process.env };
        delete env.REDIS_URL;
        delete env.DATABASE_URL;
        const launched = spawn(
            process.execPath,
            [
                MEDIATOR_MAIN,
                'serve',
                '--host',
                '127.0.0.1',
                '--port',
                String(port),
                '--node-id',
                `${spec.name}-${starts}`,
                '--redis-url',
                spec.redisUrl,
                '--database-url',
                spec.databaseUrl,
                '--presence-ttl-ms',
                String(spec.presenceTtlMs),
                '--presence-renew-interval-ms',
                String(renewMs),
                '--drain-window-ms',
                '1000',
                '--log-level',
                'warn',
            ],
            { env, stdio: ['ignore', 'pipe', log] },
        );
        closeSync(log);
        child = launched;
        const stdout = launched.stdout;
        if (stdout === null) throw new Error('no stdout pipe');
        await new Promise<void>((resolve, reject) => {
            let printed = '';
            const timer = setTimeout(() => {
                launched.kill('SIGKILL');
                reject(new Error(`mediator ${spec.name} did not listen within ${READY_TIMEOUT_MS} ms`));
            }, READY_TIMEOUT_MS);
            stdout.setEncoding('utf8').on('data', (chunk: string) => {
                printed += chunk;
                if (LISTENING.test(printed)) {
                    clearTimeout(timer);
                    resolve();
                }
            });
            launched.once('exit', (code, signal) => {
                clearTimeout(timer);
                reject(new Error(`mediator ${spec.name} exited (${code ?? signal}) before listening`));
            });
        });
        stdout.resume();
    };
    return {
        name: spec.name,
        port,
        url: `ws://127.0.0.1:${port}/`,
        get running() {
            return child !== undefined && !hasExited(child);
        },
        kill: async () => {
            if (child === undefined || hasExited(child)) return;
            child.kill('SIGKILL');
            await exited(child);
        },
        start,
        stop: async () => {
            if (child === undefined || hasExited(child)) return;
            const running = child;
            running.kill('SIGTERM');
            const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
            await exited(running);
            clearTimeout(timer);
        },
    };
}

/** Removes the run directory (PostgreSQL files belong to another user, so force). */
export function removeRunDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
}
