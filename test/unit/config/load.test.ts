/**
 * Configuration loading: defaults < config file < environment < flags, one
 * ConfigError listing every problem (each naming where the bad value came
 * from), and secrets never repeated in messages.
 */
import { expect } from 'chai';
import { DEFAULT_CONFIG, adminListenPort, buildConfig, workerCount } from '../../../src/config/config.js';
import { collectSettings, loadConfig, type ConfigSources } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

/** A config file served from memory. */
function files(contents: Record<string, string>): (path: string) => string {
    return (path) => {
        const content = contents[path];
        if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return content;
    };
}

function problemsOf(sources: ConfigSources): readonly string[] {
    try {
        loadConfig(sources);
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return (error as ConfigError).problems;
    }
    expect.fail('expected a ConfigError');
}

describe('configuration loading', function () {
    it('uses the defaults when no source gives anything', function () {
        const { config, origins, configFile } = loadConfig({ env: {}, flags: {} });
        expect(config).to.deep.equal(DEFAULT_CONFIG);
        expect(configFile).to.equal(undefined);
        expect(new Set(Object.values(origins))).to.deep.equal(new Set(['default']));
        expect(Object.isFrozen(config)).to.equal(true);
        expect(Object.isFrozen(config.policy)).to.equal(true);
    });

    it('merges defaults < config file < environment < flags, setting by setting', function () {
        const file = JSON.stringify({
            port: 1001,
            host: '0.0.0.0',
            nodeId: 'from-file',
            logLevel: 'warn',
            policy: { maxDeviceSlots: 3, queueMaxCount: 500 },
            drainWindowMs: 2000,
        });
        const { config, origins } = loadConfig({
            flags: { config: '/etc/mediator.json', port: 1003, 'max-device-slots': 5 },
            env: { MEDIATOR_PORT: '1002', MEDIATOR_NODE_ID: 'from-env', MEDIATOR_QUEUE_MAX_COUNT: '600' },
            readFile: files({ '/etc/mediator.json': file }),
        });
        expect(config.port).to.equal(1003);
        expect(origins.port).to.equal('flag');
        expect(config.nodeId).to.equal('from-env');
        expect(origins.nodeId).to.equal('env');
        expect(config.host).to.equal('0.0.0.0');
        expect(origins.host).to.equal('file');
        expect(config.logLevel).to.equal('warn');
        expect(config.policy).to.deep.equal({
            ...DEFAULT_CONFIG.policy,
            maxDeviceSlots: 5,
            queueMaxCount: 600,
        });
        expect(origins['policy.maxDeviceSlots']).to.equal('flag');
        expect(origins['policy.queueMaxCount']).to.equal('env');
        expect(config.drainWindowMs).to.equal(2000);
        expect(config.sweepIntervalMs).to.equal(DEFAULT_CONFIG.sweepIntervalMs);
        expect(origins.sweepIntervalMs).to.equal('default');
    });

    it('finds the config file through MEDIATOR_CONFIG, and --config wins over it', function () {
        const readFile = files({ '/a.json': '{"port": 1}', '/b.json': '{"port": 2}' });
        expect(loadConfig({ env: { MEDIATOR_CONFIG: '/a.json' }, readFile }).config.port).to.equal(1);
        const both = loadConfig({ env: { MEDIATOR_CONFIG: '/a.json' }, flags: { config: '/b.json' }, readFile });
        expect(both.config.port).to.equal(2);
        expect(both.configFile).to.equal('/b.json');
    });

    it('reads REDIS_URL and DATABASE_URL, and treats empty variables as unset', function () {
        const { config } = loadConfig({
            env: {
                REDIS_URL: 'redis://127.0.0.1:6379',
                DATABASE_URL: 'postgres://postgres@127.0.0.1/d2m',
                MEDIATOR_NODE_ID: '',
                MEDIATOR_PORT: '  ',
            },
        });
        expect(config.redisUrl).to.equal('redis://127.0.0.1:6379');
        expect(config.databaseUrl).to.equal('postgres://postgres@127.0.0.1/d2m');
        expect(config.nodeId).to.equal(undefined);
        expect(config.port).to.equal(DEFAULT_CONFIG.port);
    });

    it('names MEDIATOR_* variables that match no setting, without failing', function () {
        const { unknownEnvironment } = loadConfig({
            env: { MEDIATOR_PROT: '1', MEDIATOR_PORT: '2', MEDIATOR_CONFIG: '', HOME: '/root' },
        });
        expect(unknownEnvironment).to.deep.equal(['MEDIATOR_PROT']);
    });

    it('takes the last of a repeated flag and accepts numbers given as text', function () {
        const { config } = loadConfig({ flags: { port: [1, 2], 'drain-window-ms': '250' } });
        expect(config.port).to.equal(2);
        expect(config.drainWindowMs).to.equal(250);
    });

    it('treats null in the config file as unset', function () {
        const readFile = files({ '/c.json': '{"nodeId": null, "port": null}' });
        const { config, origins } = loadConfig({ flags: { config: '/c.json' }, readFile });
        expect(config.nodeId).to.equal(undefined);
        expect(origins.port).to.equal('default');
    });

    it('reports every problem of every source at once, naming where each came from', function () {
        const file = JSON.stringify({
            port: 'eighty',
            policy: { maxDeviceSlots: 0, maxSlots: 3 },
            'max-device-slots': 3,
            idleTimeoutS: 3,
        });
        const problems = problemsOf({
            flags: { config: '/m.json', 'drain-window-ms': Number.NaN, 'presence-ttl-ms': 50 },
            env: { MEDIATOR_HANDSHAKE_TIMEOUT_MS: '10s', MEDIATOR_LOG_LEVEL: 'loud', REDIS_URL: 'redis://x' },
            readFile: files({ '/m.json': file }),
        });
        const expected = [
            'config file /m.json: port must be a number, got "eighty"',
            'config file /m.json: unknown setting "policy.maxSlots"',
            'config file /m.json: unknown setting "max-device-slots" (did you mean "policy": { "maxDeviceSlots": ... }?)',
            'MEDIATOR_HANDSHAKE_TIMEOUT_MS must be a whole number, got "10s"',
            '--drain-window-ms must be a whole number',
            'policy.maxDeviceSlots must be an integer from 1 to 1000, got 0 (from /m.json)',
            'idleTimeoutS must be an integer from 8 to 960, got 3 (from /m.json)',
            'presenceTtlMs must be an integer of at least 100, got 50 (from --presence-ttl-ms)',
            'presenceTtlMs must be at least three times presenceRenewIntervalMs (from --presence-ttl-ms)',
            'logLevel must be one of debug, info, warn, error, silent, got loud (from MEDIATOR_LOG_LEVEL)',
            'redisUrl and databaseUrl go together: give both (Redis + PostgreSQL) or neither (embedded) (from REDIS_URL)',
        ];
        expect([...problems].sort()).to.deep.equal([...expected].sort());
    });

    it('reports an unreadable, malformed or non-object config file', function () {
        expect(problemsOf({ flags: { config: '/missing.json' }, readFile: files({}) })).to.deep.equal([
            'config file /missing.json: cannot read it (ENOENT)',
        ]);
        const [malformed] = problemsOf({ flags: { config: '/bad.json' }, readFile: files({ '/bad.json': '{port' }) });
        expect(malformed).to.match(/^config file \/bad\.json: not valid JSON/u);
        expect(problemsOf({ flags: { config: '/a.json' }, readFile: files({ '/a.json': '[1]' }) })).to.deep.equal([
            'config file /a.json: must hold a JSON object of settings',
        ]);
    });

    it('never repeats a secret value in a message', function () {
        const token = 'short token';
        const problems = problemsOf({
            flags: { config: '/s.json' },
            env: { MEDIATOR_ADMIN_TOKEN: token, DATABASE_URL: 'mysql://admin:hunter2@db/x' },
            readFile: files({ '/s.json': JSON.stringify({ redisUrl: 42 }) }),
        });
        const text = problems.join('\n');
        expect(text).to.include('adminToken must be at least 16 characters without spaces (from MEDIATOR_ADMIN_TOKEN)');
        expect(text).to.include('databaseUrl must be a postgres: or postgresql: URL (from DATABASE_URL)');
        expect(text).to.include('config file /s.json: redisUrl must be a string\n');
        expect(text).not.to.include('short token');
        expect(text).not.to.include('hunter2');
        expect(text).not.to.include('42');
    });

    it('validates the new operations settings', function () {
        const problems = problemsOf({
            flags: { 'admin-port': 8080, port: 8080, 'admin-host': ' ', 'drain-window-ms': 3_600_000 },
            env: { MEDIATOR_NODE_ID: 'node a', MEDIATOR_TLS_KEY: '/etc/key.pem' },
        });
        expect(problems).to.have.members([
            'adminPort must differ from port (from --admin-port)',
            'adminHost must be a non-empty string (from --admin-host)',
            'drainWindowMs must be an integer from 0 to 600000, got 3600000 (from --drain-window-ms)',
            "nodeId must be 1-64 letters, digits, '.', '_' or '-' (from MEDIATOR_NODE_ID)",
            'tlsCert and tlsKey go together: give both or neither (from MEDIATOR_TLS_KEY)',
            'tlsKey: cannot read /etc/key.pem (ENOENT) (from MEDIATOR_TLS_KEY)',
        ]);
    });

    it('turns the admin port on with a token (default port) or an explicit port, and off otherwise', function () {
        expect(adminListenPort(buildConfig())).to.equal(undefined);
        expect(adminListenPort(buildConfig({ adminToken: 'a'.repeat(32) }))).to.equal(9090);
        expect(adminListenPort(buildConfig({ adminPort: 0 }))).to.equal(0);
        expect(adminListenPort(buildConfig({ adminPort: 9191, adminToken: 'b'.repeat(16) }))).to.equal(9191);
    });

    it('leaves values that do not parse out of the merge, so lower sources still apply', function () {
        const { layers, problems } = collectSettings({
            flags: { port: Number.NaN },
            env: { MEDIATOR_PORT: '1234', MEDIATOR_SWEEP_INTERVAL_MS: 'soon' },
        });
        expect(problems).to.deep.equal([
            'MEDIATOR_SWEEP_INTERVAL_MS must be a whole number, got "soon"',
            '--port must be a whole number',
        ]);
        expect(layers.map((layer) => [layer.origin, Object.fromEntries(layer.values)])).to.deep.equal([
            ['env', { port: 1234 }],
            ['flag', {}],
        ]);
    });
});

const DATABASE_URL = 'postgres://db/mediator';

describe('redis mode setting (one server, or a cluster whose redisUrl lists seed nodes)', function () {
    it('defaults to one Redis server', function () {
        const { config } = loadConfig({ env: { REDIS_URL: 'redis://r:6379', DATABASE_URL }, flags: {} });
        expect(config.redisMode).to.equal('standalone');
    });

    it('takes seed URLs separated by commas in cluster mode, from flags or the environment', function () {
        const seeds = 'redis://a:7000, redis://b:7001,rediss://c:7002';
        const fromEnv = loadConfig({ env: { MEDIATOR_REDIS_MODE: 'cluster', REDIS_URL: seeds, DATABASE_URL } });
        expect(fromEnv.config.redisMode).to.equal('cluster');
        expect(fromEnv.config.redisUrl).to.equal(seeds);
        const fromFlags = loadConfig({
            env: {},
            flags: { 'redis-mode': 'cluster', 'redis-url': seeds, 'database-url': DATABASE_URL },
        });
        expect(fromFlags.config.redisMode).to.equal('cluster');
    });

    it('refuses a list of URLs outside cluster mode, a bad seed, and an unknown mode, without repeating URLs', function () {
        const list = 'redis://a:7000,redis://b:7001';
        expect(problemsOf({ env: { REDIS_URL: list, DATABASE_URL } }).join('\n')).to.match(/redisUrl must be/u);
        const bad = problemsOf({
            env: { MEDIATOR_REDIS_MODE: 'cluster', REDIS_URL: 'redis://user:secret@a:7000,http://b', DATABASE_URL },
        });
        expect(bad.join('\n')).to.match(/redisUrl must be a redis: or rediss: URL \(or several/u);
        expect(bad.join('\n')).not.to.include('secret');
        const mode = problemsOf({ env: { MEDIATOR_REDIS_MODE: 'sentinel', REDIS_URL: list, DATABASE_URL } });
        expect(mode.join('\n')).to.match(/redisMode must be one of standalone, cluster/u);
    });
});

describe('workers setting', function () {
    it('takes a count or auto, and needs the shared backend for more than one', function () {
        const shared = { REDIS_URL: 'redis://r:6379', DATABASE_URL };
        expect(loadConfig({ env: shared, flags: { workers: '4' } }).config.workers).to.equal('4');
        expect(loadConfig({ env: { ...shared, MEDIATOR_WORKERS: 'auto' } }).config.workers).to.equal('auto');
        expect(loadConfig({ env: {}, flags: {} }).config.workers).to.equal('1');
        expect(problemsOf({ env: {}, flags: { workers: '2' } }).join('\n')).to.match(
            /workers 2 needs the shared backend/u,
        );
        for (const bad of ['0', 'many', '1.5', '257']) {
            expect(problemsOf({ env: shared, flags: { workers: bad } }).join('\n')).to.match(
                /workers must be auto or/u,
            );
        }
    });

    it('resolves auto to one worker per core', function () {
        expect(workerCount({ workers: 'auto' }, 6)).to.equal(6);
        expect(workerCount({ workers: '3' }, 6)).to.equal(3);
    });
});
