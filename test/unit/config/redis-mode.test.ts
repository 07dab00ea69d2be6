/**
 * The Redis mode setting: one Redis server (default) or a Redis Cluster,
 * whose `redisUrl` lists seed nodes separated by commas.
 */
import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { loadConfig, type ConfigSources } from '../../../src/config/load.js';

const DATABASE_URL = 'postgres://db/mediator';

function problemsOf(sources: ConfigSources): readonly string[] {
    try {
        loadConfig(sources);
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return (error as ConfigError).problems;
    }
    expect.fail('expected a ConfigError');
}

describe('redis mode setting', function () {
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
