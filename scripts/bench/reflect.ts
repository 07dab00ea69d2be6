/**
 * A short reflection-throughput run: an in-process mediator on the embedded
 * backend or on Redis + PostgreSQL, G groups of D devices connected through
 * the device SDK over loopback WebSockets; one device per group reflects
 * 256-byte envelopes with a window of W unacknowledged reflections while the
 * others receive and acknowledge. Prints reflects/s and deliveries/s.
 *
 * Usage: node dist/scripts/bench/reflect.js [--backend embedded|redis]
 *          [--redis-url URL --database-url URL] [--groups 20] [--devices 4]
 *          [--window 32] [--seconds 5]
 * The full benchmark suite (scripts/bench, issue "Benchmarks") builds on this.
 */
import { randomBytes } from 'node:crypto';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import { buildConfig } from '../../src/config/config.js';
import { sodiumCryptoBackend } from '../../src/crypto/index.js';
import { DeviceClient } from '../../src/device/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { startMediatorServer } from '../../src/mediator-server.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';

interface Options {
    backend: 'embedded' | 'redis';
    redisUrl: string | undefined;
    databaseUrl: string | undefined;
    groups: number;
    devices: number;
    window: number;
    seconds: number;
}

function parse(argv: readonly string[]): Options {
    const options: Options = {
        backend: 'embedded',
        redisUrl: undefined,
        databaseUrl: undefined,
        groups: 20,
        devices: 4,
        window: 32,
        seconds: 5,
    };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
        const value = inline ?? argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        switch (flag) {
            case '--backend':
                if (value !== 'embedded' && value !== 'redis') throw new Error('--backend is embedded or redis');
                options.backend = value;
                break;
            case '--redis-url':
                options.redisUrl = value;
                break;
            case '--database-url':
                options.databaseUrl = value;
                break;
            case '--groups':
            case '--devices':
            case '--window':
            case '--seconds': {
                const number = Number(value);
                if (!Number.isInteger(number) || number <= 0) throw new Error(`${flag} must be a positive integer`);
                options[flag.slice(2) as 'groups' | 'devices' | 'window' | 'seconds'] = number;
                break;
            }
            default:
                throw new Error(`unknown argument ${flag}`);
        }
    }
    return options;
}

async function backendFor(options: Options): Promise<StorageBackend> {
    if (options.backend === 'embedded') return createMemoryBackend();
    if (options.redisUrl === undefined || options.databaseUrl === undefined) {
        throw new Error('--backend redis needs --redis-url and --database-url');
    }
    const { createRedisPostgresBackend } = await import('../../src/storage/redis-postgres-backend.js');
    return createRedisPostgresBackend({ redisUrl: options.redisUrl, databaseUrl: options.databaseUrl, migrate: true });
}

async function main(): Promise<void> {
    const options = parse(process.argv.slice(2));
    const backend = await backendFor(options);
    const server = await startMediatorServer({
        config: buildConfig({ host: '127.0.0.1', port: 0, logLevel: 'silent' }),
        backend,
        crypto: sodiumCryptoBackend,
        logger: silentLogger,
    });
    const url = `ws://127.0.0.1:${server.port}/`;
    let deliveries = 0;
    const senders: DeviceClient[] = [];
    const clients: DeviceClient[] = [];
    for (let g = 0; g < options.groups; g++) {
        const keys = deriveDeviceGroupKeys(sodiumCryptoBackend, randomBytes(32));
        for (let d = 1; d <= options.devices; d++) {
            const client = await DeviceClient.connect({
                url,
                keys,
                serverGroup: '4f',
                deviceId: BigInt(d),
                crypto: sodiumCryptoBackend,
            });
            client.on('reflected', () => void deliveries++);
            clients.push(client);
            if (d === 1) senders.push(client);
        }
    }
    const envelope = randomBytes(256);
    let reflects = 0;
    let running = true;
    const started = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const loops = senders.map(async (sender) => {
        const inFlight = new Set<Promise<number>>();
        while (running) {
            const pending = sender.reflect(envelope);
            inFlight.add(pending);
            void pending.then(() => {
                inFlight.delete(pending);
                reflects++;
            });
            if (inFlight.size >= options.window) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
    });
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    running = false;
    await Promise.all(loops);
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
    await backend.close();
    const rate = (count: number): string => Math.round(count / elapsedS).toLocaleString('en-US');
    console.log(
        `backend ${backend.kind}, ${options.groups} groups x ${options.devices} devices, window ${options.window}`,
    );
    console.log(`| reflects/s | deliveries/s | seconds | process CPU s (mediator + clients) |`);
    console.log(`|---:|---:|---:|---:|`);
    console.log(
        `| ${rate(reflects)} | ${rate(deliveries)} | ${elapsedS.toFixed(1)} | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} |`,
    );
}

await main();
