#!/usr/bin/env node
/**
 * The first step of `npm test`: are the programs the tests start for
 * themselves installed? The integration tests run their own throwaway
 * redis-server and PostgreSQL cluster (never the machine's own), so they
 * need the Redis server and the PostgreSQL server binaries, unless
 * REDIS_URL / DATABASE_URL point them at servers of the caller's.
 *
 * When something is missing and this process may install packages (root, or
 * password-less sudo), it runs scripts/setup.sh and says what it installs;
 * otherwise it stops at once with the command to run (`--no-install`: never
 * install, only report). Plain JavaScript, so it runs before anything is
 * built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function onPath(program) {
    const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
    return found.status === 0 && found.stdout.trim() !== '';
}

function hasPostgresServer() {
    const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' }).stdout?.trim();
    if (fromConfig && existsSync(join(fromConfig, 'initdb'))) return true;
    const root = '/usr/lib/postgresql';
    if (existsSync(root) && readdirSync(root).some((version) => existsSync(join(root, version, 'bin', 'initdb')))) {
        return true;
    }
    return onPath('initdb');
}

function given(name) {
    const value = process.env[name];
    return value !== undefined && value !== '';
}

/** What is missing, each with the Debian package that brings it. */
function missing() {
    const absent = [];
    // The Redis Cluster tests start their own servers unless REDIS_CLUSTER_URL is given.
    const needsRedis = !(given('REDIS_URL') && given('REDIS_CLUSTER_URL'));
    if (needsRedis && !onPath('redis-server')) absent.push({ what: 'redis-server', pkg: 'redis-server' });
    if (needsRedis && !onPath('redis-cli')) absent.push({ what: 'redis-cli', pkg: 'redis-tools' });
    if (!given('DATABASE_URL')) {
        if (!hasPostgresServer()) absent.push({ what: 'PostgreSQL server (initdb, pg_ctl)', pkg: 'postgresql' });
        else if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
            absent.push({ what: "the 'postgres' OS user (PostgreSQL refuses to run as root)", pkg: 'postgresql' });
        }
    }
    return absent;
}

function canInstall() {
    if (process.argv.includes('--no-install')) return { ok: false, sudo: false };
    if (process.getuid?.() === 0) return { ok: true, sudo: false };
    const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return { ok: sudo.status === 0, sudo: true };
}

const absent = missing();
if (absent.length > 0) {
    const names = absent.map((entry) => entry.what).join(', ');
    const hasApt = onPath('apt-get');
    const install = canInstall();
    if (hasApt && install.ok) {
        const packages = [...new Set(absent.map((entry) => entry.pkg))].join(' ');
        process.stderr.write(
            `npm test: ${names} not installed; installing ${packages} from the system packages ` +
                `with scripts/setup.sh${install.sudo ? ' (sudo)' : ''}\n`,
        );
        const command = install.sudo ? 'sudo' : 'bash';
        const args = install.sudo ? ['-n', 'bash', 'scripts/setup.sh'] : ['scripts/setup.sh'];
        const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
        const still = missing();
        if (result.status !== 0 || still.length > 0) {
            process.stderr.write(
                `npm test: scripts/setup.sh did not install ${still.map((entry) => entry.what).join(', ') || names}` +
                    ` (exit ${result.status ?? result.signal}); see its output above\n`,
            );
            process.exit(1);
        }
    } else {
        const packages = [...new Set(absent.map((entry) => entry.pkg))].join(' ');
        process.stderr.write(
            `npm test: ${names} not installed. The tests start their own throwaway Redis and PostgreSQL.\n` +
                (hasApt
                    ? `Install them with:\n\n    sudo bash scripts/setup.sh\n\n` +
                      `(or: sudo apt-get install ${packages}), then run npm test again.\n`
                    : `Install the packages that bring ${names}, then run npm test again.\n`) +
                `To use servers of your own instead, set REDIS_URL (and REDIS_CLUSTER_URL) and DATABASE_URL.\n`,
        );
        process.exit(1);
    }
}
