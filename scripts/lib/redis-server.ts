/**
 * A throwaway redis-server on a free loopback port, with its append-only
 * file in its own directory (removed at exit): started, stopped, crashed
 * (SIGKILL) and restarted on the same port and data, as the tests, the
 * benchmarks and the chaos run need. One inline-command client reads PING
 * and INFO without a Redis library.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit, exited, freePort, hasExited, isMissingBinary, MissingBinaryError, sleep } from './processes.js';

const READY_TIMEOUT_MS = 10_000;

export type AppendFsync = 'always' | 'everysec';

export interface RedisServerOptions {
    /** AOF fsync policy; default `always`. */
    readonly appendfsync?: AppendFsync;
    /** Data directory (created when missing, kept); default: a new temporary one, removed at exit. */
    readonly dir?: string;
    /** Further redis-server arguments (after the defaults, so they override them). */
    readonly args?: readonly string[];
    /** Prefix of the temporary directory's name. */
    readonly name?: string;
    /** A program that runs redis-server (its arguments first), e.g. valgrind for an instruction count. */
    readonly wrapper?: readonly string[];
}

export interface RedisServer {
    readonly url: string;
    readonly port: number;
    /** Data directory (AOF), kept across restarts. */
    readonly dir: string;
    /** Process id of the current process, if running. */
    readonly pid: number | undefined;
    /** Whether the process is running. */
    readonly running: boolean;
    /** Graceful shutdown (SIGTERM); resolves once the process has exited. */
    stop(): Promise<void>;
    /** Crash (SIGKILL); resolves once the process has exited. */
    kill(): Promise<void>;
    /** Starts again on the same port and directory (stopping it first if running); resolves when it answers PING. */
    restart(): Promise<void>;
    /** Numeric fields of `INFO <section>`. */
    info(section: string): Promise<Record<string, number>>;
    /** `redis_version` of the server. */
    version(): Promise<string>;
}

/** Sends one inline command over a fresh connection; resolves the raw reply (status, error or bulk string). */
export function redisInline(port: number, command: string, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        let reply = '';
        const timer = setTimeout(() => done(new Error(`redis on port ${port}: no answer to ${command}`)), timeoutMs);
        function done(error?: Error): void {
            clearTimeout(timer);
            socket.destroy();
            if (error === undefined) resolve(reply);
            else reject(error);
        }
        socket.once('error', (error) => done(error));
        socket.once('connect', () => socket.write(`${command}\r\n`));
        socket.on('data', (chunk) => {
            reply += chunk.toString('latin1');
            if (reply.startsWith('+') || reply.startsWith('-') || reply.startsWith(':')) {
                if (reply.includes('\r\n')) done();
                return;
            }
            // A bulk string: $<length>\r\n<data>\r\n
            const header = reply.indexOf('\r\n');
            if (header < 0) return;
            const length = Number(reply.slice(1, header));
            if (length < 0 || Buffer.byteLength(reply, 'latin1') >= header + 2 + length + 2) done();
        });
    });
}

const INSTALL_HINT = 'install it with `bash scripts/setup.sh` (or set REDIS_URL to a Redis of your own)';

async function waitForPong(
    port: number,
    child: ChildProcess,
    spawnError: () => Error | undefined,
    logFile: string,
): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
        const failed = spawnError();
        if (failed !== undefined) {
            if (isMissingBinary(failed)) throw new MissingBinaryError('redis-server', INSTALL_HINT);
            throw new Error(`redis-server could not be started: ${failed.message}`);
        }
        if (hasExited(child)) {
            throw new Error(`redis-server on port ${port} exited during start-up (its log: ${logFile})`);
        }
        // LOADING (an AOF being replayed) is not ready yet.
        const answer = await redisInline(port, 'PING', 500).catch(() => '');
        if (answer.startsWith('+PONG')) return;
        await sleep(25);
    }
    throw new Error(`redis-server on port ${port} did not answer within ${READY_TIMEOUT_MS} ms`);
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
    const ownDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), `${options.name ?? 'd2m-redis'}-`));
    mkdirSync(dir, { recursive: true });
    let child: ChildProcess | undefined;
    atExit(() => {
        child?.kill('SIGKILL');
        if (ownDir) rmSync(dir, { recursive: true, force: true });
    });
    const launch = async (port: number): Promise<void> => {
        const [program, ...wrapperArgs] = [...(options.wrapper ?? []), 'redis-server'];
        const server = spawn(
            program,
            [
                ...wrapperArgs,
                '--port',
                String(port),
                '--bind',
                '127.0.0.1',
                '--appendonly',
                'yes',
                '--appendfsync',
                options.appendfsync ?? 'always',
                '--dir',
                dir,
                '--save',
                '',
                '--logfile',
                join(dir, 'redis.log'),
                ...(options.args ?? []),
            ],
            { stdio: 'ignore' },
        );
        let spawnError: Error | undefined;
        server.on('error', (error) => (spawnError = error));
        server.unref();
        child = server;
        try {
            await waitForPong(port, server, () => spawnError, join(dir, 'redis.log'));
        } catch (error) {
            server.kill('SIGKILL');
            throw error;
        }
    };
    let port = 0;
    for (let attempt = 0; ; attempt++) {
        port = await freePort();
        try {
            await launch(port);
            break;
        } catch (error) {
            // Another process may have taken the port between probing and binding.
            if (attempt >= 2 || error instanceof MissingBinaryError) throw error;
        }
    }
    const signal = async (name: NodeJS.Signals): Promise<void> => {
        const current = child;
        if (current === undefined) return;
        current.kill(name);
        await exited(current);
    };
    const info = async (section: string): Promise<Record<string, number>> => {
        const reply = await redisInline(port, `INFO ${section}`);
        const fields: Record<string, number> = {};
        for (const line of reply.split('\r\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const value = Number(line.slice(colon + 1));
            if (Number.isFinite(value)) fields[line.slice(0, colon)] = value;
        }
        return fields;
    };
    return {
        url: `redis://127.0.0.1:${port}`,
        port,
        dir,
        get pid() {
            return child !== undefined && !hasExited(child) ? child.pid : undefined;
        },
        get running() {
            return child !== undefined && !hasExited(child);
        },
        stop: () => signal('SIGTERM'),
        kill: () => signal('SIGKILL'),
        restart: async () => {
            await signal('SIGTERM');
            await launch(port);
        },
        info,
        version: async () => /redis_version:(\S+)/u.exec(await redisInline(port, 'INFO server'))?.[1] ?? 'unknown',
    };
}
