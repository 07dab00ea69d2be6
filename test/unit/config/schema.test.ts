/**
 * The settings table: one row per setting of MediatorConfig, unique flags
 * and environment variables, defaults that validate, and the generated
 * `mediator serve --help` and README table that show every row.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, validateConfig } from '../../../src/config/config.js';
import { describeDefault, settingEntries, settingValue, SETTINGS } from '../../../src/config/schema.js';
import { extractConfigTable, renderConfigTable } from '../../../src/config/table.js';

const MAIN = fileURLToPath(new URL('../../../src/main.js', import.meta.url));
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

/** Runs the real CLI with a clean environment plus `env`. */
function mediator(args: readonly string[], env: Record<string, string> = {}): ReturnType<typeof spawnSync> {
    return spawnSync(process.execPath, [MAIN, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
        timeout: 15_000,
    });
}

describe('configuration settings table', function () {
    it('has one row per setting of MediatorConfig, and the defaults come from it', function () {
        const keys = settingEntries().map(([key]) => key);
        const configKeys = [
            ...Object.keys(DEFAULT_CONFIG).filter((key) => key !== 'policy'),
            ...Object.keys(DEFAULT_CONFIG.policy).map((key) => `policy.${key}`),
        ];
        expect([...keys].sort()).to.deep.equal(configKeys.sort());
        for (const [key, setting] of settingEntries()) {
            expect(settingValue(DEFAULT_CONFIG, key), key).to.equal(setting.default);
        }
        expect(() => validateConfig(DEFAULT_CONFIG)).not.to.throw();
    });

    it('gives each setting its own flag and environment variable, named by one rule', function () {
        const flags = new Set<string>();
        const envs = new Set<string>();
        for (const [key, setting] of settingEntries()) {
            expect(flags.has(setting.flag), `flag of ${key}`).to.equal(false);
            expect(envs.has(setting.env), `env of ${key}`).to.equal(false);
            flags.add(setting.flag);
            envs.add(setting.env);
            expect(setting.flag).to.match(/^[a-z][a-z0-9-]*$/u);
            const expectedEnv =
                key === 'redisUrl' || key === 'databaseUrl'
                    ? setting.flag.toUpperCase().replaceAll('-', '_')
                    : `MEDIATOR_${setting.flag.toUpperCase().replaceAll('-', '_')}`;
            expect(setting.env, key).to.equal(expectedEnv);
            // The unit suffix of the name is the unit of the value.
            for (const [suffix, unit] of [
                ['Ms', 'ms'],
                ['S', 's'],
                ['Bytes', 'bytes'],
            ] as const) {
                if (key.endsWith(suffix)) expect(setting.unit, key).to.equal(unit);
            }
            expect(setting.description.length, key).to.be.greaterThan(10);
        }
        expect(envs).to.include('REDIS_URL').and.include('DATABASE_URL');
    });

    it('shows defaults with their unit in words', function () {
        expect(describeDefault(SETTINGS['policy.persistentExpiryMs'])).to.equal('7776000000 (90 d)');
        expect(describeDefault(SETTINGS['policy.queueMaxBytes'])).to.equal('268435456 (256 MiB)');
        expect(describeDefault(SETTINGS.drainWindowMs)).to.equal('10000 (10 s)');
        expect(describeDefault(SETTINGS.transactionTtlDefaultS)).to.equal('30');
        expect(describeDefault(SETTINGS.nodeId)).to.equal('random');
        expect(describeDefault(SETTINGS.adminPort)).to.equal('9090 with --admin-token, else off');
    });

    it('documents every setting in `mediator serve --help` with unit, environment variable and default', function () {
        const help = mediator(['serve', '--help']);
        expect(help.status).to.equal(0);
        const text = String(help.stdout).replace(/\s+/gu, ' ');
        for (const [key, setting] of settingEntries()) {
            expect(text, key).to.include(`--${setting.flag} `);
            expect(text, key).to.include(`[${setting.unit}] (env ${setting.env})`);
            expect(text, key).to.include(`[default: ${describeDefault(setting)}]`);
        }
        expect(text).to.include('--config');
    });

    it('exits with 2 and lists every problem when the configuration is invalid', function () {
        const run = mediator(['serve', '--port', '70000', '--log-level', 'loud'], {
            MEDIATOR_DRAIN_WINDOW_MS: 'later',
            MEDIATOR_ADMIN_TOKEN: 'secret',
        });
        expect(run.status).to.equal(2);
        const stderr = String(run.stderr);
        expect(stderr).to.include('invalid configuration');
        expect(stderr).to.include('port must be an integer from 0 to 65535, got 70000 (from --port)');
        expect(stderr).to.include('logLevel must be one of');
        expect(stderr).to.include('MEDIATOR_DRAIN_WINDOW_MS must be a whole number, got "later"');
        expect(stderr).to.include('adminToken must be at least 16 characters');
        expect(stderr).not.to.include('secret');
        expect(String(run.stdout)).not.to.include('listening');
    });

    it('exits with 2 on an unknown flag', function () {
        const run = mediator(['serve', '--no-such-flag', '1']);
        expect(run.status).to.equal(2);
        expect(String(run.stderr)).to.include('Unknown argument');
    });

    it('suggests the nearest flag for a typo and a help command that works from a checkout', function () {
        const run = mediator(['serve', '--prot', '9000']);
        expect(run.status).to.equal(2);
        const stderr = String(run.stderr);
        expect(stderr).to.include('mediator: Unknown argument: prot\n');
        expect(stderr).to.include('did you mean --port?');
        expect(stderr).to.include('`npm start -- --help`');
        expect(stderr).to.include('`npx mediator serve --help`');
        expect(String(run.stdout)).not.to.include('listening');
    });

    it('matches the configuration table in the README (regenerate: node dist/scripts/config-table.js --write README.md)', function () {
        const table = extractConfigTable(readFileSync(README, 'utf8'));
        expect(table, 'README config-table markers').not.to.equal(undefined);
        expect(table).to.equal(renderConfigTable());
        for (const [, setting] of settingEntries()) expect(table).to.include(`\`--${setting.flag}\``);
    });
});
