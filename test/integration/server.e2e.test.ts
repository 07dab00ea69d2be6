/**
 * End to end: real mediator servers, real WebSockets, the project's device
 * SDK (and a raw client where the protocol must be broken on purpose), on
 * every storage backend (Redis Cluster included) and both protocol revisions.
 */
import { expect } from 'chai';
import {
    CloseCode,
    D2mPayloadType,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotState,
    FLAG_EPHEMERAL,
    buildClientUrl,
    ensureServerGroup,
} from '../../d2m/index.js';
import { DevicePlatform, TransactionScope } from '../../d2d/index.js';
import { TestChatServer } from '../../src/dev/test-chat-server.js';
import { ALL_BACKEND_KINDS, startTestMediator, type ConfigOverrides, type TestMediator } from '../helpers/mediator.js';
import { deviceId, numberedEnvelope, TestGroup, waitUntil, withTimeout, type TestDevice } from '../helpers/devices.js';
import { RawClient, rawHandshake } from '../helpers/raw-client.js';
import { groupIdFromBytes } from '../../src/storage/types.js';

const { NEW, EXISTING } = DeviceSlotState;

for (const kind of ALL_BACKEND_KINDS) {
    describe(`mediator end to end (${kind})`, function () {
        this.timeout(30_000);
        let mediator: TestMediator;
        const groups: TestGroup[] = [];

        before(async function () {
            mediator = await startTestMediator({ kind });
        });

        after(async function () {
            await mediator.stop();
        });

        function group(url = mediator.url): TestGroup {
            const created = new TestGroup(url);
            groups.push(created);
            return created;
        }

        /** A mediator with its own configuration, stopped after the test. */
        async function customMediator(config: ConfigOverrides): Promise<TestMediator> {
            const custom = await startTestMediator({ kind, config });
            cleanups.push(() => custom.stop());
            return custom;
        }
        const cleanups: (() => Promise<void>)[] = [];
        afterEach(async function () {
            await Promise.all(groups.splice(0).map((g) => g.closeAll()));
            for (const cleanup of cleanups.splice(0)) await cleanup();
        });

        describe('handshake and slots', function () {
            for (const revision of ['current', 'seed'] as const) {
                it(`logs in a ${revision}-revision device: ServerInfo, ReflectionQueueDry, leader`, async function () {
                    const g = group();
                    const a = await g.connect(1n, { protocolRevision: revision });
                    const info = a.client.serverInfo;
                    expect(info.deviceSlotState).to.equal(NEW);
                    expect(info.maxDeviceSlots).to.equal(6);
                    expect(info.reflectionQueueLength).to.equal(0);
                    expect(Math.abs(info.currentTime - Date.now())).to.be.below(5000);
                    await withTimeout(a.client.waitForQueueDry(), 5000, 'queue dry');
                    await withTimeout(a.client.waitForLeader(), 5000, 'promotion');
                    await a.client.close();
                    const again = await g.connect(1n, { protocolRevision: revision });
                    expect(again.client.serverInfo.deviceSlotState).to.equal(EXISTING);
                });
            }

            it('closes a device whose challenge response does not verify with 4010', async function () {
                const g = group();
                const other = new TestGroup(mediator.url);
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                await rawHandshake(raw, { dgpkSecretKey: other.keys.dgpk.secretKey, deviceId: 1n });
                expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
            });

            it('closes a device that asks for an unsupported protocol version with 4110', async function () {
                const g = group();
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 1n, version: 1 });
                expect((await raw.closed).code).to.equal(CloseCode.UNSUPPORTED_PROTOCOL_VERSION);
            });

            it('closes an invalid URL path with 4010', async function () {
                const raw = await RawClient.open(`${mediator.url}e7/0a20`);
                expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
            });

            it('closes a connection that does not finish the handshake in time with 4010', async function () {
                const custom = await customMediator({ handshakeTimeoutMs: 300 });
                const g = group(custom.url);
                const url = buildClientUrl(custom.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                expect((await raw.next()).type).to.equal(D2mPayloadType.SERVER_HELLO);
                expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
            });

            it('closes on a malformed frame, an unknown type, a server-only type and a text message (4010)', async function () {
                const g = group();
                const frames = [
                    new Uint8Array([0x80, 0, 0, 0, 8, 0]), // truncated Reflect
                    new Uint8Array([0x7f, 0, 0, 0]), // unknown type
                    new Uint8Array([0x12, 0, 0, 0]), // ServerInfo from a client
                ];
                for (const [index, frame] of frames.entries()) {
                    const device = await g.connect(BigInt(10 + index));
                    await device.client.waitForQueueDry();
                    const url = buildClientUrl(mediator.url, {
                        deviceGroupId: g.keys.deviceGroupId,
                        serverGroup: ensureServerGroup('4f'),
                    });
                    const raw = await RawClient.open(url);
                    await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: BigInt(20 + index) });
                    await raw.nextOf(D2mPayloadType.SERVER_INFO);
                    raw.sendFrame(frame);
                    expect((await raw.closed).code, `frame ${index}`).to.equal(CloseCode.PROTOCOL_ERROR);
                }
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                raw.socket.send('hello');
                expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
            });

            it('processes frames sent straight after ClientHello in order', async function () {
                const g = group();
                const b = await g.connect(2n);
                await b.client.waitForQueueDry();
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 1n });
                for (let id = 1; id <= 5; id++) {
                    raw.send({
                        type: D2mPayloadType.REFLECT,
                        body: { flags: 0, reflectId: id, envelope: new Uint8Array([id]) },
                    });
                }
                expect((await raw.next()).type).to.equal(D2mPayloadType.SERVER_INFO);
                const acks: number[] = [];
                for (let i = 0; i < 5; i++) {
                    const ack = await raw.nextOf(D2mPayloadType.REFLECT_ACK);
                    acks.push(ack.body.reflectId);
                }
                expect(acks).to.deep.equal([1, 2, 3, 4, 5]);
                await b.waitForReflected(5);
                expect(b.reflected.map((event) => event.envelopeBytes[0])).to.deep.equal([1, 2, 3, 4, 5]);
                raw.close();
            });

            it('enforces expected_device_slot_state only when present (4115)', async function () {
                const g = group();
                const mismatch = await g.refused(1n, { expectedDeviceSlotState: EXISTING });
                expect(mismatch.code).to.equal(CloseCode.DEVICE_SLOT_STATE_MISMATCH);
                expect(mismatch.reconnect).to.equal('user-action');
                // Nothing was created by the refused login.
                const a = await g.connect(1n, { expectedDeviceSlotState: NEW });
                expect(a.client.serverInfo.deviceSlotState).to.equal(NEW);
                await a.client.close();
                expect((await g.refused(1n, { expectedDeviceSlotState: NEW })).code).to.equal(
                    CloseCode.DEVICE_SLOT_STATE_MISMATCH,
                );
                // A seed client never sends the field and gets its existing slot.
                const seed = await g.connect(1n, { protocolRevision: 'seed', expectedDeviceSlotState: NEW });
                expect(seed.client.serverInfo.deviceSlotState).to.equal(EXISTING);
            });

            it('closes the older connection of the same device with 4112', async function () {
                const g = group();
                const first = await g.connect(1n);
                const second = await g.connect(1n);
                const closed = await first.waitForClose();
                expect(closed.code).to.equal(CloseCode.DUPLICATE_CONNECTION);
                expect(second.client.closeError).to.equal(undefined);
                expect(second.client.serverInfo.deviceSlotState).to.equal(EXISTING);
            });

            it('rejects a new slot beyond the limit with 4111 (REJECT)', async function () {
                const custom = await customMediator({ policy: { maxDeviceSlots: 2 } });
                const g = group(custom.url);
                await g.connect(1n);
                await g.connect(2n);
                const refused = await g.refused(3n);
                expect(refused.code).to.equal(CloseCode.DEVICE_LIMIT_REACHED);
            });

            it('evicts the least recently used slot, offline first (DROP_LEAST_RECENT, 4113 when online)', async function () {
                const custom = await customMediator({ policy: { maxDeviceSlots: 2 } });
                const g = group(custom.url);
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await b.client.close();
                // b is offline: it goes, a (online) stays.
                const c = await g.connect(3n, {
                    deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
                });
                expect(c.client.serverInfo.deviceSlotState).to.equal(NEW);
                expect(a.client.closeError).to.equal(undefined);
                const devices = await a.client.getDevicesInfo();
                expect([...devices.keys()].sort()).to.deep.equal([1n, 3n]);
                // All online now: the least recently active one (a) is evicted and closed with 4113.
                await g.connect(4n, { deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT });
                expect((await a.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            });

            it('removes a volatile slot after its grace period (next login expecting EXISTING gets 4115)', async function () {
                const custom = await customMediator({ policy: { volatileGraceMs: 200 }, sweepIntervalMs: 50 });
                const g = group(custom.url);
                const a = await g.connect(1n, { deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE });
                const b = await g.connect(2n);
                await a.client.close();
                await new Promise((resolve) => setTimeout(resolve, 400));
                await custom.server.sweeper.sweepOnce();
                const devices = await b.client.getDevicesInfo();
                expect([...devices.keys()]).to.deep.equal([2n]);
                const refused = await g.refused(1n, { expectedDeviceSlotState: EXISTING });
                expect(refused.code).to.equal(CloseCode.DEVICE_SLOT_STATE_MISMATCH);
            });
        });

        describe('reflection', function () {
            it('stores reflections for every other slot, online or not, and delivers them in order', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                const c = await g.connect(3n);
                await c.client.close();
                const timestamps: number[] = [];
                for (let n = 1; n <= 20; n++) timestamps.push(await a.client.reflect(numberedEnvelope(a.id, n)));
                expect(timestamps).to.deep.equal([...timestamps].sort((x, y) => x - y));
                await b.waitForReflected(20);
                expect(b.numbers()).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
                expect(b.reflected.map((event) => event.timestamp)).to.deep.equal(timestamps);
                expect(a.reflected).to.have.length(0);
                const cAgain = await g.connect(3n);
                expect(cAgain.client.serverInfo.reflectionQueueLength).to.equal(20);
                await cAgain.client.waitForQueueDry();
                expect(cAgain.numbers()).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
            });

            it('acks even with no other slot', async function () {
                const g = group();
                const a = await g.connect(1n);
                expect(await a.client.reflect(numberedEnvelope(a.id, 1))).to.be.a('number');
            });

            it('redelivers unacknowledged reflections on the next login, acknowledged ones never', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n, { autoAckReflected: false });
                for (let n = 1; n <= 6; n++) await a.client.reflect(numberedEnvelope(a.id, n));
                await b.waitForReflected(6);
                for (const event of b.reflected.slice(0, 3)) event.ack();
                // Let the acks reach the mediator before disconnecting.
                await a.client.reflect(numberedEnvelope(a.id, 7));
                await b.waitForReflected(7);
                await b.client.close();
                const again = await g.connect(2n);
                expect(again.client.serverInfo.reflectionQueueLength).to.equal(4);
                await again.client.waitForQueueDry();
                expect(again.numbers()).to.deep.equal([4, 5, 6, 7]);
            });

            it('sends the backlog, then ReflectionQueueDry, then live reflections', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await b.client.close();
                for (let n = 1; n <= 3; n++) await a.client.reflect(numberedEnvelope(a.id, n));
                const again = await g.connect(2n);
                const order: string[] = [];
                again.client.on('reflected', () => void order.push('reflected'));
                again.client.on('queueDry', () => void order.push('dry'));
                await again.client.waitForQueueDry();
                await a.client.reflect(numberedEnvelope(a.id, 4));
                await waitUntil(() => order.length >= 5);
                // The three backlog items may already have been delivered before the listeners were added.
                expect(order.slice(order.indexOf('dry'))).to.deep.equal(['dry', 'reflected']);
                expect(again.numbers()).to.deep.equal([1, 2, 3, 4]);
            });

            it('delivers ephemeral reflections only to connected devices, without an ack', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                const c = await g.connect(3n);
                await c.client.close();
                await a.client.reflect(numberedEnvelope(a.id, 1));
                expect(await a.client.reflect(numberedEnvelope(a.id, 2), { ephemeral: true })).to.equal(undefined);
                await a.client.reflect(numberedEnvelope(a.id, 3));
                await b.waitForReflected(3);
                expect(b.reflected.map((event) => event.ephemeral)).to.deep.equal([false, true, false]);
                expect(b.reflected[1]!.flags & FLAG_EPHEMERAL).to.equal(FLAG_EPHEMERAL);
                // The desktop acks ephemeral reflections too: ignored, never 4012.
                b.reflected[1]!.ack();
                const cAgain = await g.connect(3n);
                await cAgain.client.waitForQueueDry();
                expect(cAgain.numbers()).to.deep.equal([1, 3]);
                expect(b.client.closeError).to.equal(undefined);
            });

            it('ignores acks for unknown ids', async function () {
                const g = group();
                const b = await g.connect(2n);
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 1n });
                raw.send({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 12345 } });
                raw.send({
                    type: D2mPayloadType.REFLECT,
                    body: { flags: 0, reflectId: 1, envelope: new Uint8Array(3) },
                });
                expect((await raw.nextOf(D2mPayloadType.REFLECT_ACK)).body.reflectId).to.equal(1);
                await b.waitForReflected(1);
                raw.close();
            });

            it('closes a Reflect whose envelope cannot fit a Reflected with 4010', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                const ok = new Uint8Array(65516);
                await a.client.reflect(ok);
                await b.waitForReflected(1);
                expect(b.reflected[0]!.envelopeBytes.byteLength).to.equal(65516);
                await a.client.reflect(new Uint8Array(65517)).catch(() => undefined);
                expect((await a.waitForClose()).code).to.equal(CloseCode.PROTOCOL_ERROR);
            });

            it('drops a slot whose queue overflows (4114) and refuses it afterwards', async function () {
                const custom = await customMediator({ policy: { queueMaxCount: 5 } });
                const g = group(custom.url);
                const a = await g.connect(1n);
                const b = await g.connect(2n, { autoAckReflected: false });
                for (let n = 1; n <= 5; n++) await a.client.reflect(numberedEnvelope(a.id, n));
                await a.client.reflect(numberedEnvelope(a.id, 6));
                const closed = await b.waitForClose();
                expect(closed.code).to.equal(CloseCode.REFLECTION_QUEUE_LIMIT_REACHED);
                expect((await g.refused(2n)).code).to.equal(CloseCode.REFLECTION_QUEUE_LIMIT_REACHED);
                const devices = await a.client.getDevicesInfo();
                expect([...devices.keys()]).to.deep.equal([1n]);
            });
        });

        describe('transactions', function () {
            it('grants, rejects with the holder and scope, commits and announces the end', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                const c = await g.connect(3n);
                expect(await a.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({
                    status: 'acked',
                });
                const rejected = await b.client.beginTransaction(TransactionScope.GROUP_SYNC);
                expect(rejected.status).to.equal('rejected');
                if (rejected.status !== 'rejected') return;
                expect(rejected.holder).to.equal(1n);
                expect(rejected.scope).to.equal(TransactionScope.CONTACT_SYNC);
                await a.client.commitTransaction();
                await waitUntil(() => b.transactionsEnded.length === 1 && c.transactionsEnded.length === 1);
                expect(b.transactionsEnded[0]!.holder).to.equal(1n);
                expect(b.transactionsEnded[0]!.scope).to.equal(TransactionScope.CONTACT_SYNC);
                expect(a.transactionsEnded).to.have.length(0);
                expect(await b.client.beginTransaction(TransactionScope.GROUP_SYNC)).to.deep.equal({ status: 'acked' });
                await b.client.commitTransaction();
            });

            it('retries after TransactionEnded (SDK transaction helper)', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await a.client.beginTransaction(TransactionScope.SETTINGS_SYNC);
                const ran = b.client.transaction(TransactionScope.SETTINGS_SYNC, () => 'done');
                await new Promise((resolve) => setTimeout(resolve, 100));
                await a.client.commitTransaction();
                expect(await withTimeout(ran, 5000, 'the retried transaction')).to.equal('done');
            });

            it('acks reflections inside a transaction at once and delivers them at commit', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await a.client.beginTransaction(TransactionScope.CONTACT_SYNC);
                await a.client.reflect(numberedEnvelope(a.id, 1));
                await a.client.reflect(numberedEnvelope(a.id, 2));
                await b.client.reflect(numberedEnvelope(b.id, 100));
                await new Promise((resolve) => setTimeout(resolve, 100));
                expect(b.reflected).to.have.length(0);
                await a.client.commitTransaction();
                await b.waitForReflected(2);
                expect(b.numbers()).to.deep.equal([1, 2]);
                await waitUntil(() => b.transactionsEnded.length === 1);
                expect(a.numbers()).to.deep.equal([100]);
            });

            it('releases the lock and delivers held reflections when the holder disconnects', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await a.client.beginTransaction(TransactionScope.CONTACT_SYNC);
                await a.client.reflect(numberedEnvelope(a.id, 1));
                await a.client.close();
                await b.waitForReflected(1);
                await waitUntil(() => b.transactionsEnded.length === 1);
                expect(await b.client.beginTransaction(TransactionScope.CONTACT_SYNC)).to.deep.equal({
                    status: 'acked',
                });
            });

            it('closes a holder that exceeds the TTL with 4011', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await a.client.beginTransaction(TransactionScope.CONTACT_SYNC, { ttl: 1 });
                expect((await a.waitForClose(5000)).code).to.equal(CloseCode.TRANSACTION_TTL_EXCEEDED);
                await waitUntil(() => b.transactionsEnded.length === 1);
            });

            it('closes CommitTransaction without the lock, and BeginTransaction by the holder, with 4010', async function () {
                const g = group();
                const a = await g.connect(1n);
                await a.client.commitTransaction().catch(() => undefined);
                expect((await a.waitForClose()).code).to.equal(CloseCode.PROTOCOL_ERROR);
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 2n });
                const begin = {
                    type: D2mPayloadType.BEGIN_TRANSACTION,
                    body: { encryptedScope: new Uint8Array(1), ttl: 0 },
                } as const;
                raw.send(begin);
                await raw.nextOf(D2mPayloadType.BEGIN_TRANSACTION_ACK);
                raw.send(begin);
                expect((await raw.closed).code).to.equal(CloseCode.PROTOCOL_ERROR);
            });
        });

        describe('fenced transactions', function () {
            /** A raw device 1 holding the lock, and a function ending that lock as another node would. */
            async function holderWhoseLockEnds(): Promise<{ raw: RawClient; endLock: () => Promise<void> }> {
                const g = group();
                const url = buildClientUrl(mediator.url, {
                    deviceGroupId: g.keys.deviceGroupId,
                    serverGroup: ensureServerGroup('4f'),
                });
                const raw = await RawClient.open(url);
                await rawHandshake(raw, { dgpkSecretKey: g.keys.dgpk.secretKey, deviceId: 1n });
                raw.send({
                    type: D2mPayloadType.BEGIN_TRANSACTION,
                    body: { encryptedScope: new Uint8Array(1), ttl: 0 },
                });
                await raw.nextOf(D2mPayloadType.BEGIN_TRANSACTION_ACK);
                const groupId = groupIdFromBytes(g.keys.deviceGroupId);
                const endLock = async (): Promise<void> => {
                    const lock = await mediator.backend.coordinator.getLockRecord(groupId);
                    if (lock === undefined) expect.fail('no lock');
                    await mediator.backend.coordinator.endTransaction(groupId, lock.connectionId, lock.token);
                };
                return { raw, endLock };
            }

            /** Every frame type the client received until the close, and the close code. */
            async function untilClosed(raw: RawClient): Promise<{ types: D2mPayloadType[]; code: number }> {
                const types: D2mPayloadType[] = [];
                for (;;) {
                    try {
                        types.push((await raw.next()).type);
                    } catch {
                        return { types, code: (await raw.closed).code };
                    }
                }
            }

            it('refuses a Reflect inside a transaction whose lock ended elsewhere: no ReflectAck, 1013', async function () {
                const { raw, endLock } = await holderWhoseLockEnds();
                raw.send({
                    type: D2mPayloadType.REFLECT,
                    body: { flags: 0, reflectId: 1, envelope: new Uint8Array(3) },
                });
                await raw.nextOf(D2mPayloadType.REFLECT_ACK);
                await endLock();
                raw.send({
                    type: D2mPayloadType.REFLECT,
                    body: { flags: 0, reflectId: 2, envelope: new Uint8Array(3) },
                });
                const { types, code } = await untilClosed(raw);
                expect(code).to.equal(CloseCode.TRY_AGAIN_LATER);
                expect(types).to.not.include(D2mPayloadType.REFLECT_ACK);
            });

            it('refuses a CommitTransaction whose lock ended elsewhere: no CommitTransactionAck, 1013', async function () {
                const { raw, endLock } = await holderWhoseLockEnds();
                await endLock();
                raw.send({ type: D2mPayloadType.COMMIT_TRANSACTION, body: {} });
                const { types, code } = await untilClosed(raw);
                expect(code).to.equal(CloseCode.TRY_AGAIN_LATER);
                expect(types).to.not.include(D2mPayloadType.COMMIT_TRANSACTION_ACK);
            });
        });

        describe('device management', function () {
            for (const revision of ['current', 'seed'] as const) {
                it(`reports every slot with its state in DevicesInfo (${revision})`, async function () {
                    const g = group();
                    const label = { platform: DevicePlatform.DESKTOP, platformDetails: 'test', appVersion: '1' };
                    const a = await g.connect(1n, { deviceInfo: { ...label, label: 'a' }, protocolRevision: revision });
                    const b = await g.connect(2n, {
                        deviceInfo: { ...label, label: 'b' },
                        deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                    });
                    await b.client.close();
                    const devices = await a.client.getDevicesInfo();
                    expect(devices.size).to.equal(2);
                    expect(devices.get(deviceId(1n))?.deviceInfo?.label).to.equal('a');
                    expect(devices.get(deviceId(1n))?.connectionState.type).to.equal('connected');
                    expect(devices.get(deviceId(2n))?.deviceInfo?.label).to.equal('b');
                    expect(devices.get(deviceId(2n))?.deviceSlotExpirationPolicy).to.equal(
                        DeviceSlotExpirationPolicy.VOLATILE,
                    );
                    expect(devices.get(deviceId(2n))?.connectionState.type).to.equal('disconnected');
                });
            }

            it('drops another device (4113), acks unknown ids, and drops itself (ack, then 4113)', async function () {
                const g = group();
                const a = await g.connect(1n);
                const b = await g.connect(2n);
                await a.client.dropDevice(2n);
                expect((await b.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
                await a.client.dropDevice(99n);
                expect([...(await a.client.getDevicesInfo()).keys()]).to.deep.equal([1n]);
                expect((await g.refused(2n, { expectedDeviceSlotState: EXISTING })).code).to.equal(
                    CloseCode.DEVICE_SLOT_STATE_MISMATCH,
                );
                await a.client.dropDevice(1n);
                expect((await a.waitForClose()).code).to.equal(CloseCode.DEVICE_DROPPED);
            });

            it('persists shared device data and returns it in every later ServerInfo', async function () {
                const g = group();
                const a = await g.connect(1n);
                await a.client.setSharedDeviceData({ version: 7 });
                await a.client.getDevicesInfo(); // ordered after the SetSharedDeviceData
                const b = await g.connect(2n);
                expect(b.client.serverInfo.sharedDeviceData).to.deep.equal({ version: 7 });
            });
        });

        describe('leader', function () {
            it('promotes one device after its queue is dry, and another at once when it leaves', async function () {
                const g = group();
                const a = await g.connect(1n);
                await a.client.waitForLeader();
                const b = await g.connect(2n);
                await b.client.waitForQueueDry();
                await new Promise((resolve) => setTimeout(resolve, 100));
                expect(b.promoted).to.equal(false);
                await a.client.close();
                await withTimeout(b.client.waitForLeader(), 5000, 'the new leader');
            });

            it('prefers a device that sent Proxy frames', async function () {
                const chat = await TestChatServer.start();
                cleanups.push(() => chat.close());
                const custom = await customMediator({ chatServerAddress: chat.address });
                const g = group(custom.url);
                const a = await g.connect(1n);
                await a.client.waitForLeader();
                const b = await g.connect(2n, { sendProxyBeforeHandshake: new Uint8Array(48) });
                const c = await g.connect(3n);
                await Promise.all([b.client.waitForQueueDry(), c.client.waitForQueueDry()]);
                await a.client.close();
                await withTimeout(b.client.waitForLeader(), 5000, 'the proxy device to lead');
                expect(c.promoted).to.equal(false);
            });
        });

        it('closes every device with 1001 when the node stops', async function () {
            const custom = await startTestMediator({ kind });
            const g = group(custom.url);
            const devices: TestDevice[] = [await g.connect(1n), await g.connect(2n)];
            await custom.stop();
            for (const device of devices) expect((await device.waitForClose()).code).to.equal(CloseCode.GOING_AWAY);
        });
    });
}
