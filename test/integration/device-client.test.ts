/**
 * Device client SDK against a scripted mediator on loopback: handshake in
 * both protocol revisions, reflection, transactions, device management,
 * proxying, close codes and the client's protocol checks.
 */
import { expect } from 'chai';
import {
    CLOSE_CODES,
    CloseCode,
    D2mCryptoError,
    D2mPayloadType,
    D2mProtocolError,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotState,
    ensureDeviceId,
    FLAG_EPHEMERAL,
    hexToBytes,
    tweetnaclBackend,
    type DeviceId,
} from '../../d2m/index.js';
import {
    decryptDeviceInfo,
    decryptEnvelope,
    decryptSharedDeviceData,
    decryptTransactionScope,
    deriveDeviceGroupKeys,
    DevicePlatform,
    encryptDeviceInfo,
    encryptEnvelope,
    encryptSharedDeviceData,
    encryptTransactionScope,
    TransactionScope,
    type DeviceInfo,
    type Envelope,
} from '../../d2d/index.js';
import {
    DeviceClient,
    DeviceClientError,
    MediatorCloseError,
    SEND_HIGH_WATER_MARK_BYTES,
    type DeviceClientEventMap,
    type DeviceClientOptions,
    type ReflectedEvent,
} from '../../src/device/index.js';
import { ScriptedPeer, type PeerScript, type ScriptedPeerOptions } from '../helpers/scripted-peer.js';

const crypto = tweetnaclBackend;
const DGK = hexToBytes('1b35ed7e1ba9993171fe4a7eed30c2831905c3a583616d61e93782da900bf8ba')!;
const OTHER_DGK = new Uint8Array(32).fill(7);
const keys = deriveDeviceGroupKeys(crypto, DGK);
const DEVICE_ID = ensureDeviceId(0x0102_0304_0506_0708n);
const OTHER_DEVICE_ID = ensureDeviceId(0xfedc_ba98_7654_3210n);
const THIRD_DEVICE_ID = ensureDeviceId(42n);
const DEVICE_INFO: DeviceInfo = {
    platform: DevicePlatform.DESKTOP,
    platformDetails: 'Node.js on Linux',
    appVersion: '1.2.3',
    label: 'test device',
};

function envelope(deviceId: DeviceId = DEVICE_ID, content: Envelope['content'] = undefined): Envelope {
    return { deviceId, content };
}

const OUTGOING: Envelope['content'] = { kind: 'outgoingMessage', data: new Uint8Array([0x0a, 0x01, 0x41]) };

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function nextEvent<K extends keyof DeviceClientEventMap>(
    client: DeviceClient,
    event: K,
): Promise<DeviceClientEventMap[K]> {
    return new Promise((resolve) => client.once(event, (...args: DeviceClientEventMap[K]) => resolve(args)));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (error) {
        return error;
    }
    throw new Error('expected the promise to reject');
}

async function closeError(promise: Promise<unknown>): Promise<MediatorCloseError> {
    const error = await rejection(promise);
    expect(error).to.be.instanceOf(MediatorCloseError);
    return error as MediatorCloseError;
}

describe('DeviceClient against a scripted mediator', function () {
    let peer: ScriptedPeer | undefined;
    let clients: DeviceClient[] = [];

    afterEach(async function () {
        for (const client of clients) void client.close();
        clients = [];
        await peer?.stop();
        peer = undefined;
    });

    async function startPeer(options: ScriptedPeerOptions | PeerScript): Promise<ScriptedPeer> {
        peer = await ScriptedPeer.start(options);
        return peer;
    }

    async function connect(overrides: Partial<DeviceClientOptions> = {}): Promise<DeviceClient> {
        const client = await DeviceClient.connect({
            url: peer!.url,
            deviceGroupKey: overrides.keys === undefined ? DGK : undefined,
            serverGroup: 'a1',
            deviceId: DEVICE_ID,
            ...overrides,
        });
        clients.push(client);
        return client;
    }

    /** A script that finishes the handshake and then runs `rest`. */
    function afterServerInfo(rest: PeerScript = () => undefined): PeerScript {
        return async (connection) => {
            connection.sendServerInfo();
            await rest(connection);
        };
    }

    describe('handshake', function () {
        it('current revision: server group in field 3, field 7 sent, device info and ServerInfo decrypted', async function () {
            const sharedData = encryptSharedDeviceData(crypto, keys, { version: 7 });
            await startPeer((connection) => {
                expect(connection.clientUrlInfo.revision).to.equal('current');
                expect(connection.clientUrlInfo.serverGroup).to.equal('abc9');
                expect(connection.clientUrlInfo.deviceGroupId).to.deep.equal(keys.deviceGroupId);
                expect(connection.requestHeaders['sec-websocket-protocol']).to.equal(undefined);
                expect(connection.requestHeaders['sec-websocket-extensions']).to.equal(undefined);
                const hello = connection.clientHello;
                expect(hello.version).to.equal(0);
                expect(hello.deviceId).to.equal(DEVICE_ID);
                expect(hello.expectedDeviceSlotState).to.equal(DeviceSlotState.EXISTING);
                expect(hello.deviceSlotsExhaustedPolicy).to.equal(DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT);
                expect(hello.deviceSlotExpirationPolicy).to.equal(DeviceSlotExpirationPolicy.VOLATILE);
                expect(decryptDeviceInfo(crypto, keys, hello.encryptedDeviceInfo)).to.deep.include(DEVICE_INFO);
                connection.sendServerInfo({
                    maxDeviceSlots: 4,
                    deviceSlotState: DeviceSlotState.EXISTING,
                    encryptedSharedDeviceData: sharedData,
                    currentTime: 1_700_000_000_000,
                    reflectionQueueLength: 2,
                });
            });
            const client = await connect({
                serverGroup: 'abc9',
                expectedDeviceSlotState: DeviceSlotState.EXISTING,
                deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
                deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                deviceInfo: DEVICE_INFO,
            });
            await peer!.settled();
            expect(client.serverInfo.maxDeviceSlots).to.equal(4);
            expect(client.serverInfo.deviceSlotState).to.equal(DeviceSlotState.EXISTING);
            expect(client.serverInfo.currentTime).to.equal(1_700_000_000_000);
            expect(client.serverInfo.reflectionQueueLength).to.equal(2);
            expect(client.serverInfo.sharedDeviceData).to.deep.equal({ version: 7 });
            expect(client.deviceGroupId).to.deep.equal(keys.deviceGroupId);
        });

        it('current revision without an expected slot state leaves field 7 off the wire', async function () {
            await startPeer((connection) => {
                expect(connection.clientHello.expectedDeviceSlotState).to.equal(undefined);
                connection.sendServerInfo();
            });
            const client = await connect({ keys });
            await peer!.settled();
            expect(client.serverInfo.sharedDeviceData).to.equal(undefined);
        });

        it('seed revision: server group in field 2, no field 7, zero flags and no ephemeral reflections', async function () {
            await startPeer(async (connection) => {
                expect(connection.clientUrlInfo.revision).to.equal('seed');
                expect(connection.clientUrlInfo.serverGroup).to.equal('4f');
                expect(connection.path.endsWith('104f')).to.equal(true);
                expect(connection.clientHello.expectedDeviceSlotState).to.equal(undefined);
                connection.sendServerInfo({ encryptedSharedDeviceData: new Uint8Array(48).fill(1) });
                const reflect = await connection.expect(D2mPayloadType.REFLECT);
                expect(reflect.flags).to.equal(0);
                connection.send({
                    type: D2mPayloadType.REFLECT_ACK,
                    body: { reflectId: reflect.reflectId, timestamp: 5 },
                });
            });
            const client = await connect({
                serverGroup: '4f',
                protocolRevision: 'seed',
                expectedDeviceSlotState: DeviceSlotState.EXISTING,
            });
            expect(client.protocolRevision).to.equal('seed');
            expect(client.serverInfo.sharedDeviceData).to.equal(undefined);
            const error = await rejection(client.reflect(envelope(), { ephemeral: true }));
            expect(error).to.be.instanceOf(DeviceClientError);
            expect((error as DeviceClientError).code).to.equal('unsupported');
            expect(await client.reflect(envelope())).to.equal(5);
            await peer!.settled();
        });

        it('a wrong device group key is refused with 4010', async function () {
            await startPeer(afterServerInfo());
            const wrong = { ...keys, dgpk: deriveDeviceGroupKeys(crypto, OTHER_DGK).dgpk };
            const error = await closeError(connect({ keys: wrong }));
            expect(error.code).to.equal(CloseCode.PROTOCOL_ERROR);
            expect(error.initiator).to.equal('remote');
            expect(error.reconnect).to.equal('auto');
            expect((await peer!.connection.closed).code).to.equal(4010);
        });

        it('rejects a first frame other than ServerHello with a protocol error', async function () {
            await startPeer({
                handshake: 'manual',
                script: async (connection) => {
                    connection.sendServerInfo();
                    expect((await connection.closed).code).to.equal(4010);
                },
            });
            const error = await closeError(connect());
            expect(error.code).to.equal(4010);
            expect(error.initiator).to.equal('local');
            expect(error.cause).to.be.instanceOf(D2mProtocolError);
            await peer!.settled();
        });

        it('rejects anything but ServerInfo after ClientHello with a protocol error', async function () {
            await startPeer(async (connection) => {
                connection.send({ type: D2mPayloadType.REFLECTION_QUEUE_DRY, body: {} });
                expect((await connection.closed).code).to.equal(4010);
            });
            const error = await closeError(connect());
            expect(error.code).to.equal(4010);
            expect(error.codeName).to.equal('protocol-error');
            expect(error.initiator).to.equal('local');
            expect((error.cause as D2mProtocolError).code).to.equal('unexpected-message');
            await peer!.settled();
        });

        it('times out a handshake that never completes', async function () {
            await startPeer(async (connection) => {
                await connection.closed;
            });
            const error = await closeError(connect({ handshakeTimeoutMs: 200 }));
            expect(error.code).to.equal(4010);
            expect((error.cause as DeviceClientError).code).to.equal('handshake-timeout');
        });

        it('reports a refused connection as 1006', async function () {
            await startPeer(afterServerInfo());
            const url = peer!.url;
            await peer!.stop();
            peer = undefined;
            const error = await closeError(
                DeviceClient.connect({ url, deviceGroupKey: DGK, serverGroup: 'a1', deviceId: DEVICE_ID }),
            );
            expect(error.code).to.equal(1006);
            expect(error.wasClean).to.equal(false);
            expect((error.cause as DeviceClientError).code).to.equal('connection-failed');
        });

        it('rejects invalid options', async function () {
            const base = { url: 'ws://127.0.0.1:1/', deviceGroupKey: DGK, serverGroup: 'a1', deviceId: 1n };
            for (const bad of [
                { ...base, url: 'http://127.0.0.1:1/' },
                { ...base, deviceGroupKey: new Uint8Array(31) },
                { ...base, serverGroup: 'not valid' },
                { ...base, serverGroup: 'xyz', protocolRevision: 'seed' as const },
                { ...base, deviceId: -1n },
            ]) {
                const error = await rejection(DeviceClient.connect(bad));
                expect(error).to.be.instanceOf(DeviceClientError);
                expect((error as DeviceClientError).code).to.equal('invalid-options');
            }
        });
    });

    describe('reflection', function () {
        it('resolves reflects to their ack timestamps, in order, with ids from 1', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    const reflects = [];
                    for (let i = 0; i < 3; i++) reflects.push(await connection.expect(D2mPayloadType.REFLECT));
                    expect(reflects.map((r) => r.reflectId)).to.deep.equal([1, 2, 3]);
                    expect(reflects.map((r) => r.flags)).to.deep.equal([0, 0, 0]);
                    expect(decryptEnvelope(crypto, keys, reflects[0]!.envelope).deviceId).to.equal(DEVICE_ID);
                    expect(decryptEnvelope(crypto, keys, reflects[1]!.envelope)).to.deep.equal(
                        envelope(OTHER_DEVICE_ID, OUTGOING),
                    );
                    expect(reflects[2]!.envelope).to.deep.equal(new Uint8Array([9, 9, 9]));
                    for (const [index, reflect] of reflects.entries()) {
                        connection.send({
                            type: D2mPayloadType.REFLECT_ACK,
                            body: { reflectId: reflect.reflectId, timestamp: 1000 * (index + 1) },
                        });
                    }
                }),
            );
            const client = await connect();
            const results = await Promise.all([
                client.reflect(envelope()),
                client.reflect(envelope(OTHER_DEVICE_ID, OUTGOING)),
                client.reflect(new Uint8Array([9, 9, 9])),
            ]);
            expect(results).to.deep.equal([1000, 2000, 3000]);
            await peer!.settled();
        });

        it('sends ephemeral reflections with the flag and without waiting for an ack', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    const ephemeral = await connection.expect(D2mPayloadType.REFLECT);
                    expect(ephemeral.flags).to.equal(FLAG_EPHEMERAL);
                    expect(ephemeral.reflectId).to.equal(1);
                    const normal = await connection.expect(D2mPayloadType.REFLECT);
                    expect(normal.reflectId).to.equal(2);
                    connection.send({ type: D2mPayloadType.REFLECT_ACK, body: { reflectId: 2, timestamp: 77 } });
                }),
            );
            const client = await connect();
            expect(await client.reflect(envelope(), { ephemeral: true })).to.equal(undefined);
            expect(await client.reflect(envelope())).to.equal(77);
            await peer!.settled();
        });

        it('closes with 4010 on an ack out of order and rejects the pending reflects', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    await connection.expect(D2mPayloadType.REFLECT);
                    await connection.expect(D2mPayloadType.REFLECT);
                    connection.send({ type: D2mPayloadType.REFLECT_ACK, body: { reflectId: 2, timestamp: 1 } });
                    expect((await connection.closed).code).to.equal(4010);
                }),
            );
            const client = await connect();
            const first = closeError(client.reflect(envelope()));
            const second = closeError(client.reflect(envelope()));
            const error = await first;
            expect(error.code).to.equal(4010);
            expect(error.initiator).to.equal('local');
            expect(await second).to.equal(error);
            expect(await client.closed).to.equal(error);
            await peer!.settled();
        });

        it('acknowledges Reflected automatically after the listeners, including undecryptable ones', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    const good = encryptEnvelope(crypto, keys, envelope(OTHER_DEVICE_ID, OUTGOING));
                    for (const [reflectedId, flags, bytes] of [
                        [7, 0, good],
                        [8, 0, new Uint8Array(64).fill(3)],
                        [9, FLAG_EPHEMERAL, good],
                    ] as const) {
                        connection.send({
                            type: D2mPayloadType.REFLECTED,
                            body: { flags, reflectedId, timestamp: 100 + reflectedId, envelope: bytes },
                        });
                    }
                    expect((await connection.expect(D2mPayloadType.REFLECTED_ACK)).reflectedId).to.equal(7);
                    expect((await connection.expect(D2mPayloadType.REFLECTED_ACK)).reflectedId).to.equal(8);
                    await connection.expectSilence(300);
                }),
            );
            const client = await connect();
            const events: ReflectedEvent[] = [];
            client.on('reflected', async (event) => {
                events.push(event);
                await delay(20);
            });
            await peer!.settled();
            expect(events.map((e) => [e.id, e.timestamp, e.ephemeral])).to.deep.equal([
                [7, 107, false],
                [8, 108, false],
                [9, 109, true],
            ]);
            expect(events[0]!.envelope).to.deep.equal(envelope(OTHER_DEVICE_ID, OUTGOING));
            expect(events[0]!.decryptionError).to.equal(undefined);
            expect(events[1]!.envelope).to.equal(undefined);
            expect(events[1]!.decryptionError).to.be.instanceOf(D2mCryptoError);
            expect(events.map((e) => e.acked)).to.deep.equal([true, true, false]);
        });

        it('leaves acknowledging to the application when autoAckReflected is off', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    connection.send({
                        type: D2mPayloadType.REFLECTED,
                        body: {
                            flags: 0,
                            reflectedId: 5,
                            timestamp: 1,
                            envelope: encryptEnvelope(crypto, keys, envelope(OTHER_DEVICE_ID)),
                        },
                    });
                    await connection.expectSilence(200);
                    expect((await connection.expect(D2mPayloadType.REFLECTED_ACK)).reflectedId).to.equal(5);
                    await connection.expectSilence(200);
                }),
            );
            const client = await connect({ autoAckReflected: false });
            const [event] = await nextEvent(client, 'reflected');
            await delay(350);
            expect(event.acked).to.equal(false);
            event.ack();
            event.ack();
            expect(event.acked).to.equal(true);
            await peer!.settled();
        });

        it('emits queueDry and promotedToLeader and resolves their promises', async function () {
            await startPeer(
                afterServerInfo((connection) => {
                    connection.send({ type: D2mPayloadType.REFLECTION_QUEUE_DRY, body: {} });
                    connection.send({ type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body: {} });
                }),
            );
            const client = await connect();
            const seen: string[] = [];
            client.on('queueDry', () => seen.push('queueDry'));
            client.on('promotedToLeader', () => seen.push('promotedToLeader'));
            await client.waitForQueueDry();
            await client.waitForLeader();
            expect(seen).to.deep.equal(['queueDry', 'promotedToLeader']);
            expect(client.isQueueDry).to.equal(true);
            expect(client.isLeader).to.equal(true);
        });

        it('treats a promotion before ReflectionQueueDry as a protocol error', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    connection.send({ type: D2mPayloadType.ROLE_PROMOTED_TO_LEADER, body: {} });
                    await connection.closed;
                }),
            );
            const client = await connect();
            const error = await closeError(client.waitForLeader());
            expect(error.code).to.equal(4010);
            expect(await closeError(client.waitForQueueDry())).to.equal(error);
        });
    });

    describe('transactions', function () {
        it('begins with a TTL and commits', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    const begin = await connection.expect(D2mPayloadType.BEGIN_TRANSACTION);
                    expect(begin.ttl).to.equal(30);
                    expect(decryptTransactionScope(crypto, keys, begin.encryptedScope)).to.equal(
                        TransactionScope.CONTACT_SYNC,
                    );
                    connection.send({ type: D2mPayloadType.BEGIN_TRANSACTION_ACK, body: {} });
                    await connection.expect(D2mPayloadType.COMMIT_TRANSACTION);
                    connection.send({ type: D2mPayloadType.COMMIT_TRANSACTION_ACK, body: {} });
                }),
            );
            const client = await connect();
            expect(await client.beginTransaction(TransactionScope.CONTACT_SYNC, { ttl: 30 })).to.deep.equal({
                status: 'acked',
            });
            await client.commitTransaction();
            await peer!.settled();
        });

        it('reports a rejection with the holder and its scope, and TransactionEnded as an event', async function () {
            const holderScope = encryptTransactionScope(crypto, keys, TransactionScope.GROUP_SYNC);
            await startPeer(
                afterServerInfo(async (connection) => {
                    await connection.expect(D2mPayloadType.BEGIN_TRANSACTION);
                    connection.send({
                        type: D2mPayloadType.TRANSACTION_REJECTED,
                        body: { deviceId: OTHER_DEVICE_ID, encryptedScope: holderScope },
                    });
                    connection.send({
                        type: D2mPayloadType.TRANSACTION_ENDED,
                        body: { deviceId: OTHER_DEVICE_ID, encryptedScope: holderScope },
                    });
                }),
            );
            const client = await connect();
            const ended = nextEvent(client, 'transactionEnded');
            const result = await client.beginTransaction(TransactionScope.CONTACT_SYNC);
            expect(result).to.deep.include({
                status: 'rejected',
                holder: OTHER_DEVICE_ID,
                scope: TransactionScope.GROUP_SYNC,
            });
            const [event] = await ended;
            expect(event.holder).to.equal(OTHER_DEVICE_ID);
            expect(event.scope).to.equal(TransactionScope.GROUP_SYNC);
            await peer!.settled();
        });

        it('transaction(): retries after TransactionEnded, runs the body and commits', async function () {
            const holderScope = encryptTransactionScope(crypto, keys, TransactionScope.SETTINGS_SYNC);
            await startPeer(
                afterServerInfo(async (connection) => {
                    await connection.expect(D2mPayloadType.BEGIN_TRANSACTION);
                    connection.send({
                        type: D2mPayloadType.TRANSACTION_REJECTED,
                        body: { deviceId: OTHER_DEVICE_ID, encryptedScope: holderScope },
                    });
                    await connection.expectSilence(150);
                    connection.send({
                        type: D2mPayloadType.TRANSACTION_ENDED,
                        body: { deviceId: OTHER_DEVICE_ID, encryptedScope: holderScope },
                    });
                    await connection.expect(D2mPayloadType.BEGIN_TRANSACTION);
                    connection.send({ type: D2mPayloadType.BEGIN_TRANSACTION_ACK, body: {} });
                    const reflect = await connection.expect(D2mPayloadType.REFLECT);
                    connection.send({
                        type: D2mPayloadType.REFLECT_ACK,
                        body: { reflectId: reflect.reflectId, timestamp: 4242 },
                    });
                    await connection.expect(D2mPayloadType.COMMIT_TRANSACTION);
                    connection.send({ type: D2mPayloadType.COMMIT_TRANSACTION_ACK, body: {} });
                }),
            );
            const client = await connect();
            const ended: DeviceId[] = [];
            client.on('transactionEnded', (event) => {
                ended.push(event.holder);
            });
            const value = await client.transaction(TransactionScope.CONTACT_SYNC, () => client.reflect(envelope()));
            expect(value).to.equal(4242);
            expect(ended).to.deep.equal([OTHER_DEVICE_ID]);
            await peer!.settled();
        });
        it('transaction(): commits and rethrows when the body throws', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    await connection.expect(D2mPayloadType.BEGIN_TRANSACTION);
                    connection.send({ type: D2mPayloadType.BEGIN_TRANSACTION_ACK, body: {} });
                    await connection.expect(D2mPayloadType.COMMIT_TRANSACTION);
                    connection.send({ type: D2mPayloadType.COMMIT_TRANSACTION_ACK, body: {} });
                }),
            );
            const client = await connect();
            const failure = new Error('body failed');
            const error = await rejection(
                client.transaction(TransactionScope.GROUP_SYNC, () => {
                    throw failure;
                }),
            );
            expect(error).to.equal(failure);
            await peer!.settled();
        });
    });

    describe('device management', function () {
        it('getDevicesInfo decrypts each device info', async function () {
            const otherInfo: DeviceInfo = { ...DEVICE_INFO, platform: DevicePlatform.ANDROID, label: 'phone' };
            await startPeer(
                afterServerInfo(async (connection) => {
                    await connection.expect(D2mPayloadType.GET_DEVICES_INFO);
                    connection.send({
                        type: D2mPayloadType.DEVICES_INFO,
                        body: {
                            devices: new Map([
                                [
                                    DEVICE_ID,
                                    {
                                        encryptedDeviceInfo: connection.clientHello.encryptedDeviceInfo,
                                        deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
                                        connectionState: { type: 'connected', connectedSince: 1000 },
                                    },
                                ],
                                [
                                    OTHER_DEVICE_ID,
                                    {
                                        encryptedDeviceInfo: encryptDeviceInfo(crypto, keys, otherInfo),
                                        deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.VOLATILE,
                                        connectionState: {
                                            type: 'disconnected',
                                            lastLoginAt: 500,
                                            lastDisconnectAt: 900,
                                        },
                                    },
                                ],
                                [
                                    THIRD_DEVICE_ID,
                                    {
                                        encryptedDeviceInfo: new Uint8Array(50),
                                        deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
                                        connectionState: { type: 'connected', connectedSince: 2 },
                                    },
                                ],
                            ]),
                        },
                    });
                }),
            );
            const client = await connect({ deviceInfo: DEVICE_INFO });
            const devices = await client.getDevicesInfo();
            expect([...devices.keys()]).to.have.members([DEVICE_ID, OTHER_DEVICE_ID, THIRD_DEVICE_ID]);
            expect(devices.get(DEVICE_ID)!.deviceInfo).to.deep.include(DEVICE_INFO);
            expect(devices.get(DEVICE_ID)!.connectionState).to.deep.equal({ type: 'connected', connectedSince: 1000 });
            expect(devices.get(OTHER_DEVICE_ID)!.deviceInfo).to.deep.include(otherInfo);
            expect(devices.get(OTHER_DEVICE_ID)!.deviceSlotExpirationPolicy).to.equal(
                DeviceSlotExpirationPolicy.VOLATILE,
            );
            expect(devices.get(OTHER_DEVICE_ID)!.connectionState).to.deep.equal({
                type: 'disconnected',
                lastLoginAt: 500,
                lastDisconnectAt: 900,
            });
            expect(devices.get(THIRD_DEVICE_ID)!.deviceInfo).to.equal(undefined);
            await peer!.settled();
        });

        it('dropDevice resolves on the matching ack; a self-drop ends with 4113', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    const first = await connection.expect(D2mPayloadType.DROP_DEVICE);
                    const second = await connection.expect(D2mPayloadType.DROP_DEVICE);
                    expect([first.deviceId, second.deviceId]).to.deep.equal([OTHER_DEVICE_ID, THIRD_DEVICE_ID]);
                    connection.send({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: THIRD_DEVICE_ID } });
                    connection.send({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: OTHER_DEVICE_ID } });
                    const self = await connection.expect(D2mPayloadType.DROP_DEVICE);
                    expect(self.deviceId).to.equal(DEVICE_ID);
                    connection.send({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: DEVICE_ID } });
                    connection.close(CloseCode.DEVICE_DROPPED, 'dropped');
                }),
            );
            const client = await connect();
            const order: string[] = [];
            const other = client.dropDevice(OTHER_DEVICE_ID).then(() => order.push('other'));
            const third = client.dropDevice(THIRD_DEVICE_ID).then(() => order.push('third'));
            await Promise.all([other, third]);
            expect(order).to.deep.equal(['third', 'other']);
            await client.dropDevice(DEVICE_ID);
            const error = await client.closed;
            expect(error.code).to.equal(4113);
            expect(error.reconnect).to.equal('user-action');
            await peer!.settled();
        });

        it('setSharedDeviceData reaches the mediator encrypted', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    const message = await connection.expect(D2mPayloadType.SET_SHARED_DEVICE_DATA);
                    const data = decryptSharedDeviceData(crypto, keys, message.encryptedSharedDeviceData);
                    expect(data.version).to.equal(3);
                }),
            );
            const client = await connect();
            await client.setSharedDeviceData({ version: 3 });
            await peer!.settled();
        });
    });

    describe('proxy', function () {
        it('relays bytes both ways, including before and during the handshake', async function () {
            const cspClientHello = new Uint8Array(48).fill(0xc1);
            const beforeHello = new Uint8Array([1, 2, 3]);
            const cspServerHello = new Uint8Array(80).fill(0x5e);
            const cspLoginAck = new Uint8Array(32).fill(0x1a);
            const cspLogin = new Uint8Array(150).fill(0x10);
            await startPeer({
                handshake: 'manual',
                script: async (connection) => {
                    connection.send({ type: D2mPayloadType.PROXY, body: beforeHello });
                    await connection.handshake();
                    expect(connection.earlyProxy).to.deep.equal([cspClientHello]);
                    connection.send({ type: D2mPayloadType.PROXY, body: cspServerHello });
                    connection.sendServerInfo();
                    connection.send({ type: D2mPayloadType.PROXY, body: cspLoginAck });
                    expect(await connection.expect(D2mPayloadType.PROXY)).to.deep.equal(cspLogin);
                },
            });
            const client = await connect({ sendProxyBeforeHandshake: cspClientHello });
            const received: Uint8Array[] = [];
            client.on('proxy', (data) => {
                received.push(data);
            });
            await client.sendProxy(cspLogin);
            await peer!.settled();
            expect(received).to.deep.equal([beforeHello, cspServerHello, cspLoginAck]);
        });

        it('holds frames back while the socket is congested and keeps them in order', async function () {
            const count = 200;
            const frameBytes = 60_000;
            let resume!: () => void;
            const resumed = new Promise<void>((resolve) => {
                resume = resolve;
            });
            await startPeer(
                afterServerInfo(async (connection) => {
                    connection.pauseReading();
                    await resumed;
                    connection.resumeReading();
                    for (let i = 0; i < count; i++) {
                        const body = await connection.expect(D2mPayloadType.PROXY);
                        expect(body.byteLength).to.equal(frameBytes);
                        expect(body[0]).to.equal(i % 256);
                    }
                }),
            );
            const client = await connect();
            const sends = [];
            for (let i = 0; i < count; i++) sends.push(client.sendProxy(new Uint8Array(frameBytes).fill(i % 256)));
            await delay(100);
            expect(client.bufferedAmount).to.be.greaterThan(SEND_HIGH_WATER_MARK_BYTES);
            resume();
            await Promise.all(sends);
            await client.waitForDrain(0);
            expect(client.bufferedAmount).to.equal(0);
            await peer!.settled();
        });
    });

    describe('close codes', function () {
        const codes = [...CLOSE_CODES.keys()].filter((code) => code >= 4000 && code <= 4199);

        for (const code of codes) {
            const expected = code >= 4100 ? 'user-action' : 'auto';
            it(`surfaces ${code} (${CLOSE_CODES.get(code)!.name}) with reconnect '${expected}'`, async function () {
                await startPeer(
                    afterServerInfo(async (connection) => {
                        await connection.expect(D2mPayloadType.GET_DEVICES_INFO);
                        connection.close(code, 'bye');
                    }),
                );
                const client = await connect();
                const closedEvents: MediatorCloseError[] = [];
                client.on('closed', (error) => {
                    closedEvents.push(error);
                });
                const error = await closeError(client.getDevicesInfo());
                expect(error.code).to.equal(code);
                expect(error.codeName).to.equal(CLOSE_CODES.get(code)!.name);
                expect(error.meaning).to.equal(CLOSE_CODES.get(code)!.meaning);
                expect(error.reconnect).to.equal(expected);
                expect(error.mayReconnectAutomatically).to.equal(expected === 'auto');
                expect(error.reason).to.equal('bye');
                expect(error.wasClean).to.equal(true);
                expect(error.initiator).to.equal('remote');
                expect(await client.closed).to.equal(error);
                expect(closedEvents).to.deep.equal([error]);
                expect(await rejection(client.reflect(envelope()))).to.equal(error);
                await peer!.settled();
            });
        }

        it('closes on a text message with 4010', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    connection.sendRaw('hello');
                    expect((await connection.closed).code).to.equal(4010);
                }),
            );
            const client = await connect();
            const error = await client.closed;
            expect(error.code).to.equal(4010);
            expect(error.initiator).to.equal('local');
            await peer!.settled();
        });

        it('closes with 4010 on a second ServerHello', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    connection.sendServerHello();
                    expect((await connection.closed).code).to.equal(4010);
                }),
            );
            const client = await connect();
            const error = await client.closed;
            expect(error.code).to.equal(4010);
            expect((error.cause as D2mProtocolError).code).to.equal('unexpected-message');
            await peer!.settled();
        });

        it('closes with 4010 on a DropDeviceAck nobody asked for', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    connection.send({ type: D2mPayloadType.DROP_DEVICE_ACK, body: { deviceId: OTHER_DEVICE_ID } });
                    expect((await connection.closed).code).to.equal(4010);
                }),
            );
            const client = await connect();
            expect((await client.closed).code).to.equal(4010);
            await peer!.settled();
        });

        it('closes with the given code on close()', async function () {
            await startPeer(
                afterServerInfo(async (connection) => {
                    expect((await connection.closed).code).to.equal(1000);
                }),
            );
            const client = await connect();
            const error = await client.close();
            expect(error.code).to.equal(1000);
            expect(error.initiator).to.equal('local');
            expect(error.wasClean).to.equal(true);
            await peer!.settled();
        });
    });
});
