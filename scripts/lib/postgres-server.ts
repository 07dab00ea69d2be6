/**
 * A throwaway PostgreSQL cluster on a free loopback port, for the tests,
 * the benchmarks and the chaos run: `initdb` into a fresh data directory,
 * trust authentication (only this machine's loopback and the cluster's own
 * socket directory can reach it), started with `pg_ctl`, stopped (and its
 * directory removed) at exit. It never touches a PostgreSQL the machine
 * already runs, nor how that one is configured.
 *
 * PostgreSQL refuses to run as root, so when this process is root the
 * server tools run as the `postgres` OS user (created by Debian's
 * PostgreSQL packages) through `runuser`.
 */
import { spawnSync } from 'node:child_process';
import {
    chmodSync,
    chownSync,
    closeSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    openSync,
    readdirSync,
    rmSync,
    statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { atExit, freePort, isMissingBinary, MissingBinaryError, sleep, tcpOpen } from './processes.js';

const READY_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 90_000;

const INSTALL_HINT = 'install the PostgreSQL server with `bash scripts/setup.sh` (or set DATABASE_URL)';

/**
 * The directory of `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`
 * when it has them, else the newest `/usr/lib/postgresql/<version>/bin`
 * (Debian keeps the server tools off PATH).
 */
export function postgresBinDir(): string {
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
    const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout?.trim();
    if (onPath !== undefined && onPath !== '') return join(onPath, '..');
    throw new MissingBinaryError('initdb', INSTALL_HINT);
}

interface OsUser {
    readonly uid: number;
    readonly gid: number;
}

function postgresOsUser(): OsUser {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout?.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout?.trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || String(uid) === '') {
        throw new Error(`running as root, but there is no 'postgres' OS user to run PostgreSQL as: ${INSTALL_HINT}`);
    }
    return { uid, gid };
}

export interface PostgresServerOptions {
    /** Directory for the data, socket and log (created; kept). Default: a new temporary one, removed at exit. */
    readonly dir?: string;
    /** Prefix of the temporary directory's name. */
    readonly name?: string;
    /** `max_connections` of the server; default 200. */
    readonly maxConnections?: number;
}

export interface PostgresServer {
    /** Superuser URL of the `postgres` database: `postgres://postgres@127.0.0.1:<port>/postgres`. */
    readonly url: string;
    readonly port: number;
    /** Server version, for example `15.14`. */
    readonly version: string;
    readonly running: boolean;
    /** Immediate shutdown (no checkpoint: the next start runs crash recovery). */
    crash(): Promise<void>;
    /** Starts again on the same port and data; resolves once it accepts connections. */
    start(): Promise<void>;
    /** Fast shutdown. */
    stop(): Promise<void>;
}

/** Starts a private PostgreSQL cluster; see the file comment. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const binDir = postgresBinDir();
    const asRoot = process.getuid?.() === 0;
    const owner = asRoot ? postgresOsUser() : undefined;
    const ownDir = options.dir === undefined;
    const root = options.dir ?? mkdtempSync(join(tmpdir(), `${options.name ?? 'd2m-postgres'}-`));
    const dataDir = join(root, 'data');
    const socketDir = join(root, 'socket');
    const logFile = join(root, 'postgres.log');
    mkdirSync(socketDir, { recursive: true });
    closeSync(openSync(logFile, 'a'));
    if (owner !== undefined) {
        // The postgres user must be able to reach and write its directories: a caller's temporary
        // parent directories (mkdtemp makes them 0700) get search permission for others.
        for (let parent = dirname(root); parent.startsWith(`${tmpdir()}/`); parent = dirname(parent)) {
            chmodSync(parent, statSync(parent).mode | 0o001);
        }
        chmodSync(root, 0o755);
        for (const path of [root, socketDir, logFile]) chownSync(path, owner.uid, owner.gid);
    }

    const run = (tool: string, args: readonly string[], check = true): void => {
        const binary = join(binDir, tool);
        const [command, argv] =
            owner !== undefined ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
        const result = spawnSync(command, argv, { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
        if (isMissingBinary(result.error)) {
            throw new MissingBinaryError(command, INSTALL_HINT);
        }
        if (check && result.status !== 0) {
            const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim();
            throw new Error(`${tool} failed (${result.status ?? result.signal ?? result.error?.message}): ${output}`);
        }
    };

    run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    const port = await freePort();
    const maxConnections = options.maxConnections ?? 200;
    const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=${maxConnections}`;
    let running = false;
    const stopWith = (mode: 'immediate' | 'fast'): void => {
        run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop'], false);
        running = false;
    };
    atExit(() => {
        if (running) stopWith('immediate');
        if (ownDir) rmSync(root, { recursive: true, force: true });
    });
    const start = async (): Promise<void> => {
        run('pg_ctl', ['-D', dataDir, '-o', serverOptions, '-l', logFile, '-w', '-t', '60', 'start']);
        running = true;
        const deadline = Date.now() + READY_TIMEOUT_MS;
        while (!(await tcpOpen(port))) {
            if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not accept connections in time`);
            await sleep(50);
        }
    };
    await start();
    const versionOut = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout ?? '';
    return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        version: /(\d+(\.\d+)?)/u.exec(versionOut)?.[1] ?? 'unknown',
        get running() {
            return running;
        },
        crash: async () => {
            stopWith('immediate');
            await Promise.resolve();
        },
        start,
        stop: async () => {
            if (running) stopWith('fast');
            await Promise.resolve();
        },
    };
}
