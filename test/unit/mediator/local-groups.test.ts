/**
 * LocalGroups on the embedded coordinator: each event reaches only the
 * local members it concerns, and the bus subscription lives as long as the
 * group has members here.
 */
import { expect } from 'chai';
import { CloseCode } from '../../../d2m/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { LocalGroups, type GroupMember } from '../../../src/mediator/local-groups.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import { createMemoryBackend, type MemoryBackend } from '../../../src/storage/memory-backend.js';
import type { ConnectionId } from '../../../src/storage/types.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, settle, TestGroup } from '../support/session-fakes.js';

class Member implements GroupMember {
    public readonly registered = true;
    public readonly received: GroupEvent['type'][] = [];
    public constructor(public readonly connectionId: ConnectionId) {}
    public onGroupEvent(event: GroupEvent): void {
        this.received.push(event.type);
    }
    public close(): void {}
}

describe('LocalGroups', function () {
    let backend: MemoryBackend;
    let group: TestGroup;
    let groups: LocalGroups;
    let a: Member;
    let b: Member;
    let c: Member;

    beforeEach(async function () {
        backend = createMemoryBackend();
        group = new TestGroup();
        groups = new LocalGroups(backend.coordinator, silentLogger);
        a = new Member('a1');
        b = new Member('b1');
        c = new Member('c1');
        await groups.attach(group.groupId, a, DEVICE_A);
        await groups.attach(group.groupId, b, DEVICE_B);
        await groups.attach(group.groupId, c, DEVICE_C);
    });

    afterEach(async function () {
        await backend.close();
    });

    async function publish(event: GroupEvent): Promise<void> {
        await backend.coordinator.publish(group.groupId, event);
        await settle();
    }

    it('routes each event to the members it concerns', async function () {
        await publish({ type: 'appended', deviceIds: [DEVICE_B, DEVICE_C] });
        await publish({
            type: 'ephemeral',
            senderDeviceId: DEVICE_A,
            flags: 1,
            timestamp: 1,
            envelope: Uint8Array.of(1),
        });
        await publish({ type: 'kick', deviceId: DEVICE_C, connectionId: 'c1', code: CloseCode.DUPLICATE_CONNECTION });
        await publish({ type: 'promoted', deviceId: DEVICE_B, connectionId: 'b1', term: 1 });
        await publish({
            type: 'transaction-ended',
            deviceId: DEVICE_A,
            connectionId: 'a1',
            encryptedScope: Uint8Array.of(1),
        });
        // The holder's connection gets it too: it checks whether its lock ended elsewhere.
        expect(a.received).to.deep.equal(['transaction-ended']);
        expect(b.received).to.deep.equal(['appended', 'ephemeral', 'promoted', 'transaction-ended']);
        expect(c.received).to.deep.equal(['appended', 'ephemeral', 'kick', 'transaction-ended']);
    });

    it('gives a member attached without a device id only its own and group-wide events', async function () {
        const anonymous = new Member('x1');
        await groups.attach(group.groupId, anonymous);
        await publish({ type: 'appended', deviceIds: [DEVICE_B] });
        await publish({
            type: 'ephemeral',
            senderDeviceId: DEVICE_A,
            flags: 1,
            timestamp: 1,
            envelope: Uint8Array.of(1),
        });
        await publish({ type: 'kick', deviceId: DEVICE_C, connectionId: 'x1', code: CloseCode.DUPLICATE_CONNECTION });
        await publish({
            type: 'transaction-ended',
            deviceId: DEVICE_A,
            connectionId: 'a1',
            encryptedScope: new Uint8Array(0),
        });
        expect(anonymous.received).to.deep.equal(['kick', 'transaction-ended']);
    });

    it('stops routing to a detached member and forgets a group without members', async function () {
        groups.detach(group.groupId, b);
        await publish({ type: 'appended', deviceIds: [DEVICE_B, DEVICE_C] });
        expect(b.received).to.deep.equal([]);
        expect(c.received).to.deep.equal(['appended']);
        groups.detach(group.groupId, a);
        groups.detach(group.groupId, c);
        expect(groups.groupIds()).to.deep.equal([]);
        expect(groups.size).to.equal(0);
    });
});
