// Dependency audit: fails on any high or critical advisory for the installed
// dependency tree. When the registry's advisory endpoint cannot be asked
// (offline mirror, a proxy or registry that refuses it), it says so plainly
// and does not fail: no advisories were checked in that case.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'silent' },
    maxBuffer: 64 * 1024 * 1024,
});
let report;
try {
    report = JSON.parse(run.stdout);
} catch {
    console.error(`npm audit: unreadable answer (exit ${run.status}):\n${(run.stdout + run.stderr).slice(0, 2000)}`);
    process.exit(1);
}
const counts = report?.metadata?.vulnerabilities;
if (counts === undefined) {
    const why = report?.message || report?.error?.summary || report?.error?.code || 'no vulnerability report';
    console.log(`npm audit: NOT CHECKED - the advisory endpoint did not answer (${why}); run it where it does`);
    process.exit(0);
}
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
const summary = Object.entries(counts)
    .map(([level, count]) => `${level} ${count}`)
    .join(', ');
if (serious > 0) {
    for (const [name, entry] of Object.entries(report.vulnerabilities ?? {})) {
        if (entry.severity === 'high' || entry.severity === 'critical') console.error(`  ${entry.severity}: ${name}`);
    }
    console.error(`npm audit: ${serious} high or critical advisories (${summary})`);
    process.exit(1);
}
console.log(`npm audit: no high or critical advisories (${summary})`);
