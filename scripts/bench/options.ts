/**
 * Command line of `npm run bench`: presets for the default run (about five
 * minutes) and `--quick` (under one minute), and overrides. Pure.
 */
import { CONFIG_IDS, type ConfigId } from './report.js';

export const SCENARIOS = ['handshake', 'fanout', 'idle', 'drain'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Sizes {
    /** Handshake storm: devices that connect at once. */
    readonly stormDevices: number;
    /** Fan-out: groups, devices per group (one sender), unacknowledged payloads per sender. */
    readonly groups: number;
    readonly devicesPerGroup: number;
    readonly window: number;
    readonly warmupMs: number;
    /** Measurement window of the closed loop and of the open loop. */
    readonly closedMs: number;
    readonly openMs: number;
    /** Idle connections: devices, and how many connect at a time. */
    readonly idleDevices: number;
    readonly idleConcurrency: number;
    /**
     * Offline drain: reflections queued for the offline device (at most;
     * filling stops after `drainFillMs`), and the sender's window.
     */
    readonly drainReflections: number;
    readonly drainFillMs: number;
    readonly drainWindow: number;
}

export interface BenchOptions {
    readonly quick: boolean;
    readonly rounds: number;
    readonly configs: readonly ConfigId[];
    readonly scenarios: readonly Scenario[];
    /** Run the mediator with `--cpu-prof`; profiles go to `.bench/profiles-<timestamp>/`. */
    readonly profile: boolean;
    /** JSON output path; default `.bench/results-<timestamp>.json`. */
    readonly out: string | undefined;
    /** Fan-out devices: `lean` (raw protocol, opaque envelopes) or `sdk` (the device SDK, encrypting and decrypting). */
    readonly generator: Generator;
    /** Processes the fan-out load generator runs in. */
    readonly generatorProcesses: number;
    /** Fan-out: run only the open loop, at this many reflects/s (instead of half the closed loop's maximum). */
    readonly openRate: number | undefined;
    readonly sizes: Sizes;
}

export const GENERATORS = ['lean', 'sdk'] as const;
export type Generator = (typeof GENERATORS)[number];
export const DEFAULT_GENERATOR_PROCESSES = 2;

export const DEFAULT_SIZES: Sizes = Object.freeze({
    stormDevices: 800,
    groups: 32,
    devicesPerGroup: 4,
    window: 32,
    warmupMs: 1000,
    closedMs: 3000,
    openMs: 3000,
    idleDevices: 1600,
    idleConcurrency: 128,
    drainReflections: 20_000,
    drainFillMs: 4000,
    drainWindow: 64,
});

export const QUICK_SIZES: Sizes = Object.freeze({
    stormDevices: 64,
    groups: 8,
    devicesPerGroup: 4,
    window: 32,
    warmupMs: 200,
    closedMs: 600,
    openMs: 600,
    idleDevices: 128,
    idleConcurrency: 64,
    drainReflections: 5000,
    drainFillMs: 400,
    drainWindow: 64,
});

export const USAGE = `usage: npm run bench -- [options]
  --quick                 small sizes and short windows (under a minute)
  --rounds N              rounds of every scenario (default 3; at least 1)
  --configs LIST          of ${CONFIG_IDS.join(',')} (default: all)
  --scenarios LIST        of ${SCENARIOS.join(',')} (default: all)
  --profile               run the mediator under node --cpu-prof (profiles in .bench/)
  --out FILE              JSON results file (default .bench/results-<timestamp>.json)
  --generator lean|sdk    fan-out devices: lean (real protocol, opaque envelopes, no crypto; default)
                          or sdk (the device SDK: encrypted envelopes, for end-to-end latency)
  --generator-processes N processes of the fan-out load generator (default ${DEFAULT_GENERATOR_PROCESSES})
  --open-rate N           fan-out: only the open loop, at N reflects/s (default: closed loop, then half its rate)
  --storm-devices N  --groups N  --window N  --seconds S (closed and open loop each)
  --idle-devices N  --drain-reflections N`;

function positiveInteger(flag: string, value: string): number {
    const number = Number(value);
    if (!Number.isInteger(number) || number <= 0) throw new Error(`${flag} must be a positive integer`);
    return number;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
    const items = value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    for (const item of items) {
        if (!(allowed as readonly string[]).includes(item)) {
            throw new Error(`${flag}: unknown ${item}; choose from ${allowed.join(', ')}`);
        }
    }
    if (items.length === 0) throw new Error(`${flag} needs at least one entry`);
    return items as T[];
}

export function parseOptions(argv: readonly string[]): BenchOptions {
    const flags = new Map<string, string | true>();
    const valued = new Set([
        '--rounds',
        '--configs',
        '--scenarios',
        '--out',
        '--storm-devices',
        '--groups',
        '--window',
        '--seconds',
        '--idle-devices',
        '--drain-reflections',
        '--generator',
        '--generator-processes',
        '--open-rate',
    ]);
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        const eq = arg.indexOf('=');
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        if (flag === '--quick' || flag === '--profile') {
            if (eq > 0) throw new Error(`${flag} takes no value`);
            flags.set(flag, true);
        } else if (valued.has(flag)) {
            const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
            if (value === undefined) throw new Error(`${flag} needs a value`);
            flags.set(flag, value);
        } else {
            throw new Error(`unknown argument ${arg}\n${USAGE}`);
        }
    }
    const text = (flag: string): string | undefined => {
        const value = flags.get(flag);
        return typeof value === 'string' ? value : undefined;
    };
    const quick = flags.has('--quick');
    let sizes: Sizes = quick ? QUICK_SIZES : DEFAULT_SIZES;
    const override = (flag: string, field: keyof Sizes): void => {
        const value = text(flag);
        if (value !== undefined) sizes = { ...sizes, [field]: positiveInteger(flag, value) };
    };
    override('--storm-devices', 'stormDevices');
    override('--groups', 'groups');
    override('--window', 'window');
    override('--idle-devices', 'idleDevices');
    override('--drain-reflections', 'drainReflections');
    const seconds = text('--seconds');
    if (seconds !== undefined) {
        const value = Number(seconds);
        if (!Number.isFinite(value) || value <= 0 || value > 120) throw new Error('--seconds must be in (0, 120]');
        sizes = { ...sizes, closedMs: Math.round(value * 1000), openMs: Math.round(value * 1000) };
    }
    const rounds = text('--rounds');
    const configs = text('--configs');
    const scenarios = text('--scenarios');
    const generator = text('--generator');
    const processes = text('--generator-processes');
    const openRate = text('--open-rate');
    return {
        quick,
        rounds: rounds === undefined ? 3 : positiveInteger('--rounds', rounds),
        configs: configs === undefined ? [...CONFIG_IDS] : list('--configs', configs, CONFIG_IDS),
        scenarios: scenarios === undefined ? [...SCENARIOS] : list('--scenarios', scenarios, SCENARIOS),
        profile: flags.has('--profile'),
        out: text('--out'),
        openRate: openRate === undefined ? undefined : positiveInteger('--open-rate', openRate),
        generator: generator === undefined ? 'lean' : list('--generator', generator, GENERATORS)[0]!,
        generatorProcesses:
            processes === undefined ? DEFAULT_GENERATOR_PROCESSES : positiveInteger('--generator-processes', processes),
        sizes,
    };
}
