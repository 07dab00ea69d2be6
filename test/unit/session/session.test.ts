/**
 * Session on the embedded backend, with a fake socket and a clock the test
 * moves: the handshake and its timeout, strict inbound order while storage
 * is slow, the order of ServerInfo, backlog, ReflectionQueueDry and the
 * leader promotion, the close codes errors map to, and the cleanup (lock
 * released after the hand-off grace, presence removed, next leader
 * promoted).
 */
import { expect } from 'chai';
import { CloseCode, D2mPayloadType, type D2mMessage, type DeviceId } from '../../../d2m/index.js';
import { SessionClosedError, StorageError } from '../../../src/errors.js';
import { LocalGroups } from '../../../src/mediator/local-groups.js';
import { login, type LoginRequest, type LoginResult } from '../../../src/mediator/login.js';
import type { SessionPorts } from '../../../src/session/ports.js';
import { AckBatcher } from '../../../src/session/ack-batcher.js';
import { handoffGraceMs, INBOX_MAX_BYTES, Session } from '../../../src/session/session.js';
import {
    DEVICE_A,
    DEVICE_B,
    FakeTransport,
    frame,
    Gate,
    reflectFrame,
    settle,
    TestGroup,
    testNode,
    type TestNode,
    sessionPortsOf,
} from '../support/session-fakes.js';

const RENEW_INTERVAL_MS = 400;

interface Connection {
    readonly session: Session;
    readonly socket: FakeTransport;
}

describe('Session', function () {
    let node: TestNode;
    let group: TestGroup;
    let localGroups: LocalGroups;
    let ports: SessionPorts;
    let counter: number;

    function open(overrides: Partial<SessionPorts> = {}): Connection {
        const socket = new FakeTransport();
        const session = new Session({ ...ports, ...overrides }, {}, socket, group.urlInfo, `c${++counter}`);
        session.start();
        return { session, socket };
    }

    /** Opens a connection and sends its ClientHello (does not wait for the login). */
    function hello(deviceId: DeviceId, overrides: Partial<SessionPorts> = {}): Connection {
        const connection = open(overrides);
        const serverHello = connection.socket.sent[0];
        if (serverHello === undefined) throw new Error('no ServerHello');
        connection.session.onFrame(group.clientHello(serverHello, deviceId));
        return connection;
    }

    /** A logged-in device that was sent its backlog and ReflectionQueueDry. */
    async function loggedIn(deviceId: DeviceId): Promise<Connection> {
        const connection = hello(deviceId);
        await settle();
        expect(connection.session.state).to.equal('active');
        return connection;
    }

    /** Closes the connection from the device's side and waits for the cleanup. */
    async function hangUp(connection: Connection): Promise<void> {
        const done = connection.session.onClosed();
        // The cleanup may wait for the hand-off grace (a timer of the test's clock).
        await settle();
        await node.clock.advance(1_000);
        await done;
    }

    function replies(socket: FakeTransport): D2mMessage[] {
        return socket.messages().filter((message) => message.type !== D2mPayloadType.SERVER_HELLO);
    }

    beforeEach(function () {
        node = testNode({ presenceRenewIntervalMs: RENEW_INTERVAL_MS, presenceTtlMs: 4 * RENEW_INTERVAL_MS });
        group = new TestGroup();
        localGroups = new LocalGroups(node.backend.coordinator, node.logger);
        counter = 0;
        ports = sessionPortsOf(node, localGroups);
    });

    afterEach(async function () {
        await node.backend.close();
    });

    describe('handshake', function () {
        it('answers a valid ClientHello with ServerInfo, then ReflectionQueueDry, then the promotion of the only device', async function () {
            const { session, socket } = await loggedIn(DEVICE_A);
            expect(socket.types()).to.deep.equal([
                D2mPayloadType.SERVER_HELLO,
                D2mPayloadType.SERVER_INFO,
                D2mPayloadType.REFLECTION_QUEUE_DRY,
                D2mPayloadType.ROLE_PROMOTED_TO_LEADER,
            ]);
            expect(session.deviceId).to.equal(DEVICE_A);
            expect(session.registered).to.equal(true);
            expect(node.metrics.calls.filter(([name]) => name === 'handshake')).to.deep.equal([['handshake', ['ok']]]);
        });

        it('closes with 4010 when no ClientHello arrives within the handshake timeout', async function () {
            const { session, socket } = open();
            await node.clock.advance(node.config.handshakeTimeoutMs - 1);
            expect(socket.closed).to.equal(undefined);
            await node.clock.advance(1);
            expect(socket.closed?.code).to.equal(CloseCode.PROTOCOL_ERROR);
            expect(session.state).to.equal('closed');
            expect(node.metrics.calls).to.deep.include(['handshake', ['timeout']]);
        });

        it('stops the handshake timeout once ServerInfo was sent', async function () {
            const { socket } = await loggedIn(DEVICE_A);
            await node.clock.advance(node.config.handshakeTimeoutMs * 2);
            expect(socket.closed).to.equal(undefined);
        });
    });

    describe('close codes', function () {
        const cases: readonly {
            readonly title: string;
            readonly code: CloseCode;
            readonly act: (connection: Connection) => void;
            readonly ports?: () => Partial<SessionPorts>;
        }[] = [
            {
                title: 'a first frame that is not a ClientHello',
                code: CloseCode.PROTOCOL_ERROR,
                act: ({ session }) => session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} })),
            },
            {
                title: 'a frame that does not decode',
                code: CloseCode.PROTOCOL_ERROR,
                act: ({ session }) => session.onFrame(Uint8Array.of(0xff, 0, 0, 0, 1)),
            },
            {
                title: 'a challenge response that does not verify',
                code: CloseCode.PROTOCOL_ERROR,
                act: ({ session, socket }) =>
                    session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A, { tamper: true })),
            },
            {
                title: 'an unsupported protocol version',
                code: CloseCode.UNSUPPORTED_PROTOCOL_VERSION,
                act: ({ session, socket }) =>
                    session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A, { version: 99 })),
            },
            {
                title: 'a login refused by the mediator (device limit)',
                code: CloseCode.DEVICE_LIMIT_REACHED,
                ports: () => ({
                    login: () =>
                        Promise.reject(
                            new SessionClosedError(CloseCode.DEVICE_LIMIT_REACHED, 'device slot limit reached'),
                        ),
                }),
                act: ({ session, socket }) =>
                    session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A)),
            },
            {
                title: 'a storage failure that may pass',
                code: CloseCode.TRY_AGAIN_LATER,
                ports: () => ({
                    login: () => Promise.reject(new StorageError('unreachable', { retryable: true })),
                }),
                act: ({ session, socket }) =>
                    session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A)),
            },
            {
                title: 'a storage failure that will not pass',
                code: CloseCode.INTERNAL_ERROR,
                ports: () => ({
                    login: () => Promise.reject(new StorageError('corrupt', { retryable: false })),
                }),
                act: ({ session, socket }) =>
                    session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A)),
            },
            {
                title: 'a programming error',
                code: CloseCode.INTERNAL_ERROR,
                ports: () => ({ login: () => Promise.reject(new TypeError('undefined is not a function')) }),
                act: ({ session, socket }) =>
                    session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A)),
            },
            {
                title: 'more Proxy bytes before authentication than the buffer holds',
                code: CloseCode.PROTOCOL_ERROR,
                act: ({ session }) =>
                    [0, 1].forEach(() =>
                        session.onFrame(
                            frame({
                                type: D2mPayloadType.PROXY,
                                body: new Uint8Array(node.config.proxyPreAuthBufferBytes / 2 + 1),
                            }),
                        ),
                    ),
            },
            {
                title: 'more unprocessed input than the inbox holds',
                code: CloseCode.PROTOCOL_ERROR,
                act: ({ session }) => session.onFrame(new Uint8Array(INBOX_MAX_BYTES + 1)),
            },
        ];
        for (const { title, code, act, ports: portOverrides } of cases) {
            it(`closes with ${code} on ${title}`, async function () {
                const connection = open(portOverrides?.());
                act(connection);
                await settle();
                expect(connection.socket.closed?.code).to.equal(code);
                expect(connection.session.state).to.equal('closed');
            });
        }

        it('closes with 4010 once a frame exceeds the inbound rate limit, and counts it', async function () {
            const socket = new FakeTransport();
            let frames = 0;
            const session = new Session(
                ports,
                { admitInbound: () => (++frames > 2 ? 'frames' : undefined) },
                socket,
                group.urlInfo,
                'limited',
            );
            session.start();
            session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A));
            await settle();
            session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} }));
            await settle();
            expect(socket.closed).to.equal(undefined);
            session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} }));
            expect(socket.closed?.code).to.equal(CloseCode.PROTOCOL_ERROR);
            expect(node.metrics.calls).to.deep.include(['inboundLimitExceeded', ['frames']]);
            await hangUp({ session, socket });
        });

        it('closes with 1013 instead of handling a frame or writing once its presence lapsed', async function () {
            const socket = new FakeTransport();
            let lapsed = false;
            const session = new Session(ports, { presenceLapsed: () => lapsed }, socket, group.urlInfo, 'fenced');
            session.start();
            session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A));
            await settle();
            expect(session.state).to.equal('active');
            expect(session.mayWrite()).to.equal(true);
            const sentBefore = socket.sent.length;
            // The deadline passed while no timer ran: the next frame is not handled, nothing more is written.
            lapsed = true;
            expect(session.mayWrite()).to.equal(false);
            session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} }));
            await settle();
            expect(socket.sent.length).to.equal(sentBefore);
            expect(socket.closed).to.deep.equal({ code: CloseCode.TRY_AGAIN_LATER, reason: 'presence renewal late' });
            await hangUp({ session, socket });
        });

        it('closes with 1013 right after ServerInfo when the login outlasted the deadline', async function () {
            const socket = new FakeTransport();
            const session = new Session(ports, { presenceLapsed: () => true }, socket, group.urlInfo, 'slow-login');
            session.start();
            session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), DEVICE_A));
            await settle();
            expect(socket.types()).to.deep.equal([D2mPayloadType.SERVER_HELLO, D2mPayloadType.SERVER_INFO]);
            expect(socket.closed?.code).to.equal(CloseCode.TRY_AGAIN_LATER);
            expect(session.state).to.equal('closed');
            await hangUp({ session, socket });
            expect(await node.backend.coordinator.listPresence(group.groupId, node.now())).to.deep.equal([]);
        });

        it('logs a programming error at error level, and an expected refusal at debug', async function () {
            const failing = open({ login: () => Promise.reject(new TypeError('bug')) });
            failing.session.onFrame(group.clientHello(failing.socket.sent[0] ?? new Uint8Array(0), DEVICE_A));
            await settle();
            const refused = open();
            refused.session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} }));
            await settle();
            const levels = node.logger.records
                .filter((record) => record.msg === 'session failed' || record.msg === 'session ended by error')
                .map((record) => [record.conn, record.level]);
            expect(levels).to.deep.equal([
                [failing.session.connectionId, 'error'],
                [refused.session.connectionId, 'debug'],
            ]);
        });

        it('closes with 4001 on a Proxy frame when the node has no chat-server proxy', async function () {
            const { session, socket } = await loggedIn(DEVICE_A);
            session.onFrame(frame({ type: D2mPayloadType.PROXY, body: Uint8Array.of(1) }));
            await settle();
            expect(socket.closed?.code).to.equal(CloseCode.CHAT_SERVER_CONNECTION_FAILED);
        });

        it('closes with 4010 on a message only the server sends', async function () {
            const { session, socket } = await loggedIn(DEVICE_A);
            session.onFrame(frame({ type: D2mPayloadType.REFLECTION_QUEUE_DRY, body: {} }));
            await settle();
            expect(socket.closed?.code).to.equal(CloseCode.PROTOCOL_ERROR);
        });

        it('closes with the code of a kick for its connection, and ignores kicks for others', async function () {
            const { session, socket } = await loggedIn(DEVICE_A);
            const publish = (connectionId: string): Promise<void> =>
                node.backend.coordinator.publish(group.groupId, {
                    type: 'kick',
                    deviceId: DEVICE_A,
                    connectionId,
                    code: CloseCode.DUPLICATE_CONNECTION,
                });
            await publish('other');
            await settle();
            expect(socket.closed).to.equal(undefined);
            await publish(session.connectionId);
            await settle();
            expect(socket.closed?.code).to.equal(CloseCode.DUPLICATE_CONNECTION);
        });
    });

    describe('order', function () {
        it('handles frames that arrive during a slow login strictly in order, after ServerInfo', async function () {
            const gate = new Gate();
            const slowLogin = async (request: LoginRequest): Promise<LoginResult> => {
                await gate.pass();
                return login(node, request);
            };
            await loggedIn(DEVICE_B);
            const { session, socket } = hello(DEVICE_A, { login: slowLogin });
            session.onFrame(reflectFrame(1, 10));
            session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} }));
            session.onFrame(reflectFrame(2, 20));
            await settle();
            expect(socket.types()).to.deep.equal([D2mPayloadType.SERVER_HELLO]);
            gate.open();
            await settle();
            const answers = replies(socket)
                .filter((message) => message.type !== D2mPayloadType.REFLECTION_QUEUE_DRY)
                .map((message) =>
                    message.type === D2mPayloadType.REFLECT_ACK ? `ack${message.body.reflectId}` : message.type,
                );
            expect(answers).to.deep.equal([D2mPayloadType.SERVER_INFO, 'ack1', D2mPayloadType.DEVICES_INFO, 'ack2']);
        });

        it('answers a request only once the acks before it are applied; a Reflect is stored meanwhile', async function () {
            const gate = new Gate();
            const applied: number[][] = [];
            const slowAcks = new AckBatcher({
                ackMany: async (groupId, acks) => {
                    await gate.pass();
                    applied.push(acks.flatMap((slot) => slot.seqs));
                    return node.backend.queue.ackMany(groupId, acks);
                },
            });
            const a = await loggedIn(DEVICE_A);
            const b = hello(DEVICE_B, { acks: slowAcks });
            await settle();
            a.session.onFrame(reflectFrame(1, 10));
            a.session.onFrame(reflectFrame(2, 20));
            await settle();
            const reflectedIds = (socket: FakeTransport): number[] =>
                replies(socket).flatMap((message) =>
                    message.type === D2mPayloadType.REFLECTED ? [message.body.reflectedId] : [],
                );
            expect(reflectedIds(b.socket)).to.deep.equal([1, 2]);
            b.session.onFrame(frame({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 1 } }));
            b.session.onFrame(reflectFrame(7, 70));
            b.session.onFrame(frame({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 2 } }));
            b.session.onFrame(frame({ type: D2mPayloadType.GET_DEVICES_INFO, body: {} }));
            await settle();
            const answered = (): D2mPayloadType[] =>
                replies(b.socket)
                    .map((message) => message.type)
                    .filter((type) => type === D2mPayloadType.REFLECT_ACK || type === D2mPayloadType.DEVICES_INFO);
            // The reflection is stored (A got it) while its ReflectAck waits for the ack before it.
            expect(reflectedIds(a.socket)).to.deep.equal([1]);
            expect(answered()).to.deep.equal([]);
            expect(applied).to.deep.equal([]);
            gate.open();
            // Each batch gathers acks for a millisecond.
            await new Promise((resolve) => setTimeout(resolve, 20));
            await settle();
            // Ack 2 is taken while Reflect 7's append is in flight (pipelined), so it may join ack 1's batch.
            expect(applied.flat()).to.deep.equal([1, 2]);
            expect(answered()).to.deep.equal([D2mPayloadType.REFLECT_ACK, D2mPayloadType.DEVICES_INFO]);
            expect((await node.backend.queue.stats(group.groupId, DEVICE_B)).count).to.equal(0);
        });

        it('applies the acks a device gave before its connection ended, before it logs out', async function () {
            const gate = new Gate();
            const applied: number[][] = [];
            const slowAcks = new AckBatcher({
                ackMany: async (groupId, acks) => {
                    await gate.pass();
                    applied.push(acks.flatMap((slot) => slot.seqs));
                    return node.backend.queue.ackMany(groupId, acks);
                },
            });
            const a = await loggedIn(DEVICE_A);
            const b = hello(DEVICE_B, { acks: slowAcks });
            await settle();
            a.session.onFrame(reflectFrame(1, 10));
            a.session.onFrame(reflectFrame(2, 20));
            await settle();
            b.session.onFrame(frame({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 2 } }));
            const done = b.session.onClosed();
            await settle();
            const present = async (): Promise<DeviceId[]> =>
                (await node.backend.coordinator.listPresence(group.groupId, node.now())).map((p) => p.deviceId);
            expect(await present()).to.include(DEVICE_B);
            gate.open();
            await settle();
            await node.clock.advance(1_000);
            await done;
            expect(applied).to.deep.equal([[2]]);
            expect(await present()).to.not.include(DEVICE_B);
            const left = await node.backend.queue.read(group.groupId, DEVICE_B, 0, 10, 1000);
            expect(left.map((item) => item.seq)).to.deep.equal([1]);
        });

        it('sends the backlog before ReflectionQueueDry and promotes a device only after it', async function () {
            const b = await loggedIn(DEVICE_B);
            await hangUp(b);
            const a = await loggedIn(DEVICE_A);
            a.session.onFrame(reflectFrame(1, 11));
            a.session.onFrame(reflectFrame(2, 12));
            await settle();
            const b2 = await loggedIn(DEVICE_B);
            expect(replies(b2.socket).map((message) => message.type)).to.deep.equal([
                D2mPayloadType.SERVER_INFO,
                D2mPayloadType.REFLECTED,
                D2mPayloadType.REFLECTED,
                D2mPayloadType.REFLECTION_QUEUE_DRY,
            ]);
            // A leads; when its connection ends, B (eligible) is promoted, after everything sent before.
            await hangUp(a);
            expect(b2.socket.types().at(-1)).to.equal(D2mPayloadType.ROLE_PROMOTED_TO_LEADER);
            expect((await node.backend.coordinator.getLeader(group.groupId))?.connectionId).to.equal(
                b2.session.connectionId,
            );
        });

        it('never sends ROLE_PROMOTED_TO_LEADER for a promotion of another connection', async function () {
            const a = await loggedIn(DEVICE_A);
            const b = await loggedIn(DEVICE_B);
            await node.backend.coordinator.publish(group.groupId, {
                type: 'promoted',
                deviceId: DEVICE_A,
                connectionId: a.session.connectionId,
                term: 9,
            });
            await settle();
            expect(b.socket.types()).to.not.include(D2mPayloadType.ROLE_PROMOTED_TO_LEADER);
        });
    });

    describe('cleanup', function () {
        it('releases the lock of a holder the mediator closed only after the hand-off grace', async function () {
            const a = await loggedIn(DEVICE_A);
            const b = await loggedIn(DEVICE_B);
            a.session.onFrame(
                frame({ type: D2mPayloadType.BEGIN_TRANSACTION, body: { encryptedScope: Uint8Array.of(1), ttl: 0 } }),
            );
            a.session.onFrame(reflectFrame(1, 42));
            await settle();
            a.session.close(CloseCode.TRY_AGAIN_LATER, 'test');
            await settle();
            expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.not.equal(undefined);
            await node.clock.advance(handoffGraceMs(RENEW_INTERVAL_MS));
            expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.equal(undefined);
            const delivered = replies(b.socket).filter((message) => message.type === D2mPayloadType.REFLECTED);
            expect(delivered).to.have.length(1);
            // The held reflection, then TransactionEnded, then (A led the group) B's promotion.
            expect(b.socket.types().slice(-3)).to.deep.equal([
                D2mPayloadType.REFLECTED,
                D2mPayloadType.TRANSACTION_ENDED,
                D2mPayloadType.ROLE_PROMOTED_TO_LEADER,
            ]);
        });

        it('undoes a login that was still running when the connection closed', async function () {
            const gate = new Gate();
            const slowLogin = async (request: LoginRequest): Promise<LoginResult> => {
                await gate.pass();
                return login(node, request);
            };
            const { session, socket } = hello(DEVICE_A, { login: slowLogin });
            await settle();
            expect(session.state).to.equal('authenticating');
            const finished = session.onClosed();
            expect(session.state).to.equal('closed');
            gate.open();
            await finished;
            expect(socket.types()).to.deep.equal([D2mPayloadType.SERVER_HELLO]);
            expect(await node.backend.coordinator.listPresence(group.groupId, node.now())).to.deep.equal([]);
            expect(localGroups.groupIds()).to.deep.equal([]);
        });

        it('resolves the same cleanup for every close, and reports its stats until then', async function () {
            const a = await loggedIn(DEVICE_A);
            const stats = a.session.stats();
            expect(stats).to.include({ state: 'active', deviceId: DEVICE_A, unackedReflections: 0 });
            const first = a.session.onClosed();
            a.session.close(CloseCode.NORMAL, 'again');
            expect(a.session.onClosed()).to.equal(first);
            await first;
            expect(a.session.stats().state).to.equal('closed');
        });
    });
});
