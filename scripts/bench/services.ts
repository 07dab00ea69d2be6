/**
 * The services a benchmark run starts for itself and removes at exit: two
 * redis-server instances (AOF `appendfsync always` and `everysec`, no RDB
 * snapshots), a throwaway PostgreSQL cluster, and a Mosquitto broker. Each listens on a free loopback port and keeps its data
 * in its own temporary directory. Also: per-process CPU time from /proc and
 * Redis `INFO` fields.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresServer } from '../lib/postgres-server.js';
import {
    atExit as registerAtExit,
    freePort,
    hasExited,
    MissingBinaryError,
    sleep,
    stopChild,
    tcpOpen,
} from '../lib/processes.js';
import { redisInline, startRedisServer, type AppendFsync } from '../lib/redis-server.js';

const READY_TIMEOUT_MS = 10_000;
const MOSQUITTO_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

// ---- cleanup at exit ----

let signalsHooked = false;

/** Registers a synchronous cleanup that runs when the process exits (also after SIGINT / SIGTERM). */
export function atExit(cleanup: () => void): void {
    registerAtExit(cleanup);
    if (signalsHooked) return;
    signalsHooked = true;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.once(signal, () => {
            process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
            process.exit(130);
        });
    }
}

export { freePort, sleep };

let clockTicks: number | undefined;

function ticksPerSecond(): number {
    if (clockTicks === undefined) {
        const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
        const parsed = Number(out.stdout?.trim());
        clockTicks = Number.isInteger(parsed) && parsed > 0 ? parsed : 100;
    }
    return clockTicks;
}

/**
 * User + system CPU seconds a process has used so far (Linux /proc), or NaN
 * when it cannot be read. Resolution: one clock tick (usually 10 ms).
 */
export function processCpuSeconds(pid: number | undefined): number {
    if (pid === undefined) return Number.NaN;
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
    } catch {
        return Number.NaN;
    }
}

/** Resident set size of a process in bytes (Linux /proc), or NaN. */
export function processRssBytes(pid: number | undefined): number {
    if (pid === undefined) return Number.NaN;
    try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const match = /^VmRSS:\s+(\d+)\s+kB/mu.exec(status);
        return match === null ? Number.NaN : Number(match[1]) * 1024;
    } catch {
        return Number.NaN;
    }
}

// ---- Redis ----

export type { AppendFsync };

export interface RedisInstance {
    readonly url: string;
    readonly port: number;
    readonly pid: number | undefined;
    readonly fsync: AppendFsync;
    readonly version: string;
    /** Numeric fields of `INFO <section>`. */
    info(section: string): Promise<Record<string, number>>;
    /** Lua script calls so far (EVAL, EVALSHA and FCALL, read-only variants included). */
    scriptCalls(): Promise<number>;
    stop(): Promise<void>;
}

const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Sum of the `calls` of the script commands in an `INFO commandstats` reply. */
export function scriptCallsOf(commandstats: string): number {
    let calls = 0;
    for (const line of commandstats.split('\n')) {
        const match = /^cmdstat_([a-z_]+):calls=(\d+)/u.exec(line.trim());
        if (match !== null && SCRIPT_COMMANDS.has(match[1]!)) calls += Number(match[2]);
    }
    return calls;
}

/** Starts a redis-server with the append-only file on and the given fsync policy. */
export async function startRedis(fsync: AppendFsync): Promise<RedisInstance> {
    const server = await startRedisServer({ appendfsync: fsync, name: `d2m-bench-redis-${fsync}` });
    return {
        url: server.url,
        port: server.port,
        pid: server.pid,
        fsync,
        version: await server.version(),
        info: (section) => server.info(section),
        scriptCalls: async () => scriptCallsOf(await redisInline(server.port, 'INFO commandstats')),
        stop: () => server.stop(),
    };
}

// ---- PostgreSQL ----

export interface ThrowawayDatabase {
    readonly url: string;
    readonly version: string;
    /** Stops the cluster (also done at exit, with its directory removed). */
    stop(): Promise<void>;
}

/** A private PostgreSQL cluster on a free loopback port (scripts/lib/postgres-server.ts), removed at exit. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
    const server = await startPostgresServer({ name: 'd2m-bench-postgres' });
    return { url: server.url, version: server.version, stop: () => server.stop() };
}

// ---- Mosquitto ----

export interface MosquittoInstance {
    readonly url: string;
    readonly port: number;
    readonly pid: number | undefined;
    readonly version: string;
    /** The configuration file's settings, for the report. */
    readonly settings: Readonly<Record<string, string>>;
    stop(): Promise<void>;
}

function findMosquitto(): string {
    for (const candidate of MOSQUITTO_CANDIDATES) {
        const probe = spawnSync(candidate, ['-h'], { encoding: 'utf8' });
        if (probe.error === undefined) return candidate;
    }
    const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
    const found = which.stdout?.trim();
    if (found !== undefined && found !== '') return found;
    throw new MissingBinaryError('mosquitto', 'install it with `bash scripts/setup.sh`');
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await tcpOpen(port))) {
        if (hasExited(child)) throw new Error(`mosquitto on port ${port} exited during start-up`);
        if (Date.now() > deadline) throw new Error(`mosquitto on port ${port} did not listen in time`);
        await sleep(25);
    }
}

/**
 * Starts Mosquitto on a free loopback port: anonymous clients, the
 * in-memory store saved to a file in a temporary directory every
 * `autosaveIntervalS` seconds when `persistence` is on, and no limits on
 * in-flight or queued QoS 1 messages (Mosquitto would otherwise drop QoS 1
 * messages beyond 1,000 queued per client, which the mediator never does).
 */
export async function startMosquitto(options: {
    readonly persistence: boolean;
    readonly autosaveIntervalS: number;
}): Promise<MosquittoInstance> {
    const binary = findMosquitto();
    const versionLine = spawnSync(binary, ['-h'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? '';
    const version = /version (\S+)/u.exec(versionLine)?.[1] ?? 'unknown';
    const dir = mkdtempSync(join(tmpdir(), 'd2m-bench-mosquitto-'));
    let child: ChildProcess | undefined;
    atExit(() => {
        child?.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
    });
    for (let attempt = 0; ; attempt++) {
        const port = await freePort();
        const settings: Record<string, string> = {
            listener: `${port} 127.0.0.1`,
            allow_anonymous: 'true',
            persistence: options.persistence ? 'true' : 'false',
            persistence_location: `${dir}/`,
            autosave_interval: String(options.autosaveIntervalS),
            max_inflight_messages: '0',
            max_queued_messages: '0',
            log_dest: 'none',
        };
        const configPath = join(dir, 'mosquitto.conf');
        writeFileSync(
            configPath,
            Object.entries(settings)
                .map(([key, value]) => `${key} ${value}\n`)
                .join(''),
        );
        const launched = spawn(binary, ['-c', configPath], { stdio: 'ignore' });
        launched.on('error', () => undefined);
        child = launched;
        try {
            await waitForPort(port, launched);
            return {
                url: `mqtt://127.0.0.1:${port}`,
                port,
                pid: launched.pid,
                version,
                settings,
                stop: () => stopChild(launched),
            };
        } catch (error) {
            launched.kill('SIGKILL');
            if (attempt >= 2) throw error;
        }
    }
}
