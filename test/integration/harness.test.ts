/**
 * The test harness on a fresh machine: it starts its own Redis and
 * PostgreSQL (never the machine's own), names a missing program instead of
 * failing obscurely, and `npm test` says what to install in its first second.
 */
import { spawnSync } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startPostgresServer } from '../../scripts/lib/postgres-server.js';
import { MissingBinaryError } from '../../scripts/lib/processes.js';
import { TcpProxy } from '../../scripts/lib/tcp-proxy.js';
import { startRedisServer } from '../../scripts/lib/redis-server.js';
import { pgp } from '../../src/storage/postgres/db.js';
import { getDatabaseUrl, getRedisUrl } from '../helpers/services.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PREFLIGHT = join(ROOT, 'scripts', 'preflight.mjs');

/** A directory holding only the named programs, for a PATH without Redis. */
function pathWith(programs: readonly string[]): { dir: string; remove: () => void } {
    const dir = mkdtempSync(join(tmpdir(), 'd2m-path-'));
    for (const program of programs) {
        const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).stdout.trim();
        if (found !== '') symlinkSync(found, join(dir, program));
    }
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function sourceFiles(dir: string): string[] {
    const files: string[] = [];
    for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
        else if (/\.(ts|mjs|cjs|js|sh)$/u.test(name)) files.push(path);
    }
    return files;
}

describe('test harness', function () {
    this.timeout(60_000);

    describe('npm test preflight', () => {
        it('stops at once, naming what is missing and the command that installs it', () => {
            const path = pathWith(['node', 'sh', 'id', 'apt-get']);
            try {
                const started = Date.now();
                const env: NodeJS.ProcessEnv = { ...process.env, PATH: path.dir };
                delete env.REDIS_URL;
                delete env.REDIS_CLUSTER_URL;
                const result = spawnSync(process.execPath, [PREFLIGHT, '--no-install'], { env, encoding: 'utf8' });
                expect(result.status).to.equal(1);
                expect(result.stderr).to.include('redis-server, redis-cli not installed');
                expect(result.stderr).to.include('sudo bash scripts/setup.sh');
                expect(result.stderr).to.include('sudo apt-get install redis-server redis-tools');
                expect(Date.now() - started).to.be.below(5_000);
            } finally {
                path.remove();
            }
        });

        it('passes when the programs are installed, or when the URLs name servers of the caller', () => {
            const path = pathWith(['node', 'sh', 'id']);
            try {
                const env = {
                    ...process.env,
                    PATH: path.dir,
                    REDIS_URL: 'redis://127.0.0.1:1',
                    REDIS_CLUSTER_URL: 'redis://127.0.0.1:2',
                    DATABASE_URL: 'postgres://127.0.0.1:3/x',
                };
                const withUrls = spawnSync(process.execPath, [PREFLIGHT, '--no-install'], { env, encoding: 'utf8' });
                expect(withUrls.stderr).to.equal('');
                expect(withUrls.status).to.equal(0);
            } finally {
                path.remove();
            }
            const installed = spawnSync(process.execPath, [PREFLIGHT, '--no-install'], { encoding: 'utf8' });
            expect(installed.status, installed.stderr).to.equal(0);
        });
    });

    describe('missing programs', () => {
        it('names a missing redis-server (ENOENT) instead of "exited during start-up"', async () => {
            const path = pathWith(['sh']);
            const saved = process.env.PATH;
            process.env.PATH = path.dir;
            try {
                const error = await startRedisServer().then(
                    () => undefined,
                    (failure: unknown) => failure,
                );
                expect(error).to.be.instanceOf(MissingBinaryError);
                expect((error as Error).message).to.match(/^redis-server not found \(ENOENT\): .*scripts\/setup\.sh/u);
            } finally {
                process.env.PATH = saved;
                path.remove();
            }
        });
    });

    describe('own services', () => {
        it("runs its own PostgreSQL and Redis on free ports, not the machine's 5432 and 6379", async function () {
            if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '') this.skip();
            if (process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '') this.skip();
            const [databaseUrl, redisUrl] = await Promise.all([getDatabaseUrl(), getRedisUrl()]);
            expect(new URL(databaseUrl).port).to.not.be.oneOf(['', '5432']);
            expect(new URL(redisUrl).port).to.not.be.oneOf(['', '6379']);
        });

        it('starts a throwaway PostgreSQL cluster that accepts connections and survives an immediate stop', async () => {
            const server = await startPostgresServer({ name: 'd2m-harness-test' });
            try {
                const query = async (): Promise<number> => {
                    const db = pgp({ connectionString: server.url, max: 1 });
                    try {
                        return (await db.one<{ n: number }>('SELECT 41 + 1 AS n')).n;
                    } finally {
                        await db.$pool.end();
                    }
                };
                expect(await query()).to.equal(42);
                await server.crash();
                expect(server.running).to.equal(false);
                await server.start();
                expect(await query()).to.equal(42);
            } finally {
                await server.stop();
            }
        });

        it("no test, benchmark or chaos source connects to a default port of the machine's own services", () => {
            // The harness starts its own servers on free ports; a hard-coded 5432 or 6379 in a URL or a
            // connect call would quietly use (and depend on) whatever the machine runs there.
            const offenders: string[] = [];
            for (const file of [...sourceFiles(join(ROOT, 'test')), ...sourceFiles(join(ROOT, 'scripts'))]) {
                if (file.endsWith('harness.test.ts')) continue;
                const lines = readFileSync(file, 'utf8').split('\n');
                lines.forEach((line, index) => {
                    if (!/(:|port\s*[:=]\s*|-p\s+)(5432|6379)\b/u.test(line)) return;
                    // Configuration values that are parsed, never connected to.
                    if (/config|loadConfig|parseSeeds|'redis:\/\/r:6379'/u.test(line) || file.includes('/unit/config/'))
                        return;
                    offenders.push(`${file.slice(ROOT.length)}:${index + 1}: ${line.trim()}`);
                });
            }
            expect(offenders).to.deep.equal([]);
        });
    });

    describe('TCP proxy', () => {
        it('forwards, blackholes both ways while keeping the connection open, then passes on what waited', async () => {
            const echo = createServer((socket) => socket.pipe(socket));
            await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
            const address = echo.address();
            const proxy = await TcpProxy.start({
                host: '127.0.0.1',
                port: typeof address === 'object' && address !== null ? address.port : 0,
            });
            const client: Socket = createConnection({ host: '127.0.0.1', port: proxy.port });
            let received = '';
            let closed = false;
            client.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
            client.once('close', () => (closed = true));
            const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
            try {
                await new Promise<void>((resolve) => client.once('connect', () => resolve()));
                client.write('one;');
                await settle(200);
                expect(received).to.equal('one;');
                proxy.blackhole();
                expect(proxy.mode).to.equal('blackhole');
                client.write('held;');
                await settle(300);
                expect(received).to.equal('one;');
                expect(closed).to.equal(false);
                // A connection opened during the partition waits too.
                const late: Socket = createConnection({ host: '127.0.0.1', port: proxy.port });
                let lateReceived = '';
                late.setEncoding('utf8').on('data', (chunk: string) => (lateReceived += chunk));
                late.write('late;');
                await settle(300);
                expect(lateReceived).to.equal('');
                await proxy.forward();
                client.write('two;');
                await settle(300);
                expect(received).to.equal('one;held;two;');
                expect(lateReceived).to.equal('late;');
                expect(closed).to.equal(false);
                late.destroy();
            } finally {
                client.destroy();
                await proxy.stop();
                await new Promise<void>((resolve) => echo.close(() => resolve()));
            }
        });
    });
});
