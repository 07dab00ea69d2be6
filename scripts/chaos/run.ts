/**
 * `npm run chaos`: a bounded crash-durability and invariant run on loopback
 * (see chaos.ts for the phases, checker.ts for what is proven). Prints a
 * report and exits 1 on any invariant violation, 2 on bad flags.
 *
 *   npm run chaos -- --duration-s 600 --groups 100 --mediator-kills 20 --redis-kills 5 \
 *                    --postgres-restarts 1 --appendfsync always --backoff-ms 5000 --seed 1
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_CHAOS_OPTIONS, runChaos, type ChaosOptions } from './chaos.js';
import { formatChaosReport } from './report.js';

const d = DEFAULT_CHAOS_OPTIONS;
const argv = yargs(hideBin(process.argv))
    .scriptName('chaos')
    .strict()
    .option('duration-s', { type: 'number', default: d.durationS, describe: 'length of the chaos phase (s)' })
    .option('groups', { type: 'number', default: d.groups, describe: 'device groups' })
    .option('devices-per-group', { type: 'number', default: d.devicesPerGroup, describe: 'devices per group' })
    .option('mediator-kills', { type: 'number', default: d.mediatorKills, describe: 'SIGKILLs of mediator nodes' })
    .option('redis-kills', { type: 'number', default: d.redisKills, describe: 'SIGKILLs of Redis' })
    .option('postgres-restarts', { type: 'number', default: d.postgresRestarts, describe: 'PostgreSQL crashes' })
    .option('pauses', { type: 'number', default: d.pauses, describe: 'SIGSTOPs of a node for 1.5-3 presence TTLs' })
    .option('redis-partitions', {
        type: 'number',
        default: d.redisPartitions,
        describe: 'a node cut off from Redis for 1.5-3 presence TTLs',
    })
    .option('postgres-partitions', {
        type: 'number',
        default: d.postgresPartitions,
        describe: 'a node cut off from PostgreSQL for 1.5-3 presence TTLs',
    })
    .option('same-id-restarts', {
        type: 'number',
        default: d.sameIdRestarts,
        describe: 'SIGKILL of a node and a restart under the same node id',
    })
    .option('ack-kills', {
        type: 'number',
        default: d.ackKills,
        describe: 'SIGKILL of a node right after an in-transaction ReflectAck',
    })
    .option('burn-cores', { type: 'number', default: d.burnCores, describe: 'cores kept busy by other work' })
    .option('appendfsync', {
        choices: ['always', 'everysec'] as const,
        default: d.fsync,
        describe: 'Redis AOF fsync policy',
    })
    .option('backoff-ms', {
        type: 'number',
        default: d.backoffMs,
        describe: 'reconnect back-off after a failed attempt',
    })
    .option('seed', { type: 'number', default: d.seed, describe: 'seed of the schedule and device choices' })
    .option('rate', { type: 'number', default: d.rate, describe: 'reflections per second over all devices' })
    .option('presence-ttl-ms', { type: 'number', default: d.presenceTtlMs, describe: 'mediator presence TTL' })
    .option('drain-timeout-s', { type: 'number', default: d.drainTimeoutS, describe: 'longest drain' })
    .option('transaction-probability', {
        type: 'number',
        default: d.transactionProbability,
        describe: 'chance that a batch is a transaction',
    })
    .option('keep', { type: 'boolean', default: d.keep, describe: 'keep the run directory even on success' })
    .check((args) => {
        for (const key of ['duration-s', 'groups', 'devices-per-group', 'rate', 'presence-ttl-ms'] as const) {
            if (!(args[key] > 0)) throw new Error(`--${key} must be positive`);
        }
        if (args['devices-per-group'] < 2) throw new Error('--devices-per-group must be at least 2');
        return true;
    })
    .fail((message, error) => {
        process.stderr.write(`chaos: ${message ?? error?.message ?? 'bad arguments'}\n`);
        process.exit(2);
    })
    .parseSync();

const options: ChaosOptions = {
    durationS: argv['duration-s'],
    groups: argv.groups,
    devicesPerGroup: argv['devices-per-group'],
    mediatorKills: argv['mediator-kills'],
    redisKills: argv['redis-kills'],
    postgresRestarts: argv['postgres-restarts'],
    pauses: argv.pauses,
    redisPartitions: argv['redis-partitions'],
    postgresPartitions: argv['postgres-partitions'],
    sameIdRestarts: argv['same-id-restarts'],
    ackKills: argv['ack-kills'],
    burnCores: argv['burn-cores'],
    fsync: argv.appendfsync,
    backoffMs: argv['backoff-ms'],
    seed: argv.seed,
    rate: argv.rate,
    presenceTtlMs: argv['presence-ttl-ms'],
    drainTimeoutS: argv['drain-timeout-s'],
    transactionProbability: argv['transaction-probability'],
    keep: argv.keep,
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
        process.stderr.write(`\nchaos: ${signal}, stopping the services\n`);
        process.exit(130);
    });
}

const started = new Date();
process.stdout.write(`chaos run started ${started.toISOString()}\n`);
const result = await runChaos(options, (line) =>
    process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
);
process.stdout.write(`${formatChaosReport(result)}\n`);
process.exit(result.check.violationCount === 0 ? 0 : 1);
