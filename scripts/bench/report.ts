/**
 * Turns the per-round results into the markdown table: one row per metric,
 * one column per configuration with `median (min–max)` over the rounds, the
 * issue's target for the row and whether each configuration meets it
 * (judged on the median). Ratios against Mosquitto are computed per round
 * (both ran in the same round) and then spread over the rounds. Pure.
 */
import { SATURATED_CORE_SHARE, type FanoutResult } from './load-generator.js';
import {
    FIRST_WARM_STORM,
    WARM_RECONNECT_STORMS,
    type DrainResult,
    type HandshakeResult,
    type IdleResult,
} from './scenarios.js';
import { formatSpread, pairedRatios, spread, TIMELINE_SLICE_MS, TIMELINE_WORST_SLICES, type Spread } from './stats.js';

export const CONFIG_IDS = ['embedded', 'redis-always', 'redis-everysec', 'mosquitto'] as const;
export type ConfigId = (typeof CONFIG_IDS)[number];
export type MediatorConfigId = Exclude<ConfigId, 'mosquitto'>;

export const CONFIG_LABELS: Readonly<Record<ConfigId, string>> = {
    embedded: 'embedded',
    'redis-always': 'Redis always',
    'redis-everysec': 'Redis everysec',
    mosquitto: 'Mosquitto',
};

export interface FanoutPair {
    /** Missing when only the open loop ran (`--open-rate`). */
    readonly closed: FanoutResult | undefined;
    readonly open: FanoutResult | undefined;
}

/** Everything one configuration produced in one round. */
export interface RoundResult {
    readonly round: number;
    readonly config: ConfigId;
    handshake?: HandshakeResult;
    idle?: IdleResult;
    fanout?: FanoutPair;
    drain?: DrainResult;
    /** Scenario failures of this round, by scenario. */
    readonly errors: Record<string, string>;
    /** Wall time each scenario took, setup included. */
    readonly seconds: Record<string, number>;
}

export interface Target {
    readonly text: string;
    readonly applies: readonly ConfigId[];
    /** Whether a configuration's median meets the target. */
    readonly met: (median: number, config: ConfigId) => boolean;
}

export interface RowSpec {
    readonly scenario: string;
    readonly metric: string;
    /** Per-round values of a configuration (NaN where it has none). */
    readonly values: (config: ConfigId, rounds: readonly RoundResult[][]) => number[];
    readonly configs: readonly ConfigId[];
    readonly digits?: number;
    readonly suffix?: string;
    readonly target?: Target;
}

export interface RowOutput {
    readonly scenario: string;
    readonly metric: string;
    readonly cells: Partial<Record<ConfigId, Spread & { readonly values: number[] }>>;
    readonly target: string | undefined;
    readonly status: Partial<Record<ConfigId, 'met' | 'missed' | 'no data'>>;
}

const MEDIATOR: readonly ConfigId[] = ['embedded', 'redis-always', 'redis-everysec'];
const REDIS: readonly ConfigId[] = ['redis-always', 'redis-everysec'];
const ALL: readonly ConfigId[] = CONFIG_IDS;
/** The half-load tail rows (see LatencyTimeline). */
const SLICES_P99 = `latency p99 ms without the ${TIMELINE_WORST_SLICES} slowest ${TIMELINE_SLICE_MS} ms slices`;
const SLICES_SHARE = `share of the slowest 1% inside those ${TIMELINE_WORST_SLICES} slices`;

/** `rounds[r]` holds the results of round r (any order of configurations). */
function pick(
    config: ConfigId,
    rounds: readonly RoundResult[][],
    get: (result: RoundResult) => number | undefined,
): number[] {
    return rounds.map((round) => {
        const result = round.find((entry) => entry.config === config);
        const value = result === undefined ? undefined : get(result);
        return value ?? Number.NaN;
    });
}

function row(
    scenario: string,
    metric: string,
    configs: readonly ConfigId[],
    get: (result: RoundResult) => number | undefined,
    extra: Partial<Pick<RowSpec, 'digits' | 'suffix' | 'target'>> = {},
): RowSpec {
    return { scenario, metric, configs, values: (config, rounds) => pick(config, rounds, get), ...extra };
}

function ratioRow(
    scenario: string,
    metric: string,
    get: (result: RoundResult) => number | undefined,
    extra: Partial<Pick<RowSpec, 'digits' | 'suffix' | 'target'>> = {},
): RowSpec {
    return {
        scenario,
        metric,
        configs: MEDIATOR,
        values: (config, rounds) => pairedRatios(pick(config, rounds, get), pick('mosquitto', rounds, get)),
        digits: 2,
        suffix: 'x',
        ...extra,
    };
}

const closed = (r: RoundResult): FanoutResult | undefined => r.fanout?.closed;
const open = (r: RoundResult): FanoutResult | undefined => r.fanout?.open;

/** The warm reconnect storms: the median of the storms after the first reconnect storm. */
const LAST_WARM_STORM = FIRST_WARM_STORM + WARM_RECONNECT_STORMS - 1;
const WARM_SHORT = `warm reconnect storms: median of storms ${FIRST_WARM_STORM}–${LAST_WARM_STORM}`;
const WARM = `reconnect storm, warm (median of storms ${FIRST_WARM_STORM}–${LAST_WARM_STORM}):`;

/** The rows of the table, in order. `shape` names the sizes for the scenario column. */
export function rowSpecs(shape: {
    readonly stormDevices: number;
    readonly groups: number;
    readonly devicesPerGroup: number;
    readonly window: number;
    readonly idleDevices: number;
    readonly drainReflections: number;
    /** The open loop's fixed rate (`--open-rate`), when it did not run at half the closed loop's. */
    readonly openRate?: number | undefined;
}): RowSpec[] {
    const storm = `1 handshake storm (${shape.stormDevices.toLocaleString('en-US')} devices at once)`;
    const fan = `2 fan-out closed loop (${shape.groups} groups × ${shape.devicesPerGroup}, window ${shape.window})`;
    const half =
        shape.openRate === undefined
            ? '2 fan-out open loop at ½ max'
            : `2 fan-out open loop at ${shape.openRate.toLocaleString('en-US')} reflects/s`;
    const idle = `3 idle (${shape.idleDevices.toLocaleString('en-US')} devices)`;
    const drain = `4 offline drain (≤ ${shape.drainReflections.toLocaleString('en-US')} queued)`;
    return [
        row(storm, 'reconnect storm, first: handshakes/s', MEDIATOR, (r) => r.handshake?.reconnect.handshakesPerS),
        row(storm, `${WARM} handshakes/s`, MEDIATOR, (r) => r.handshake?.reconnectWarm.handshakesPerS),
        row(storm, 'first-login storm: handshakes/s', MEDIATOR, (r) => r.handshake?.firstLogin.handshakesPerS),
        row(
            storm,
            'mediator CPU ms per handshake (first reconnect storm)',
            MEDIATOR,
            (r) => r.handshake?.reconnect.mediatorCpuMsPerHandshake,
            { digits: 3 },
        ),
        row(
            storm,
            `mediator CPU ms per handshake (${WARM_SHORT})`,
            MEDIATOR,
            (r) => r.handshake?.reconnectWarm.mediatorCpuMsPerHandshake,
            {
                digits: 3,
                target: {
                    text: '≤ 0.2 ms embedded, ≤ 0.4 ms Redis + PostgreSQL',
                    applies: MEDIATOR,
                    met: (v, config) => v <= (config === 'embedded' ? 0.2 : 0.4),
                },
            },
        ),
        row(
            storm,
            `handshakes/s one mediator core would do (1 / CPU per handshake, ${WARM_SHORT})`,
            MEDIATOR,
            (r) => r.handshake?.reconnectWarm.cpuBoundHandshakesPerS,
            // The rate target is per mediator core (the embedded backend's 0.2 ms target as a rate):
            // the storm's own rate also depends on the machine's other core, which the load
            // generator shares.
            { target: { text: '≥ 5,000/s per core embedded', applies: ['embedded'], met: (v) => v >= 5000 } },
        ),
        row(fan, 'reflects/s', ALL, (r) => closed(r)?.reflectsPerS),
        row(fan, 'deliveries/s', ALL, (r) => closed(r)?.deliveriesPerS),
        ratioRow(fan, 'deliveries/s ÷ Mosquitto (same round)', (r) => closed(r)?.deliveriesPerS, {
            target: {
                text: '≥ 1.0x embedded, ≥ 0.5x Redis always',
                applies: ['embedded', 'redis-always'],
                met: (v, config) => v >= (config === 'embedded' ? 1.0 : 0.5),
            },
        }),
        row(fan, 'latency p50 ms', ALL, (r) => closed(r)?.latency.p50Ms),
        row(fan, 'latency p99 ms', ALL, (r) => closed(r)?.latency.p99Ms),
        row(fan, 'server CPU s per 1,000 deliveries', ALL, (r) => closed(r)?.serverCpuSPer1000, { digits: 4 }),
        ratioRow(fan, 'server CPU per delivery ÷ Mosquitto', (r) => closed(r)?.serverCpuSPer1000, {
            target: {
                text: '≤ 1.0x embedded, ≤ 2.0x Redis always',
                applies: ['embedded', 'redis-always'],
                met: (v, config) => v <= (config === 'embedded' ? 1.0 : 2.0),
            },
        }),
        row(fan, 'Redis CPU s per 1,000 deliveries', REDIS, (r) => closed(r)?.storageCpuSPer1000, { digits: 4 }),
        {
            scenario: fan,
            metric: "Redis CPU per delivery ÷ Mosquitto's CPU per delivery",
            configs: REDIS,
            values: (config, rounds) =>
                pairedRatios(
                    pick(config, rounds, (r) => closed(r)?.storageCpuSPer1000),
                    pick('mosquitto', rounds, (r) => closed(r)?.serverCpuSPer1000),
                ),
            digits: 2,
            suffix: 'x',
            target: { text: '≤ 1.0x', applies: ['redis-always'], met: (v) => v <= 1.0 },
        },
        row(fan, 'Lua script calls per reflection', REDIS, (r) => closed(r)?.scriptCallsPerReflection, {
            digits: 2,
            target: { text: '≤ 2', applies: REDIS, met: (v) => v <= 2 },
        }),
        row(fan, 'server CPU (cores busy)', ALL, (r) => cores(closed(r), 'serverCpuS'), { digits: 2 }),
        row(fan, 'Redis CPU (cores busy)', REDIS, (r) => cores(closed(r), 'storageCpuS'), { digits: 2 }),
        row(fan, 'load generator CPU, all processes (cores busy)', ALL, (r) => cores(closed(r), 'harnessCpuS'), {
            digits: 2,
        }),
        row(fan, 'load generator: busiest process (share of one core)', ALL, (r) => busiest(closed(r)), {
            digits: 2,
            target: {
                text: `< ${SATURATED_CORE_SHARE} (else the generator was saturated)`,
                applies: ALL,
                met: (v) => v < SATURATED_CORE_SHARE,
            },
        }),
        row(half, 'offered reflects/s', ALL, (r) => open(r)?.offeredPerS),
        row(half, 'deliveries/s', ALL, (r) => open(r)?.deliveriesPerS),
        row(half, 'latency p50 ms', ALL, (r) => open(r)?.latency.p50Ms),
        row(half, 'latency p99 ms', ALL, (r) => open(r)?.latency.p99Ms),
        ratioRow(half, 'latency p99 ÷ Mosquitto (same round)', (r) => open(r)?.latency.p99Ms, {
            target: { text: '≤ 1.0x', applies: MEDIATOR, met: (v) => v <= 1.0 },
        }),
        row(half, 'latency p99.9 ms', ALL, (r) => open(r)?.latency.p999Ms),
        row(half, 'latency p99 ms from the actual send', ALL, (r) => open(r)?.latencyFromSend.p99Ms),
        row(half, SLICES_P99, ALL, (r) => open(r)?.timeline.p99WithoutWorstMs),
        row(half, SLICES_SHARE, ALL, (r) => open(r)?.timeline.worstShare, { digits: 2 }),
        row(half, 'load generator lag behind schedule p99 ms', ALL, (r) => open(r)?.senderLag.p99Ms),
        row(half, 'server CPU s per 1,000 deliveries', ALL, (r) => open(r)?.serverCpuSPer1000, { digits: 4 }),
        row(half, 'Redis CPU s per 1,000 deliveries', REDIS, (r) => open(r)?.storageCpuSPer1000, { digits: 4 }),
        row(half, 'Lua script calls per reflection', REDIS, (r) => open(r)?.scriptCallsPerReflection, { digits: 2 }),
        row(half, 'server CPU (cores busy)', ALL, (r) => cores(open(r), 'serverCpuS'), { digits: 2 }),
        row(half, 'Redis CPU (cores busy)', REDIS, (r) => cores(open(r), 'storageCpuS'), { digits: 2 }),
        row(half, 'load generator CPU, all processes (cores busy)', ALL, (r) => cores(open(r), 'harnessCpuS'), {
            digits: 2,
        }),
        row(half, 'load generator: busiest process (share of one core)', ALL, (r) => busiest(open(r)), {
            digits: 2,
        }),
        row(idle, 'mediator RSS per connection, KiB', MEDIATOR, (r) => kib(r.idle?.rssPerConnectionBytes), {
            digits: 1,
        }),
        row(idle, 'of which V8 heap, KiB', MEDIATOR, (r) => kib(r.idle?.heapPerConnectionBytes), { digits: 1 }),
        row(
            idle,
            'devices per GiB of mediator RSS (1 GiB ÷ RSS per connection)',
            MEDIATOR,
            (r) => r.idle?.devicesPerGiB,
            {
                target: { text: '≥ 50,000', applies: MEDIATOR, met: (v) => v >= 50_000 },
            },
        ),
        row(drain, 'drain: reflections/s to the reconnecting device', MEDIATOR, (r) => r.drain?.drainPerS, {
            target: { text: '≥ 20,000/s', applies: MEDIATOR, met: (v) => v >= 20_000 },
        }),
        row(drain, 'drain: mediator CPU (cores busy)', MEDIATOR, (r) => drainCores(r.drain, 'drainMediatorCpuS'), {
            digits: 2,
        }),
        row(drain, 'drain: load generator CPU (cores busy)', MEDIATOR, (r) => drainCores(r.drain, 'drainHarnessCpuS'), {
            digits: 2,
        }),
        row(drain, 'reflections queued', MEDIATOR, (r) => r.drain?.queued),
        row(drain, 'fill: reflects/s (one sender)', MEDIATOR, (r) => r.drain?.fillPerS),
        row(
            drain,
            'storage bytes per queued reflection (Redis used_memory; embedded: mediator heap)',
            MEDIATOR,
            (r) => r.drain?.storageBytesPerReflection,
        ),
    ];
}

function busiest(result: FanoutResult | undefined): number {
    if (result === undefined || result.generatorCoreShares.length === 0) return Number.NaN;
    return Math.max(...result.generatorCoreShares);
}

function cores(result: FanoutResult | undefined, field: 'serverCpuS' | 'storageCpuS' | 'harnessCpuS'): number {
    if (result === undefined) return Number.NaN;
    return result[field] / result.seconds;
}

function drainCores(result: DrainResult | undefined, field: 'drainMediatorCpuS' | 'drainHarnessCpuS'): number {
    if (result === undefined) return Number.NaN;
    return result[field] / result.drainSeconds;
}

function kib(bytes: number | undefined): number {
    return bytes === undefined ? Number.NaN : bytes / 1024;
}

/** Cells and verdicts of every row, for the configurations in `ran`. */
export function evaluate(
    specs: readonly RowSpec[],
    rounds: readonly RoundResult[][],
    ran: readonly ConfigId[],
): RowOutput[] {
    return specs.map((spec) => {
        const cells: RowOutput['cells'] = {};
        const status: RowOutput['status'] = {};
        for (const config of spec.configs) {
            if (!ran.includes(config)) continue;
            const values = spec.values(config, rounds);
            const s = spread(values);
            cells[config] = { ...s, values };
            const target = spec.target;
            if (target?.applies.includes(config) === true) {
                status[config] = s.n === 0 ? 'no data' : target.met(s.median, config) ? 'met' : 'missed';
            }
        }
        return { scenario: spec.scenario, metric: spec.metric, cells, target: spec.target?.text, status };
    });
}

function escapeCell(text: string): string {
    return text.replaceAll('|', '\\|');
}

/** The markdown table. Only configurations in `shown` get a column. */
export function renderTable(
    specs: readonly RowSpec[],
    outputs: readonly RowOutput[],
    shown: readonly ConfigId[],
): string {
    const header = ['scenario', 'metric', ...shown.map((config) => CONFIG_LABELS[config]), 'target', 'status'];
    const lines = [
        `| ${header.join(' | ')} |`,
        `|${header.map((_, i) => (i < 2 || i >= header.length - 2 ? '---' : '---:')).join('|')}|`,
    ];
    outputs.forEach((output, index) => {
        const spec = specs[index]!;
        const cells = shown.map((config) => {
            const cell = output.cells[config];
            return cell === undefined ? '' : formatSpread(cell, spec.digits, spec.suffix ?? '');
        });
        const status = Object.entries(output.status)
            .map(([config, verdict]) => `${CONFIG_LABELS[config as ConfigId]}: ${verdict}`)
            .join('; ');
        lines.push(
            `| ${[output.scenario, output.metric, ...cells, output.target ?? '', status]
                .map((text) => escapeCell(text))
                .join(' | ')} |`,
        );
    });
    return lines.join('\n');
}

/** Every (configuration, target) verdict, for the summary under the table. */
export function verdicts(outputs: readonly RowOutput[]): { metric: string; config: ConfigId; verdict: string }[] {
    const out: { metric: string; config: ConfigId; verdict: string }[] = [];
    for (const output of outputs) {
        for (const [config, verdict] of Object.entries(output.status)) {
            out.push({ metric: `${output.scenario}: ${output.metric}`, config: config as ConfigId, verdict });
        }
    }
    return out;
}
