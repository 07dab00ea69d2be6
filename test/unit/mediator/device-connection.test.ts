/**
 * DeviceConnection on the embedded backend with a clock the test moves: the
 * transaction lock (held reflections, one release path on commit, TTL and
 * connection end, abandoned locks), leader state, and the replies and
 * errors of each request.
 */
import { expect } from 'chai';
import {
    CloseCode,
    D2mPayloadType,
    D2mProtocolError,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    FLAG_EPHEMERAL,
    Reflected,
    type D2mMessage,
    type DeviceId,
} from '../../../d2m/index.js';
import { DeviceConnection, type DeviceLink } from '../../../src/mediator/device-connection.js';
import { PresenceLostError } from '../../../src/errors.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import {
    callNames,
    DEVICE_A,
    DEVICE_B,
    DEVICE_C,
    rejectionOf,
    settle,
    TestGroup,
    testNode,
    type TestNode,
} from '../support/session-fakes.js';

const SCOPE = Uint8Array.of(5, 5);

class RecordingLink implements DeviceLink {
    public readonly replies: D2mMessage[] = [];
    public readonly notifications: D2mMessage[] = [];
    public closed: CloseCode | undefined;
    public readonly acked: number[] = [];

    public constructor(public readonly logger: DeviceLink['logger']) {}

    public reply(message: D2mMessage): void {
        this.replies.push(message);
    }

    public notify(message: D2mMessage): void {
        this.notifications.push(message);
    }

    public close(code: CloseCode): void {
        this.closed ??= code;
    }

    public ackReflected(reflectedId: number): boolean {
        this.acked.push(reflectedId);
        return reflectedId === 1;
    }

    public acksApplied(): Promise<void> {
        return Promise.resolve();
    }

    public replyTypes(): D2mPayloadType[] {
        return this.replies.map((message) => message.type);
    }
}

describe('DeviceConnection', function () {
    let node: TestNode;
    let group: TestGroup;
    let events: GroupEvent[];
    let unsubscribe: () => Promise<void>;

    async function connect(deviceId: DeviceId, connectionId: string): Promise<[DeviceConnection, RecordingLink]> {
        const { backend, config } = node;
        await backend.groups.loginSlot({
            groupId: group.groupId,
            deviceId,
            expirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
            encryptedDeviceInfo: new Uint8Array(0),
            expectedState: undefined,
            exhaustedPolicy: DeviceSlotsExhaustedPolicy.REJECT,
            onlineDeviceIds: new Set(),
            defaults: config.policy,
            now: node.now(),
        });
        await backend.queue.addSlot(group.groupId, deviceId);
        await backend.coordinator.register(group.groupId, {
            deviceId,
            connectionId,
            nodeId: node.nodeId,
            connectedSince: node.now(),
            expiresAt: node.now() + config.presenceTtlMs,
        });
        const link = new RecordingLink(node.logger);
        const device = new DeviceConnection(
            node,
            { groupId: group.groupId, deviceId, connectionId, policy: config.policy },
            link,
        );
        return [device, link];
    }

    async function queued(deviceId: DeviceId): Promise<number[]> {
        const items = await node.backend.queue.read(group.groupId, deviceId, 0, 100, 1_000_000);
        return items.map((item) => item.envelope[0] ?? -1);
    }

    function reflect(marker: number, flags = 0): { flags: number; reflectId: number; envelope: Uint8Array } {
        return { flags, reflectId: marker, envelope: Uint8Array.of(marker) };
    }

    function eventTypes(): string[] {
        return events.map((event) => event.type);
    }

    beforeEach(async function () {
        node = testNode({ transactionTtlDefaultS: 30, transactionTtlMaxS: 120 });
        group = new TestGroup();
        events = [];
        unsubscribe = await node.backend.coordinator.subscribe(group.groupId, (event) => events.push(event));
    });

    afterEach(async function () {
        await unsubscribe();
        await node.backend.close();
    });

    describe('reflect', function () {
        it('stores the reflection for the other slots, then sends ReflectAck with its timestamp', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.reflect(reflect(7));
            expect(await queued(DEVICE_B)).to.deep.equal([7]);
            expect(await queued(DEVICE_A)).to.deep.equal([]);
            expect(linkA.replies).to.deep.equal([
                { type: D2mPayloadType.REFLECT_ACK, body: { reflectId: 7, timestamp: node.now() } },
            ]);
            expect(callNames(node.metrics)).to.include.ordered.members(['reflectReceived', 'reflectAcked']);
        });

        it('publishes an ephemeral reflection without storing it or acknowledging it', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.reflect(reflect(7, FLAG_EPHEMERAL));
            await settle();
            expect(await queued(DEVICE_B)).to.deep.equal([]);
            expect(linkA.replies).to.deep.equal([]);
            expect(eventTypes()).to.deep.equal(['ephemeral']);
        });

        it('acks a reflection that overflows a slot, then tombstones that slot and closes it (4114)', async function () {
            node = testNode({ policy: { queueMaxCount: 1 } });
            await unsubscribe();
            unsubscribe = await node.backend.coordinator.subscribe(group.groupId, (event) => events.push(event));
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.reflect(reflect(1));
            await a.reflect(reflect(2));
            await settle();
            expect(linkA.replyTypes()).to.deep.equal([D2mPayloadType.REFLECT_ACK, D2mPayloadType.REFLECT_ACK]);
            expect(events.filter((event) => event.type === 'kick')).to.deep.equal([
                {
                    type: 'kick',
                    deviceId: DEVICE_B,
                    connectionId: 'b1',
                    code: CloseCode.REFLECTION_QUEUE_LIMIT_REACHED,
                },
            ]);
            expect(await node.backend.queue.listSlots(group.groupId)).to.deep.equal([DEVICE_A]);
            expect(callNames(node.metrics)).to.include('queueOverflowed');
        });

        it('refuses a Reflect from a connection whose presence was replaced or has expired: nothing stored, no ReflectAck', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.reflect(reflect(1));
            // The device logged in again elsewhere: this connection is no longer its presence.
            const [a2, linkA2] = await connect(DEVICE_A, 'a2');
            expect(await rejectionOf(a.reflect(reflect(2)))).to.be.instanceOf(PresenceLostError);
            await a2.reflect(reflect(3));
            expect(linkA.replies.map((message) => message.type)).to.deep.equal([D2mPayloadType.REFLECT_ACK]);
            await node.clock.advance(node.config.presenceTtlMs);
            expect(await rejectionOf(a2.reflect(reflect(4)))).to.be.instanceOf(PresenceLostError);
            expect(linkA2.replies.map((message) => message.type)).to.deep.equal([D2mPayloadType.REFLECT_ACK]);
            expect(await queued(DEVICE_B)).to.deep.equal([1, 3]);
        });

        it('refuses an envelope that cannot fit a Reflected (4010)', async function () {
            const [a] = await connect(DEVICE_A, 'a1');
            const envelope = new Uint8Array(Reflected.ENVELOPE_MAX_BYTE_LENGTH + 1);
            expect(await rejectionOf(a.reflect({ flags: 0, reflectId: 1, envelope }))).to.be.instanceOf(
                D2mProtocolError,
            );
        });
    });

    describe('transaction lock', function () {
        it('holds reflections until commit, then delivers them before TransactionEnded', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            expect(a.holdsLock).to.equal(true);
            await a.reflect(reflect(1));
            await a.reflect(reflect(2));
            expect(await queued(DEVICE_B)).to.deep.equal([]);
            await a.commitTransaction();
            await settle();
            expect(a.holdsLock).to.equal(false);
            expect(await queued(DEVICE_B)).to.deep.equal([1, 2]);
            expect(eventTypes()).to.deep.equal(['appended', 'transaction-ended']);
            expect(linkA.replyTypes()).to.deep.equal([
                D2mPayloadType.BEGIN_TRANSACTION_ACK,
                D2mPayloadType.REFLECT_ACK,
                D2mPayloadType.REFLECT_ACK,
                D2mPayloadType.COMMIT_TRANSACTION_ACK,
            ]);
            expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.equal(undefined);
            expect(callNames(node.metrics)).to.include.members(['lockAcquired', 'lockReleased']);
        });

        it('rejects BeginTransaction while another device holds the lock, naming the holder', async function () {
            const [a] = await connect(DEVICE_A, 'a1');
            const [b, linkB] = await connect(DEVICE_B, 'b1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            await b.beginTransaction({ encryptedScope: Uint8Array.of(9), ttl: 0 });
            expect(b.holdsLock).to.equal(false);
            expect(linkB.replies).to.deep.equal([
                { type: D2mPayloadType.TRANSACTION_REJECTED, body: { deviceId: DEVICE_A, encryptedScope: SCOPE } },
            ]);
        });

        it('treats BeginTransaction while holding and CommitTransaction without the lock as protocol errors', async function () {
            const [a] = await connect(DEVICE_A, 'a1');
            expect(await rejectionOf(a.commitTransaction())).to.be.instanceOf(D2mProtocolError);
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            expect(await rejectionOf(a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 }))).to.be.instanceOf(
                D2mProtocolError,
            );
            expect(a.holdsLock).to.equal(true);
        });

        it('closes with 4011 when the TTL is reached; the end of the connection then releases the lock', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 5 });
            await a.reflect(reflect(3));
            await node.clock.advance(4_999);
            expect(linkA.closed).to.equal(undefined);
            await node.clock.advance(1);
            expect(linkA.closed).to.equal(CloseCode.TRANSACTION_TTL_EXCEEDED);
            expect(a.holdsLock).to.equal(true);
            await a.end();
            await settle();
            expect(a.holdsLock).to.equal(false);
            expect(await queued(DEVICE_B)).to.deep.equal([3]);
            expect(eventTypes()).to.deep.equal(['appended', 'transaction-ended']);
        });

        it('caps the TTL at the maximum and uses the default for 0', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 1000 });
            await node.clock.advance(119_999);
            expect(linkA.closed).to.equal(undefined);
            await node.clock.advance(1);
            expect(linkA.closed).to.equal(CloseCode.TRANSACTION_TTL_EXCEEDED);

            const [b, linkB] = await connect(DEVICE_B, 'b1');
            await a.end();
            await b.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            await node.clock.advance(29_999);
            expect(linkB.closed).to.equal(undefined);
            await node.clock.advance(1);
            expect(linkB.closed).to.equal(CloseCode.TRANSACTION_TTL_EXCEEDED);
        });

        it('stops the TTL timer on commit', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 5 });
            await a.commitTransaction();
            expect(node.clock.pending).to.equal(0);
            await node.clock.advance(10_000);
            expect(linkA.closed).to.equal(undefined);
        });

        it('releases once: a second end, or an end after commit, changes nothing', async function () {
            const [a] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            await a.end();
            await a.end();
            await settle();
            expect(eventTypes()).to.deep.equal(['transaction-ended']);
            expect(callNames(node.metrics).filter((name) => name === 'lockReleased')).to.have.length(1);
        });

        it('ends an expired lock of another connection (held reflections delivered) before granting the lock', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            const [b, linkB] = await connect(DEVICE_B, 'b1');
            await connect(DEVICE_C, 'c1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 5 });
            await a.reflect(reflect(4));
            // A's node dies: its connection never ends, so nothing releases the lock but its expiry.
            await node.clock.advance(6_000);
            expect(linkA.closed).to.equal(CloseCode.TRANSACTION_TTL_EXCEEDED);
            await b.beginTransaction({ encryptedScope: Uint8Array.of(6), ttl: 0 });
            await settle();
            expect(linkB.replyTypes()).to.deep.equal([D2mPayloadType.BEGIN_TRANSACTION_ACK]);
            expect(await queued(DEVICE_C)).to.deep.equal([4]);
            expect(eventTypes()).to.deep.equal(['appended', 'transaction-ended']);
            expect(callNames(node.metrics)).to.include('lockExpired');
            // The fenced release of A's old grant does not touch B's lock.
            await a.end();
            expect((await node.backend.coordinator.getTransaction(group.groupId, node.now()))?.deviceId).to.equal(
                DEVICE_B,
            );
        });
    });

    describe('a lock ended elsewhere', function () {
        it('closes its holder with 1013 once; the end of the connection then changes nothing', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 5 });
            const lock = await node.backend.coordinator.getLockRecord(group.groupId);
            if (lock === undefined) expect.fail('expected a lock');
            // Another node ends it (its holder's presence expired there); the event names the grant.
            await node.backend.coordinator.endTransaction(group.groupId, 'a1', lock.token);
            a.onLockEnded(lock.token);
            expect(linkA.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
            expect(a.holdsLock).to.equal(false);
            expect(node.clock.pending, 'the TTL timer is stopped').to.equal(0);
            a.onLockEnded(lock.token);
            await a.end();
            await settle();
            expect(eventTypes()).to.deep.equal(['transaction-ended']);
            expect(callNames(node.metrics).filter((name) => name === 'lockReleased')).to.have.length(1);
        });

        it('ignores the end of a grant it released itself or of an older grant', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            const first = await node.backend.coordinator.getLockRecord(group.groupId);
            await a.commitTransaction();
            await a.beginTransaction({ encryptedScope: SCOPE, ttl: 0 });
            // The first commit's event arrives after the second grant.
            a.onLockEnded(first?.token ?? '');
            expect(linkA.closed).to.equal(undefined);
            expect(a.holdsLock).to.equal(true);
            await a.commitTransaction();
            expect(linkA.replyTypes().filter((type) => type === D2mPayloadType.COMMIT_TRANSACTION_ACK)).to.have.length(
                2,
            );
        });
    });

    describe('leader state', function () {
        it('tells the device of its promotion once, in order with its deliveries', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            expect(a.isLeader).to.equal(false);
            a.onPromoted(1);
            a.onPromoted(1);
            expect(a.isLeader).to.equal(true);
            expect(linkA.notifications).to.deep.equal([{ type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body: {} }]);
            expect(linkA.replies).to.deep.equal([]);
        });

        it('becomes eligible and is elected when it is the only device', async function () {
            const [a] = await connect(DEVICE_A, 'a1');
            await a.becomeEligible();
            await settle();
            expect((await node.backend.coordinator.getLeader(group.groupId))?.connectionId).to.equal('a1');
            expect(eventTypes()).to.deep.equal(['promoted']);
        });
    });

    describe('device management', function () {
        it('acks a drop of another device and closes that device (4113)', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await connect(DEVICE_B, 'b1');
            await a.dropDevice(DEVICE_B);
            await settle();
            expect(linkA.replies).to.deep.equal([
                { type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: DEVICE_B } },
            ]);
            expect(linkA.closed).to.equal(undefined);
            expect(events).to.deep.equal([
                { type: 'kick', deviceId: DEVICE_B, connectionId: 'b1', code: CloseCode.DEVICE_DROPPED },
            ]);
        });

        it('acks a self-drop, then closes its own connection with 4113 (no kick for itself)', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await a.dropDevice(DEVICE_A);
            await settle();
            expect(linkA.replyTypes()).to.deep.equal([D2mPayloadType.DROP_DEVICE_ACK]);
            expect(linkA.closed).to.equal(CloseCode.DEVICE_DROPPED);
            expect(events).to.deep.equal([]);
        });

        it('ignores a ReflectedAck for an unknown id, logging it at debug', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            a.reflectedAck(1);
            a.reflectedAck(99);
            expect(linkA.acked).to.deep.equal([1, 99]);
            const ignored = node.logger.records.filter((record) => record.msg.startsWith('ignored ack'));
            expect(ignored.map((record) => [record.level, record.id])).to.deep.equal([['debug', 99]]);
        });

        it('stores the shared device data and answers GetDevicesInfo', async function () {
            const [a, linkA] = await connect(DEVICE_A, 'a1');
            await a.setSharedDeviceData(Uint8Array.of(1, 2, 3));
            expect([...(await node.backend.groups.getSharedDeviceData(group.groupId))]).to.deep.equal([1, 2, 3]);
            await a.getDevicesInfo();
            const info = linkA.replies[0];
            if (info?.type !== D2mPayloadType.DEVICES_INFO) throw new Error('expected DevicesInfo');
            expect([...info.body.devices.keys()]).to.deep.equal([DEVICE_A]);
        });
    });
});
