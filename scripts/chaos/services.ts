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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { atExit, exited, freePort, hasExited, sleep } from '../lib/processes.js';
import { startRedisServer, type AppendFsync } from '../lib/redis-server.js';

const READY_TIMEOUT_MS = 20_000;
const MEDIATOR_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const LISTENING = /mediator listening on (wss?:\/\/\S+) \(node (\S+)\)/u;

export { sleep };

function tcpOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        socket.setTimeout(1_000, () => {
            socket.destroy();
            resolve(false);
        });
        socket.once('error', () => resolve(false));
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
    });
}

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

function postgresBinDir(): string {
    const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    const fromConfig = found.stdout?.trim();
    if (fromConfig !== undefined && fromConfig !== '' && existsSync(join(fromConfig, 'initdb'))) return fromConfig;
    const root = '/usr/lib/postgresql';
    if (existsSync(root)) {
        const versions = readdirSync(root)
            .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
            .sort((a, b) => Number(b) - Number(a));
        if (versions[0] !== undefined) return join(root, versions[0], 'bin');
    }
    throw new Error('initdb not found (install PostgreSQL: scripts/setup.sh)');
}

/** Runs a PostgreSQL tool, as the `postgres` OS user when this process is root. */
function pgTool(binDir: string, tool: string, args: readonly string[], asPostgres: boolean): void {
    const command = asPostgres ? 'runuser' : join(binDir, tool);
    const argv = asPostgres ? ['-u', 'postgres', '--', join(binDir, tool), ...args] : [...args];
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) {
        throw new Error(`${tool} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
    }
}

/**
 * A private PostgreSQL cluster in `dir`/postgres on a free loopback port,
 * trusting local connections as user `postgres` (nothing else can reach it).
 */
export async function startChaosPostgres(dir: string): Promise<ChaosPostgres> {
    const binDir = postgresBinDir();
    const asPostgres = process.getuid?.() === 0;
    const root = join(dir, 'postgres');
    const dataDir = join(root, 'data');
    const socketDir = join(root, 'socket');
    mkdirSync(socketDir, { recursive: true });
    if (asPostgres) {
        const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
        const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
        if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('no postgres OS user to run PostgreSQL');
        // The run directory must be traversable by the postgres user.
        chmodSync(dir, 0o755);
        for (const path of [root, socketDir]) chownSync(path, uid, gid);
    }
    pgTool(binDir, 'initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], asPostgres);
    const port = await freePort();
    const logFile = join(root, 'postgres.log');
    if (asPostgres) {
        closeSync(openSync(logFile, 'a'));
        const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
        const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
        chownSync(logFile, uid, gid);
    }
    const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    let running = false;
    const stopImmediate = (): void => {
        spawnSync(
            asPostgres ? 'runuser' : join(binDir, 'pg_ctl'),
            asPostgres
                ? ['-u', 'postgres', '--', join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']
                : ['-D', dataDir, '-m', 'immediate', 'stop'],
            { stdio: 'ignore', timeout: 30_000 },
        );
    };
    atExit(() => {
        if (running) stopImmediate();
    });
    const start = async (): Promise<void> => {
        pgTool(
            binDir,
            'pg_ctl',
            ['-D', dataDir, '-o', serverOptions, '-l', logFile, '-w', '-t', '60', 'start'],
            asPostgres,
        );
        running = true;
        const deadline = Date.now() + READY_TIMEOUT_MS;
        while (!(await tcpOpen(port))) {
            if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not start in time`);
            await sleep(50);
        }
    };
    await start();
    const versionOut = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout ?? '';
    return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        version: /(\d+(\.\d+)?)/u.exec(versionOut)?.[1] ?? 'unknown',
        crash: async () => {
            stopImmediate();
            running = false;
            await Promise.resolve();
        },
        start,
        stop: async () => {
            if (!running) return;
            pgTool(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'fast', 'stop'], asPostgres);
            running = false;
            await Promise.resolve();
        },
    };
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
