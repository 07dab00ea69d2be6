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
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgresServer, type PostgresServer } from '../lib/postgres-server.js';
import { spawnMediator, type MediatorProcess } from '../lib/mediator-process.js';
import { atExit, freePort, hasExited, sleep } from '../lib/processes.js';
import { startRedisServer, type AppendFsync } from '../lib/redis-server.js';
import { proxyUrl } from '../lib/tcp-proxy.js';

const READY_TIMEOUT_MS = 20_000;

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

export type ChaosPostgres = PostgresServer;

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

/** A storage service a node can be cut off from. */
export type StorageLink = 'redis' | 'postgres';

export interface MediatorNode {
    readonly name: string;
    readonly port: number;
    readonly url: string;
    readonly running: boolean;
    /** The node id of the current (or last) process. */
    readonly nodeId: string;
    /** Whether the process is stopped with SIGSTOP. */
    readonly paused: boolean;
    /** SIGKILL; resolves once the process has exited. */
    kill(): Promise<void>;
    /** SIGKILL at once, without waiting (from inside an event handler, right after what it reacts to). */
    killNow(): void;
    /** Starts (again) on the same port, under a new node id or (`sameId`) the last one; resolves once it listens. */
    start(options?: { readonly sameId?: boolean }): Promise<void>;
    /** SIGTERM (drain), then wait for the exit. */
    stop(): Promise<void>;
    /** SIGSTOP: the process stalls, its sockets stay open. */
    pause(): void;
    /** SIGCONT. */
    resume(): void;
    /** Every connection of the node to the service stays open but carries nothing, both ways. */
    partition(link: StorageLink): void;
    heal(link: StorageLink): Promise<void>;
}

/**
 * A mediator node on a fixed free port; the node's JSON log goes to
 * `<logDir>/<name>.log`. It reaches Redis and PostgreSQL through TCP
 * proxies of its own, so that it alone can be partitioned from either.
 */
export async function createMediatorNode(spec: MediatorNodeSpec): Promise<MediatorNode> {
    const port = await freePort();
    const proxies = {
        redis: await proxyUrl(spec.redisUrl, 6379),
        postgres: await proxyUrl(spec.databaseUrl, 5432),
    };
    let node: MediatorProcess | undefined;
    let starts = 0;
    let paused = false;
    atExit(() => {
        if (node !== undefined && !hasExited(node.child)) {
            node.child.kill('SIGCONT');
            node.kill('SIGKILL');
        }
    });
    const renewMs = Math.max(100, Math.floor(spec.presenceTtlMs / 3));
    const running = (): boolean => node !== undefined && !hasExited(node.child);
    const nodeId = (): string => `${spec.name}-${starts}`;
    const start = async (options: { readonly sameId?: boolean } = {}): Promise<void> => {
        if (options.sameId !== true || starts === 0) starts += 1;
        paused = false;
        const log = openSync(join(spec.logDir, `${spec.name}.log`), 'a');
        try {
            node = await spawnMediator({
                // prettier-ignore
                args: [
                    '--host', '127.0.0.1',
                    '--port', String(port),
                    '--node-id', nodeId(),
                    '--redis-url', proxies.redis.url,
                    '--database-url', proxies.postgres.url,
                    '--presence-ttl-ms', String(spec.presenceTtlMs),
                    '--presence-renew-interval-ms', String(renewMs),
                    '--drain-window-ms', '1000',
                    '--log-level', 'warn',
                ],
                stderr: log,
                readyTimeoutMs: READY_TIMEOUT_MS,
            });
        } finally {
            closeSync(log);
        }
    };
    const signal = (name: NodeJS.Signals): void => {
        if (node !== undefined && running()) node.child.kill(name);
    };
    return {
        name: spec.name,
        port,
        url: `ws://127.0.0.1:${port}/`,
        get running() {
            return running();
        },
        get nodeId() {
            return nodeId();
        },
        get paused() {
            return paused;
        },
        kill: async () => {
            if (node === undefined || !running()) return;
            node.kill('SIGKILL');
            paused = false;
            await node.exited;
        },
        killNow: () => {
            signal('SIGKILL');
            paused = false;
        },
        start,
        stop: async () => {
            if (node === undefined || !running()) return;
            if (paused) signal('SIGCONT');
            paused = false;
            await node.stop(10_000);
        },
        pause: () => {
            signal('SIGSTOP');
            paused = true;
        },
        resume: () => {
            signal('SIGCONT');
            paused = false;
        },
        partition: (link) => proxies[link].proxy.blackhole(),
        heal: (link) => proxies[link].proxy.forward(),
    };
}

/** Removes the run directory (PostgreSQL files belong to another user, so force). */
export function removeRunDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
}
