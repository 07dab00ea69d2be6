import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';
import {
    checkChatServerAddressSpec,
    formatChatServerAddress,
    loadChatServerAddressMap,
} from '../../../src/upstream/address-map.js';

function problems(spec: string, files: Record<string, string> = {}): readonly string[] {
    return checkChatServerAddressSpec(spec, (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        return text;
    }).problems;
}

function table(json: unknown): (path: string) => string {
    return () => JSON.stringify(json);
}

describe('chat-server address mapping', function () {
    describe('templates', function () {
        it('puts the server group into the host', function () {
            const map = loadChatServerAddressMap('{serverGroup}.chat.example.net:5222');
            expect(map.addressFor('4f')).to.deep.equal({ host: '4f.chat.example.net', port: 5222 });
            expect(map.addressFor('eu1')).to.deep.equal({ host: 'eu1.chat.example.net', port: 5222 });
            expect(map.source).to.equal('{serverGroup}.chat.example.net:5222');
        });

        it('replaces every occurrence of the placeholder', function () {
            const map = loadChatServerAddressMap('g-{serverGroup}.{serverGroup}.example:1');
            expect(map.addressFor('ab')!.host).to.equal('g-ab.ab.example');
        });

        it('accepts a fixed address (no placeholder), IPv4 and bracketed IPv6', function () {
            expect(loadChatServerAddressMap('127.0.0.1:5222').addressFor('anything')).to.deep.equal({
                host: '127.0.0.1',
                port: 5222,
            });
            expect(loadChatServerAddressMap('localhost:1').addressFor('x')).to.deep.equal({
                host: 'localhost',
                port: 1,
            });
            const v6 = loadChatServerAddressMap('[::1]:65535').addressFor('x')!;
            expect(v6).to.deep.equal({ host: '::1', port: 65535 });
            expect(formatChatServerAddress(v6)).to.equal('[::1]:65535');
        });

        const invalid: readonly (readonly [string, string])[] = [
            ['chat.example.net', 'no port'],
            ['chat.example.net:', 'port must be'],
            ['chat.example.net:0', 'port must be'],
            ['chat.example.net:65536', 'port must be'],
            ['chat.example.net:52x', 'port must be'],
            ['chat.example.net:{serverGroup}', 'port must be'],
            [':5222', 'host is empty'],
            ['{server}.example.net:5222', 'only placeholder'],
            ['{serverGroup.example.net:5222', 'only placeholder'],
            ['chat example.net:5222', 'not a valid host name'],
            ['::1:5222', 'IPv6 host in brackets'],
            ['   ', 'is empty'],
        ];
        for (const [spec, expected] of invalid) {
            it(`rejects "${spec}" (${expected})`, function () {
                const found = problems(spec);
                expect(found.join('\n')).to.include(expected);
            });
        }
    });

    describe('tables (file:<path>)', function () {
        it('maps listed groups, falls back to "*", and has no address otherwise', function () {
            const map = loadChatServerAddressMap(
                'file:/etc/chat.json',
                table({ '4f': 'a.example:5222', eu1: '[::1]:7000', '*': '10.0.0.1:5222' }),
            );
            expect(map.addressFor('4f')).to.deep.equal({ host: 'a.example', port: 5222 });
            expect(map.addressFor('eu1')).to.deep.equal({ host: '::1', port: 7000 });
            expect(map.addressFor('zz')).to.deep.equal({ host: '10.0.0.1', port: 5222 });
            const strict = loadChatServerAddressMap('file:x.json', table({ '4f': 'a.example:5222' }));
            expect(strict.addressFor('4F')).to.equal(undefined);
            expect(strict.addressFor('50')).to.equal(undefined);
        });

        it('reads a real file', function () {
            const dir = mkdtempSync(join(tmpdir(), 'chat-map-'));
            try {
                const path = join(dir, 'map.json');
                writeFileSync(path, JSON.stringify({ '4f': 'chat.example:5222' }));
                expect(loadChatServerAddressMap(`file:${path}`).addressFor('4f')).to.deep.equal({
                    host: 'chat.example',
                    port: 5222,
                });
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });

        it('lists every problem of a table at once', function () {
            const found = problems('file:t.json', {
                't.json': JSON.stringify({
                    '4f': 'a.example:0',
                    '5a': '{serverGroup}.example:1',
                    'bad-key': 'a.example:1',
                    '6b': 42,
                    '7c': 'no-port',
                }),
            });
            expect(found).to.have.length(5);
            expect(found.join('\n'))
                .to.include('entry "4f": port must be')
                .and.include('entry "5a": {serverGroup} is only allowed in a template')
                .and.include('entry "bad-key": a server group must match')
                .and.include('entry "6b": the address must be a "host:port" string')
                .and.include('entry "7c": "no-port" has no port');
        });

        for (const [what, files, spec, expected] of [
            ['an unreadable file', {}, 'file:missing.json', 'cannot read missing.json (ENOENT)'],
            ['invalid JSON', { 'b.json': '{' }, 'file:b.json', 'b.json is not valid JSON'],
            ['an array', { 'c.json': '[]' }, 'file:c.json', 'must hold one JSON object'],
            ['an empty table', { 'd.json': '{}' }, 'file:d.json', 'lists no server group'],
            ['a missing path', {}, 'file:', 'needs a path'],
        ] as const) {
            it(`rejects ${what}`, function () {
                expect(problems(spec, files).join('\n')).to.include(expected);
            });
        }
    });

    describe('configuration', function () {
        it('has no chat-server proxy by default and bounded relay buffers', function () {
            const config = buildConfig();
            expect(config.chatServerAddress).to.equal(undefined);
            expect(config.upstreamConnectTimeoutMs).to.equal(10_000);
            expect(config.upstreamReadHighWaterBytes).to.be.greaterThan(0);
            expect(config.upstreamWriteMaxBytes).to.be.greaterThan(0);
        });

        it('reports every invalid proxy setting in one ConfigError', function () {
            let error: unknown;
            try {
                buildConfig({
                    chatServerAddress: 'file:/nonexistent/chat-servers.json',
                    upstreamConnectTimeoutMs: 0,
                    upstreamReadHighWaterBytes: -1,
                    upstreamWriteMaxBytes: 1.5,
                });
            } catch (caught) {
                error = caught;
            }
            expect(error).to.be.instanceOf(ConfigError);
            const list = (error as ConfigError).problems.join('\n');
            expect((error as ConfigError).problems).to.have.length(4);
            expect(list)
                .to.include('chatServerAddress: cannot read /nonexistent/chat-servers.json')
                .and.include('upstreamConnectTimeoutMs')
                .and.include('upstreamReadHighWaterBytes')
                .and.include('upstreamWriteMaxBytes');
        });

        it('reports a bad port with the setting name', function () {
            expect(() => buildConfig({ chatServerAddress: '{serverGroup}.chat.example.net:99999' })).to.throw(
                ConfigError,
                /chatServerAddress: template: port must be a number from 1 to 65535/u,
            );
        });
    });
});
