/**
 * The text report of a chaos run: settings, what the harness did, the
 * checker's counts and every violation category with a few examples.
 */
import type { ChaosRunResult } from './chaos.js';

function row(label: string, value: string | number): string {
    return `  ${label.padEnd(44)} ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`;
}

export function formatChaosReport(result: ChaosRunResult): string {
    const { options, check, kills } = result;
    const lines: string[] = [];
    const passed = check.violationCount === 0;
    lines.push('== chaos run report ==');
    lines.push(
        row(
            'settings',
            `${options.groups} groups x ${options.devicesPerGroup} devices, ${options.durationS} s chaos, ` +
                `appendfsync ${options.fsync}, back-off ${options.backoffMs} ms, presence TTL ${options.presenceTtlMs} ms, ` +
                `rate ${options.rate}/s, seed ${options.seed}`,
        ),
    );
    lines.push(
        row('services', `redis (${result.services.redis}), postgres ${result.services.postgres}, 2 mediator nodes`),
    );
    lines.push('kills');
    lines.push(
        row(
            'mediator SIGKILLs',
            `${kills.mediator} (${result.killsWithLockHolder} while the node served a lock holder, ${result.killsWithLeader} a leader)`,
        ),
    );
    lines.push(row('Redis SIGKILLs (restarted from the AOF)', kills.redis));
    lines.push(row('PostgreSQL crashes (immediate stop + restart)', kills.postgres));
    const { faults } = result;
    lines.push(
        row(
            '  of the mediator SIGKILLs: right after an in-transaction ReflectAck',
            faults.ackKills - faults.ackKillsWithoutAck,
        ),
    );
    lines.push(row('  restarted at once under the same node id', faults.sameIdRestarts));
    lines.push('stalls and partitions (1.5-3 presence TTLs each)');
    lines.push(row('mediator pauses (SIGSTOP, SIGCONT)', faults.pauses));
    lines.push(row('a node cut off from Redis', faults.redisPartitions));
    lines.push(row('a node cut off from PostgreSQL', faults.postgresPartitions));
    lines.push(row('cores kept busy by other work', options.burnCores));
    lines.push('traffic');
    lines.push(row('reflections sent', check.reflectionsSent));
    lines.push(row('reflections acknowledged (ReflectAck)', check.reflectionsAcked));
    lines.push(row('reflections in doubt (no ReflectAck)', check.reflectionsInDoubt));
    lines.push(row('  of which delivered anyway', check.inDoubtDelivered));
    lines.push(row('deliveries (Reflected received)', check.deliveries));
    lines.push(row('first deliveries', check.firstDeliveries));
    lines.push(row('redelivered', check.redeliveries));
    lines.push(row('  after an unconfirmed ack (allowed)', check.redeliveriesUnconfirmed));
    lines.push(row('  after a confirmed ack lost by Redis', check.redeliveriesAfterRedisLoss));
    lines.push(row('lost (acked reflection x receiving slot)', check.lost));
    lines.push(row('  lost across a Redis kill (loss window)', check.lostAfterRedisKill));
    lines.push(row('  distinct reflections affected', check.lostReflections));
    lines.push(row('connections opened', check.connections));
    lines.push(row('failed connection attempts', check.failedAttempts));
    lines.push(
        row(
            'close codes seen',
            Object.entries(check.closeCodes)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([code, count]) => `${code}: ${count}`)
                .join(', '),
        ),
    );
    lines.push(
        row(
            '41xx closes the run caused (reconnected)',
            Object.entries(result.toleratedCloses)
                .map(([code, count]) => `${code}: ${count}`)
                .join(', ') || 'none',
        ),
    );
    lines.push(row('leader promotions', check.leaderPromotions));
    lines.push(
        row(
            'transactions begun / acked / rejected / committed',
            `${check.transactionsBegun} / ${check.transactionsAcked} / ${check.transactionsRejected} / ${check.transactionsCommitted}`,
        ),
    );
    lines.push('time');
    lines.push(row('chaos phase', `${result.chaosS.toFixed(1)} s`));
    lines.push(row('drain', `${result.drainS.toFixed(1)} s (${result.drainComplete ? 'complete' : 'INCOMPLETE'})`));
    lines.push(row('wall time', `${result.wallS.toFixed(1)} s`));
    lines.push(`invariant violations: ${check.violationCount}`);
    for (const [category, list] of Object.entries(check.violations)) {
        lines.push(`  ${category}: ${list.count}`);
        for (const example of list.examples) lines.push(`    - ${example}`);
    }
    if (result.kept)
        lines.push(`logs kept in ${result.runDir} (events.jsonl, node-a.log, node-b.log, redis/, postgres/)`);
    lines.push(passed ? 'RESULT: PASS' : 'RESULT: FAIL');
    return lines.join('\n');
}
