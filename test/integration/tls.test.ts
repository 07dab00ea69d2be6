/**
 * TLS: with a certificate and key the mediator serves wss:// itself. A
 * self-signed certificate for 127.0.0.1 is made with the openssl CLI at test
 * time; devices trust it through the SDK's `tls.ca` and complete a handshake
 * and a reflection, in process and through `mediator serve`. Bad files are
 * refused at start with a clear ConfigError.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { numberedEnvelope, TestGroup } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';

interface CertificateFiles {
    readonly dir: string;
    readonly cert: string;
    readonly key: string;
    readonly certPem: string;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid for a day. */
function makeCertificate(dir: string, name: string): CertificateFiles {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    execFileSync(
        'openssl',
        [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:prime256v1',
            '-nodes',
            '-keyout',
            key,
            '-out',
            cert,
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { stdio: 'ignore' },
    );
    return { dir, cert, key, certPem: readFileSync(cert, 'utf8') };
}

function configProblems(flags: Record<string, unknown>): readonly string[] {
    try {
        loadConfig({ flags, env: {} });
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return (error as ConfigError).problems;
    }
    return [];
}

describe('TLS (wss://)', function () {
    let dir: string;
    let files: CertificateFiles;

    before(function () {
        dir = mkdtempSync(join(tmpdir(), 'd2m-tls-'));
        files = makeCertificate(dir, 'mediator');
    });

    after(function () {
        rmSync(dir, { recursive: true, force: true });
    });

    describe('in process', function () {
        let mediator: TestMediator;
        let url: string;
        const groups: TestGroup[] = [];

        before(async function () {
            mediator = await startTestMediator({ config: { tlsCert: files.cert, tlsKey: files.key } });
            url = `wss://127.0.0.1:${mediator.server.port}/`;
        });

        after(async function () {
            await Promise.all(groups.map((group) => group.closeAll()));
            await mediator.stop();
        });

        it('completes a handshake and a reflection over wss:// with the certificate trusted', async function () {
            expect(mediator.server.tls).to.equal(true);
            const group = new TestGroup(url);
            groups.push(group);
            const a = await group.connect(1n, { tls: { ca: files.certPem } });
            const b = await group.connect(2n, { tls: { ca: files.certPem } });
            expect(a.client.serverInfo.maxDeviceSlots).to.be.greaterThan(0);
            await a.client.reflect(numberedEnvelope(a.id, 7));
            await b.waitForReflected(1);
            expect(b.numbers(a.id)).to.deep.equal([7]);
        });

        it('is refused by a client that does not trust the certificate', async function () {
            const group = new TestGroup(url);
            groups.push(group);
            let failure: unknown;
            try {
                await group.connect(3n);
            } catch (error) {
                failure = error;
            }
            expect(failure).to.be.instanceOf(Error);
            const causes: string[] = [];
            for (let cause: unknown = failure; cause instanceof Error; cause = cause.cause) {
                causes.push(`${cause.message} ${String((cause as { code?: unknown }).code)}`);
            }
            expect(causes.join(' | ')).to.match(/self[- ]signed/iu);
        });

        it('does not speak plain ws:// on the TLS port', async function () {
            const socket = new WebSocket(`ws://127.0.0.1:${mediator.server.port}/0123`);
            const outcome = await new Promise<string>((resolve) => {
                socket.once('open', () => resolve('open'));
                socket.once('error', () => resolve('error'));
            });
            socket.terminate();
            expect(outcome).to.equal('error');
        });
    });

    describe('mediator serve --tls-cert --tls-key', function () {
        let node: MediatorProcess | undefined;

        after(async function () {
            await node?.stop();
        });

        it('prints a wss:// URL that devices reach', async function () {
            node = await spawnMediator({ args: ['--tls-cert', files.cert, '--tls-key', files.key] });
            expect(node.url).to.match(/^wss:\/\/127\.0\.0\.1:\d+\/$/u);
            const group = new TestGroup(node.url);
            const a = await group.connect(1n, { tls: { ca: files.certPem } });
            const b = await group.connect(2n, { tls: { rejectUnauthorized: false } });
            await b.client.reflect(numberedEnvelope(b.id, 1));
            await a.waitForReflected(1);
            expect(a.numbers(b.id)).to.deep.equal([1]);
            await group.closeAll();
        });
    });

    describe('configuration', function () {
        it('refuses missing, unreadable and mismatched files with one clear ConfigError', function () {
            const other = makeCertificate(dir, 'other');
            const garbage = join(dir, 'garbage.pem');
            writeFileSync(garbage, 'not a certificate\n');
            expect(configProblems({ 'tls-cert': join(dir, 'missing.crt'), 'tls-key': files.key })).to.deep.equal([
                `tlsCert: cannot read ${join(dir, 'missing.crt')} (ENOENT) (from --tls-cert)`,
            ]);
            expect(configProblems({ 'tls-cert': garbage, 'tls-key': garbage })).to.deep.equal([
                `tlsCert: ${garbage} is not a PEM certificate (from --tls-cert)`,
                `tlsKey: ${garbage} is not an unencrypted PEM private key (from --tls-key)`,
            ]);
            expect(configProblems({ 'tls-cert': files.cert, 'tls-key': other.key })).to.deep.equal([
                `tlsKey: ${other.key} is not the private key of ${files.cert} (from --tls-key)`,
            ]);
            expect(configProblems({ 'tls-cert': files.cert })).to.deep.equal([
                'tlsCert and tlsKey go together: give both or neither (from --tls-cert)',
            ]);
            expect(configProblems({ 'tls-cert': files.cert, 'tls-key': files.key })).to.deep.equal([]);
        });

        it('makes `mediator serve` exit with 2 before listening', async function () {
            const result = await spawnMediator({
                args: ['--tls-cert', join(dir, 'missing.crt'), '--tls-key', files.key],
            }).then(
                () => 'started',
                (error: unknown) => String(error),
            );
            expect(result).to.include('exited (2)');
            expect(result).to.include('tlsCert: cannot read');
        });
    });
});
