/**
 * One port, one node: a second `mediator serve` on a port a running node
 * already listens on must refuse to start (non-zero exit and a message that
 * names the address) instead of sharing the port with it, and the first node
 * keeps serving. The same holds for the admin HTTP port.
 */
import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import { MediatorStartError, spawnMediator, type MediatorProcess } from '../helpers/mediator-process.js';
import { TestGroup } from '../helpers/devices.js';
import { freePort } from '../helpers/services.js';

async function expectStartFailure(start: Promise<MediatorProcess>): Promise<MediatorStartError> {
    try {
        const node = await start;
        await node.stop();
    } catch (error) {
        expect(error).to.be.instanceOf(MediatorStartError);
        return error as MediatorStartError;
    }
    throw new Error('the second mediator started on a port that was taken');
}

describe('exclusive listening ports (separate processes)', function () {
    this.timeout(60_000);
    const nodes: MediatorProcess[] = [];

    after(async function () {
        await Promise.all(nodes.map((node) => node.stop()));
    });

    it('refuses a second node on the WebSocket port of a running one; the first keeps serving', async function () {
        // A fixed port: one the kernel picked for port 0 would not be shared even with SO_REUSEPORT.
        const port = String(await freePort());
        const first = await spawnMediator({ args: ['--port', port] });
        nodes.push(first);
        expect(new URL(first.url).port).to.equal(port);

        const failure = await expectStartFailure(spawnMediator({ args: ['--port', port] }));
        expect(failure.exit.code).to.be.a('number').and.not.equal(0);
        expect(failure.stderr).to.include(`mediator: cannot listen on 127.0.0.1:${port}: the port is in use`);

        expect(first.child.exitCode).to.equal(null);
        // Every new connection reaches the first node and completes the handshake there.
        const group = new TestGroup(first.url);
        for (let id = 1n; id <= 4n; id++) {
            const device = await group.connect(id);
            await device.client.close();
        }
    });

    it('refuses to start when the admin HTTP port is taken', async function () {
        const holder: Server = createServer();
        await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
        try {
            const { port } = holder.address() as { port: number };
            const failure = await expectStartFailure(spawnMediator({ args: ['--admin-port', String(port)] }));
            expect(failure.exit.code).to.be.a('number').and.not.equal(0);
            expect(failure.stderr).to.include(
                `mediator: cannot listen on 127.0.0.1:${port} (admin HTTP port): the port is in use`,
            );
        } finally {
            await new Promise<void>((resolve) => holder.close(() => resolve()));
        }
    });
});
