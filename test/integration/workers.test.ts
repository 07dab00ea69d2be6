/**
 * `mediator serve --workers N`: two worker processes share one port on
 * Redis + PostgreSQL; devices on either reach each other; one admin port
 * sums the workers' metrics and shows which worker holds each device; a
 * plain node cannot join the port; SIGTERM drains every worker; the
 * embedded backend refuses workers.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { MEDIATOR_MAIN, spawnMediator, type MediatorProcess } from '../../scripts/lib/mediator-process.js';
import { numberedEnvelope, TestGroup, type TestDevice } from '../helpers/devices.js';
import { MediatorStartError } from '../helpers/mediator-process.js';
import { getDatabaseUrl, getRedisUrl } from '../helpers/services.js';

const TOKEN = 'workers-test-token-0123456789abcdef';

function hexGroupId(group: TestGroup): string {
    return Buffer.from(group.keys.deviceGroupId).toString('hex');
}

describe('mediator serve --workers', function () {
    this.timeout(90_000);

    it('refuses workers with the embedded backend (exit 2, the reason)', async function () {
        const child = spawn(process.execPath, [MEDIATOR_MAIN, 'serve', '--port', '0', '--workers', '2'], {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, REDIS_URL: '', DATABASE_URL: '' },
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        expect(code).to.equal(2);
        expect(stderr).to.include('workers 2 needs the shared backend');
    });

    describe('two workers on Redis + PostgreSQL', function () {
        let node: MediatorProcess;
        const groups: TestGroup[] = [];

        before(async function () {
            const [redisUrl, databaseUrl] = await Promise.all([getRedisUrl(), getDatabaseUrl()]);
            // prettier-ignore
            node = await spawnMediator({
                args: [
                    '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--node-id', 'multi',
                    '--redis-url', redisUrl, '--database-url', databaseUrl,
                    '--admin-port', '0', '--admin-token', TOKEN,
                    '--drain-window-ms', '300', '--log-level', 'info',
                ],
                waitForAdmin: true,
                readyTimeoutMs: 60_000,
            });
        });

        after(async function () {
            await Promise.all(groups.map((group) => group.closeAll()));
            if (node !== undefined && node.child.exitCode === null) node.kill('SIGKILL');
        });

        it('spreads devices over both workers, which deliver to each other, and sums their metrics', async function () {
            expect(node.nodeId).to.equal('multi');
            const devices: TestDevice[][] = [];
            for (let g = 0; g < 6; g++) {
                const group = new TestGroup(node.url);
                groups.push(group);
                devices.push(await Promise.all([1n, 2n, 3n].map((id) => group.connect(id))));
            }
            // Which worker holds each device, from the admin API.
            const holders = new Set<string>();
            for (const group of groups) {
                const response = await fetch(`${node.adminUrl}v1/groups/${hexGroupId(group)}`, {
                    headers: { authorization: `Bearer ${TOKEN}` },
                });
                expect(response.status).to.equal(200);
                const body = (await response.json()) as { slots: { online: { nodeId: string } | null }[] };
                for (const slot of body.slots) if (slot.online !== null) holders.add(slot.online.nodeId);
            }
            // 18 connections over two workers: both have some (the kernel spreads them by address and port).
            expect([...holders].sort()).to.deep.equal(['multi-w1', 'multi-w2']);
            for (const [index, members] of devices.entries()) {
                await members[0]!.client.reflect(numberedEnvelope(members[0]!.id, index + 1));
            }
            for (const [index, members] of devices.entries()) {
                for (const receiver of members.slice(1)) {
                    await receiver.waitForReflected(1, 10_000);
                    expect(receiver.numbers()).to.deep.equal([index + 1]);
                }
            }
            const metrics = await (await fetch(`${node.adminUrl}metrics`)).text();
            const handshakes = /^d2m_handshakes_total\{[^}]*outcome="ok"[^}]*\} (\d+)/mu.exec(metrics);
            expect(Number(handshakes?.[1])).to.equal(18);
            const readyz = await fetch(`${node.adminUrl}readyz`);
            expect(readyz.status).to.equal(200);
        });

        it('keeps a plain node off the shared port', async function () {
            const port = new URL(node.url).port;
            const second = await spawnMediator({ args: ['--host', '127.0.0.1', '--port', port] }).then(
                () => undefined,
                (error: unknown) => error,
            );
            expect(second).to.be.instanceOf(MediatorStartError);
            expect((second as MediatorStartError).stderr).to.include('the port is in use');
        });

        it('drains every worker on SIGTERM and exits 0; the devices get 1001', async function () {
            const device = await groups[0]!.connect(9n);
            const status = await node.stop(30_000);
            expect(status).to.deep.equal({ code: 0, signal: null });
            const closed = await device.waitForClose(10_000);
            expect(closed.code).to.equal(1001);
        });
    });
});
