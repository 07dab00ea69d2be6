/**
 * `npm run bench`: the mediator's benchmark suite, with a peer broker in the
 * same run (docs/benchmarks.md).
 *
 * For every round, and for each configuration in a rotating order, the
 * harness (this process: the load generator) forks a fresh mediator child
 * process (mediator-child.ts) and runs against it, over loopback WebSockets
 * with the device SDK:
 *   3. idle connections (first, on the fresh process: a process that served
 *      load keeps returning memory to the system for a while, which would
 *      hide what the connections add),
 *   1. handshake storm (first login, then reconnect storms: the first, and the median of three more),
 *   2. reflect fan-out (closed loop, then open loop at half the measured maximum),
 *   4. offline drain.
 * Configurations: the embedded backend; Redis (AOF, `appendfsync always`) +
 * PostgreSQL; Redis (`appendfsync everysec`) + PostgreSQL; and Mosquitto
 * (MQTT QoS 1, persistent sessions) for scenario 2 only. Redis, PostgreSQL
 * and Mosquitto are started (a throwaway PostgreSQL cluster) and
 * removed by the run.
 *
 * Output: the markdown table on stdout (progress on stderr) and every raw
 * figure in `.bench/results-<timestamp>.json`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LoadGenerator, SATURATED_CORE_SHARE, type CpuProbe } from './load-generator.js';
import type { FleetSpec } from './load-protocol.js';
import { cpuSeconds, MediatorChild, type ChildSpec } from './mediator-protocol.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import {
    CONFIG_IDS,
    CONFIG_LABELS,
    evaluate,
    renderTable,
    rowSpecs,
    verdicts,
    type ConfigId,
    type FanoutPair,
    type MediatorConfigId,
    type RoundResult,
} from './report.js';
import { handshakeStorm, idleConnections, offlineDrain } from './scenarios.js';
import {
    atExit,
    createThrowawayDatabase,
    processCpuSeconds,
    startMosquitto,
    startRedis,
    type MosquittoInstance,
    type RedisInstance,
    type ThrowawayDatabase,
} from './services.js';
import { formatNumber } from './stats.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MOSQUITTO_SETTINGS = { persistence: true, autosaveIntervalS: 1 } as const;

interface Services {
    readonly redis: Partial<Record<'always' | 'everysec', RedisInstance>>;
    readonly database: ThrowawayDatabase | undefined;
    readonly mosquitto: MosquittoInstance | undefined;
}

function log(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

async function startServices(options: BenchOptions): Promise<Services> {
    const wantsRedis = options.configs.some((config) => config.startsWith('redis-'));
    const redis: Services['redis'] = {};
    if (options.configs.includes('redis-always')) redis.always = await startRedis('always');
    if (options.configs.includes('redis-everysec')) redis.everysec = await startRedis('everysec');
    const database = wantsRedis ? await createThrowawayDatabase() : undefined;
    const mosquitto =
        options.configs.includes('mosquitto') && options.scenarios.includes('fanout')
            ? await startMosquitto(MOSQUITTO_SETTINGS)
            : undefined;
    return { redis, database, mosquitto };
}

function redisOf(services: Services, config: MediatorConfigId): RedisInstance | undefined {
    if (config === 'redis-always') return services.redis.always;
    if (config === 'redis-everysec') return services.redis.everysec;
    return undefined;
}

function childSpec(services: Services, config: MediatorConfigId): ChildSpec {
    if (config === 'embedded') return { backend: 'embedded' };
    const redis = redisOf(services, config);
    if (redis === undefined || services.database === undefined) throw new Error(`${config}: services missing`);
    return { backend: 'redis-postgres', redisUrl: redis.url, databaseUrl: services.database.url };
}

let currentGenerator: LoadGenerator | undefined;

/**
 * Closed loop, then open loop at half the closed loop's reflects/s, on one
 * fleet spread over the load generator's processes.
 */
async function fanout(
    options: BenchOptions,
    spec: (groups: number, index: number) => FleetSpec,
    probe: CpuProbe,
): Promise<FanoutPair> {
    const { sizes } = options;
    const generator = await LoadGenerator.start(sizes.groups, options.generatorProcesses, spec);
    currentGenerator = generator;
    try {
        const closed =
            options.openRate === undefined
                ? await generator.closedLoop({
                      window: sizes.window,
                      warmupMs: sizes.warmupMs,
                      measureMs: sizes.closedMs,
                      probe,
                  })
                : undefined;
        const rate = options.openRate ?? (closed?.reflectsPerS ?? 0) / 2;
        const open =
            rate > 0
                ? await generator.openLoop({
                      ratePerS: rate,
                      // After the closed loop the mediator is warm; alone (`--open-rate`) it starts cold, and its
                      // first second at a fixed rate is slower (compiling, growing the heap).
                      warmupMs: closed === undefined ? 2 * sizes.warmupMs : Math.min(sizes.warmupMs, 500),
                      measureMs: sizes.openMs,
                      maxOutstanding: Math.max(5000, Math.round(rate * 2)),
                      probe,
                  })
                : undefined;
        return { closed, open };
    } finally {
        await generator.close();
        currentGenerator = undefined;
    }
}

let currentChild: MediatorChild | undefined;

async function runMediator(
    config: MediatorConfigId,
    round: number,
    options: BenchOptions,
    services: Services,
    profileDir: string | undefined,
): Promise<RoundResult> {
    const { sizes, scenarios } = options;
    const result: RoundResult = { round, config, errors: {}, seconds: {} };
    const execArgv =
        profileDir === undefined
            ? []
            : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${config}-round${round}.cpuprofile`];
    const child = await MediatorChild.start(childSpec(services, config), execArgv);
    currentChild = child;
    const redis = redisOf(services, config);
    const attempt = async (name: string, run: () => Promise<void>): Promise<void> => {
        if (!scenarios.includes(name as never)) return;
        const t0 = performance.now();
        try {
            await run();
        } catch (error) {
            result.errors[name] = errorText(error);
            log(`round ${round} ${config} ${name} failed: ${errorText(error)}`);
            await child.waitForSessions(0, 10_000).catch(() => undefined);
        } finally {
            result.seconds[name] = (performance.now() - t0) / 1000;
        }
    };
    try {
        await attempt('idle', async () => {
            result.idle = await idleConnections(child, sizes.idleDevices, sizes.devicesPerGroup, sizes.idleConcurrency);
        });
        await attempt('handshake', async () => {
            result.handshake = await handshakeStorm(child, sizes.stormDevices, sizes.devicesPerGroup);
        });
        await attempt('fanout', async () => {
            result.fanout = await fanout(
                options,
                (groups) => ({
                    target: 'mediator',
                    client: options.generator,
                    url: child.url,
                    groups,
                    devicesPerGroup: sizes.devicesPerGroup,
                }),
                {
                    server: async () => cpuSeconds(await child.sample()),
                    storage: () => processCpuSeconds(redis?.pid),
                    scriptCalls: async () => (redis === undefined ? Number.NaN : redis.scriptCalls()),
                },
            );
            await child.waitForSessions(0, 15_000);
        });
        await attempt('drain', async () => {
            const storage =
                redis === undefined
                    ? {
                          measure: 'mediator heapUsed + external after full GC',
                          bytes: async () => {
                              const sample = await child.sample(true);
                              return sample.heapUsedBytes + sample.externalBytes;
                          },
                      }
                    : {
                          measure: 'Redis INFO memory used_memory',
                          bytes: async () => (await redis.info('memory')).used_memory ?? Number.NaN,
                      };
            result.drain = await offlineDrain(
                child,
                sizes.drainReflections,
                sizes.drainFillMs,
                sizes.drainWindow,
                storage,
            );
        });
    } finally {
        await child.stop();
        currentChild = undefined;
    }
    return result;
}

async function runMosquitto(round: number, options: BenchOptions, mosquitto: MosquittoInstance): Promise<RoundResult> {
    const result: RoundResult = { round, config: 'mosquitto', errors: {}, seconds: {} };
    const { sizes } = options;
    const runId = `r${round}-${randomBytes(3).toString('hex')}`;
    const t0 = performance.now();
    try {
        result.fanout = await fanout(
            options,
            (groups, index) => ({
                target: 'mqtt',
                url: mosquitto.url,
                runId: `${runId}-w${index}`,
                groups,
                devicesPerGroup: sizes.devicesPerGroup,
            }),
            {
                server: () => Promise.resolve(processCpuSeconds(mosquitto.pid)),
                storage: () => Number.NaN,
                scriptCalls: () => Promise.resolve(Number.NaN),
            },
        );
    } catch (error) {
        result.errors.fanout = errorText(error);
        log(`round ${round} mosquitto fanout failed: ${errorText(error)}`);
    }
    result.seconds.fanout = (performance.now() - t0) / 1000;
    return result;
}

function progress(result: RoundResult): string {
    const parts: string[] = [];
    if (result.idle !== undefined) {
        parts.push(`idle ${formatNumber(result.idle.rssPerConnectionBytes / 1024, 1)} KiB RSS/connection`);
    }
    if (result.handshake !== undefined) {
        parts.push(
            `reconnect storm ${formatNumber(result.handshake.reconnect.handshakesPerS)}/s, ` +
                `warm ${formatNumber(result.handshake.reconnectWarm.handshakesPerS)}/s`,
        );
    }
    if (result.fanout !== undefined) {
        const { closed, open } = result.fanout;
        if (closed !== undefined) {
            parts.push(`fan-out ${formatNumber(closed.deliveriesPerS)} deliveries/s`);
            if (closed.generatorSaturated) parts.push('load generator SATURATED');
            if (Number.isFinite(closed.scriptCallsPerReflection)) {
                parts.push(`${formatNumber(closed.scriptCallsPerReflection, 2)} Lua calls/reflection`);
            }
        }
        if (open !== undefined) parts.push(`open loop p99 ${formatNumber(open.latency.p99Ms, 2)} ms`);
    }
    if (result.drain !== undefined) parts.push(`drain ${formatNumber(result.drain.drainPerS)}/s`);
    const failed = Object.keys(result.errors);
    if (failed.length > 0) parts.push(`FAILED: ${failed.join(', ')}`);
    return `round ${result.round} ${CONFIG_LABELS[result.config]}: ${parts.join(', ')}`;
}

function timestamp(): string {
    return new Date().toISOString().replace(/[:.]/gu, '-');
}

function gitCommit(): string | undefined {
    const out = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
    return out.status === 0 ? out.stdout.trim() : undefined;
}

/** Notes under the table: failures and payloads that never arrived. */
function anomalies(rounds: readonly RoundResult[][]): string[] {
    const notes: string[] = [];
    for (const round of rounds) {
        for (const result of round) {
            const label = `round ${result.round} ${CONFIG_LABELS[result.config]}`;
            for (const [scenario, message] of Object.entries(result.errors)) {
                notes.push(`${label}: ${scenario} failed: ${message}`);
            }
            for (const run of [result.fanout?.closed, result.fanout?.open]) {
                if (run === undefined) continue;
                if (run.generatorSaturated) {
                    const shares = run.generatorCoreShares.map((share) => share.toFixed(2)).join(', ');
                    notes.push(
                        `${label}: fan-out ${run.mode} loop: load generator saturated (process core shares ${shares}); ` +
                            'its figures may measure the generator, not the server',
                    );
                }
                if (run.missing > 0 || run.errors > 0 || run.unexpected > 0 || run.overloaded) {
                    notes.push(
                        `${label}: fan-out ${run.mode} loop: ${run.missing} missing, ${run.errors} failed sends, ` +
                            `${run.unexpected} unexpected deliveries${run.overloaded ? ', sender overloaded' : ''}`,
                    );
                }
            }
            for (const storm of [
                result.handshake?.firstLogin,
                result.handshake?.reconnect,
                result.handshake?.reconnectWarm,
            ]) {
                if (storm !== undefined && storm.failed > 0) {
                    notes.push(`${label}: ${storm.failed} handshakes failed (${storm.firstError ?? 'unknown'})`);
                }
            }
            if (result.drain !== undefined && result.drain.drained < result.drain.queued) {
                notes.push(`${label}: drained ${result.drain.drained} of ${result.drain.queued}`);
            }
        }
    }
    return notes;
}

async function main(): Promise<void> {
    let options: BenchOptions;
    try {
        options = parseOptions(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`${errorText(error)}\n${USAGE}\n`);
        process.exit(2);
    }
    const started = new Date();
    const stamp = timestamp();
    const benchDir = join(REPO_ROOT, '.bench');
    mkdirSync(benchDir, { recursive: true });
    const profileDir = options.profile ? join(benchDir, `profiles-${stamp}`) : undefined;
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    atExit(() => currentChild?.kill());
    atExit(() => currentGenerator?.kill());
    const loadStart = loadavg();

    log(`starting services for ${options.configs.join(', ')}`);
    const services = await startServices(options);
    const mediatorConfigs = options.configs.filter((config): config is MediatorConfigId => config !== 'mosquitto');
    const order: ConfigId[] = [...mediatorConfigs];
    if (services.mosquitto !== undefined) order.push('mosquitto');

    const rounds: RoundResult[][] = [];
    for (let round = 1; round <= options.rounds; round++) {
        const results: RoundResult[] = [];
        // Rotate the order every round so no configuration always runs first or last.
        const shift = (round - 1) % order.length;
        for (const config of [...order.slice(shift), ...order.slice(0, shift)]) {
            const result =
                config === 'mosquitto'
                    ? await runMosquitto(round, options, services.mosquitto!)
                    : await runMediator(config, round, options, services, profileDir);
            results.push(result);
            log(progress(result));
        }
        rounds.push(results);
    }

    const specs = rowSpecs({
        stormDevices: options.sizes.stormDevices,
        groups: options.sizes.groups,
        devicesPerGroup: options.sizes.devicesPerGroup,
        window: options.sizes.window,
        idleDevices: options.sizes.idleDevices,
        drainReflections: options.sizes.drainReflections,
        openRate: options.openRate,
    });
    const outputs = evaluate(specs, rounds, order);
    const wanted = specs
        .map((spec, index) => ({ spec, output: outputs[index]! }))
        .filter(({ output }) => Object.values(output.cells).some((cell) => cell.n > 0));
    const shown = CONFIG_IDS.filter((config) => order.includes(config));
    const table = renderTable(
        wanted.map(({ spec }) => spec),
        wanted.map(({ output }) => output),
        shown,
    );
    const elapsedS = (Date.now() - started.getTime()) / 1000;
    const loadEnd = loadavg();
    const cpu = cpus();
    const meta = {
        started: started.toISOString(),
        elapsedS,
        mode: options.quick ? 'quick' : 'default',
        rounds: options.rounds,
        generator: options.generator,
        generatorProcesses: options.generatorProcesses,
        node: process.version,
        cpu: `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}`,
        memoryGiB: totalmem() / 1024 ** 3,
        loadavgStart: loadStart,
        loadavgEnd: loadEnd,
        commit: gitCommit(),
        redis: services.redis.always?.version ?? services.redis.everysec?.version,
        postgres: services.database?.version,
        mosquitto:
            services.mosquitto === undefined
                ? undefined
                : { version: services.mosquitto.version, settings: services.mosquitto.settings },
    };

    const mosquittoLine =
        services.mosquitto === undefined
            ? ''
            : `; Mosquitto ${services.mosquitto.version} (MQTT 3.1.1 over TCP, QoS 1, clean session off, ` +
              `persistence ${MOSQUITTO_SETTINGS.persistence ? 'on' : 'off'}, autosave every ` +
              `${MOSQUITTO_SETTINGS.autosaveIntervalS} s, no per-message fsync)`;
    const lines = [
        `## d2m-mediator benchmark (${meta.mode}, ${options.rounds} rounds, ${formatNumber(elapsedS)} s)`,
        '',
        `${meta.cpu}, Node ${meta.node}, load average ${loadStart[0]!.toFixed(2)} at start, ` +
            `${loadEnd[0]!.toFixed(2)} at end${meta.commit === undefined ? '' : `, commit ${meta.commit}`}`,
        `Redis ${meta.redis ?? '–'} (AOF on, appendfsync always / everysec, no RDB), ` +
            `PostgreSQL ${meta.postgres ?? '–'}${mosquittoLine}.`,
        'Cells: median (min–max) over the rounds; ratios are per round against Mosquitto in the same round. ' +
            'Targets are judged on the median. Fan-out payloads are 256 bytes; open-loop latency counts from the ' +
            'scheduled send time.',
        `Fan-out load generator: ${options.generatorProcesses} processes of ` +
            (options.generator === 'lean'
                ? 'lean devices (the real protocol and acknowledgements, opaque envelopes, no encryption)'
                : 'device SDK clients (encrypting and decrypting every envelope)') +
            `; a process busier than ${SATURATED_CORE_SHARE} of a core marks its configuration as saturated.`,
        '',
        table,
        '',
    ];
    const verdictList = verdicts(wanted.map(({ output }) => output));
    if (verdictList.length > 0) {
        const met = verdictList.filter((entry) => entry.verdict === 'met').length;
        lines.push(`Targets: ${met} of ${verdictList.length} met.`);
        for (const entry of verdictList.filter((item) => item.verdict !== 'met')) {
            lines.push(`- ${entry.verdict}: ${entry.metric} (${CONFIG_LABELS[entry.config]})`);
        }
    }
    const notes = anomalies(rounds);
    if (notes.length > 0) {
        lines.push('', 'Anomalies:');
        for (const note of notes) lines.push(`- ${note}`);
    }
    const outPath = options.out === undefined ? join(benchDir, `results-${stamp}.json`) : resolve(options.out);
    writeFileSync(
        outPath,
        `${JSON.stringify(
            { meta, options, rows: wanted.map(({ output }) => output), rounds, table: lines.join('\n') },
            null,
            2,
        )}\n`,
    );
    lines.push('', `Results: ${outPath}${profileDir === undefined ? '' : `; CPU profiles: ${profileDir}`}`);
    process.stdout.write(`${lines.join('\n')}\n`);

    await Promise.all([services.redis.always?.stop(), services.redis.everysec?.stop(), services.mosquitto?.stop()]);
    await services.database?.stop();
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
    },
);
