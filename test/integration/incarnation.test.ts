/**
 * Node incarnations: connection ids carry a random name of the node's
 * process run, so a node restarted under the same --node-id, or a second
 * live process with that id, never reuses a connection id that presence,
 * kicks, locks or promotions may still name.
 */
import { expect } from 'chai';
import { CloseCode } from '../../d2m/index.js';
import { createMemoryBackend } from '../../src/storage/memory-backend.js';
import { connectionIdOf, groupIdFromBytes, newIncarnation } from '../../src/storage/types.js';
import { TestGroup } from '../helpers/devices.js';
import { startTestMediator, type TestMediator } from '../helpers/mediator.js';

describe('node incarnation', function () {
    this.timeout(20_000);

    it('builds connection ids from node id, incarnation and counter; incarnations differ', function () {
        const incarnations = new Set(Array.from({ length: 100 }, () => newIncarnation()));
        expect(incarnations.size).to.equal(100);
        for (const incarnation of incarnations) expect(incarnation).to.match(/^[0-9a-f]{8}$/u);
        expect(connectionIdOf('node-1', 'a1b2c3d4', 35)).to.equal('node-1/a1b2c3d4.z');
    });

    it('gives different connection ids after a restart under the same --node-id', async function () {
        const backend = createMemoryBackend();
        const ids: string[] = [];
        try {
            for (let run = 0; run < 2; run++) {
                const mediator = await startTestMediator({ backend, config: { nodeId: 'same' } });
                try {
                    const group = new TestGroup(mediator.url);
                    await group.connect(1n);
                    const [stats] = mediator.server.sessionStats();
                    expect(stats?.connectionId).to.match(new RegExp(`^same/${mediator.server.incarnation}\\.1$`, 'u'));
                    ids.push(stats?.connectionId ?? '');
                    await group.closeAll();
                } finally {
                    await mediator.stop();
                }
            }
        } finally {
            await backend.close();
        }
        expect(ids[0]).to.not.equal(ids[1]);
    });

    it('keeps two live nodes with one --node-id apart: a device moving between them replaces its old connection (4112)', async function () {
        const backend = createMemoryBackend();
        const nodes: TestMediator[] = [];
        try {
            nodes.push(await startTestMediator({ backend, config: { nodeId: 'twin' } }));
            nodes.push(await startTestMediator({ backend, config: { nodeId: 'twin' } }));
            const [a, b] = nodes as [TestMediator, TestMediator];
            expect(a.server.incarnation).to.not.equal(b.server.incarnation);
            const onA = new TestGroup(a.url);
            const onB = new TestGroup(b.url, onA.dgk);
            // Both nodes' first connection: without incarnations both would be `twin/1`.
            const first = await onA.connect(1n);
            const second = await onB.connect(1n);
            expect((await first.waitForClose()).code).to.equal(CloseCode.DUPLICATE_CONNECTION);
            const groupId = groupIdFromBytes(onA.keys.deviceGroupId);
            const presence = (await backend.coordinator.listPresence(groupId, Date.now())).map(
                (entry) => entry.connectionId,
            );
            expect(presence).to.deep.equal(b.server.sessionStats().map((stats) => stats.connectionId));
            expect(second.client.closeError).to.equal(undefined);
            await onB.closeAll();
        } finally {
            for (const node of nodes) await node.stop();
            await backend.close();
        }
    });
});
