/**
 * Pipelined Reflects (src/session/reflect-pipeline.ts) through a Session on
 * the embedded backend, with a queue whose appends the test resolves or
 * fails one by one, in any order: later appends start before earlier ones
 * resolved, ReflectAcks go out in arrival order, a failed append stops the
 * acks and closes with its code, other requests wait for the appends in
 * flight, the bound, and a close while appends are in flight.
 */
import { expect } from 'chai';
import { CloseCode, D2mPayloadType, type D2mMessage, type DeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../../src/errors.js';
import { DeviceConnection } from '../../../src/mediator/device-connection.js';
import { LocalGroups } from '../../../src/mediator/local-groups.js';
import type { SessionPorts } from '../../../src/session/ports.js';
import { ReflectPipeline } from '../../../src/session/reflect-pipeline.js';
import { handoffGraceMs, Session } from '../../../src/session/session.js';
import type { AppendRequest, AppendResult, ReflectionQueue } from '../../../src/storage/reflection-queue.js';
import {
    DEVICE_A,
    DEVICE_B,
    FakeTransport,
    frame,
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

interface HeldAppend {
    readonly request: AppendRequest;
    /** Runs the real append now and resolves with its result. */
    resolve(): void;
    reject(error: unknown): void;
}

/** The embedded queue, except that each append waits until the test resolves or fails it. */
class ControlledAppends {
    public readonly calls: HeldAppend[] = [];
    /** Appends the test has not settled yet, by reflect marker. */
    public readonly queue: ReflectionQueue;

    public constructor(inner: ReflectionQueue) {
        const append = (request: AppendRequest): Promise<AppendResult> =>
            new Promise<AppendResult>((resolve, reject) => {
                this.calls.push({
                    request,
                    resolve: () => void inner.append(request).then(resolve, reject),
                    reject,
                });
            });
        this.queue = new Proxy(inner, {
            get: (target, property) => {
                if (property === 'append') return append;
                const value: unknown = Reflect.get(target, property, target);
                return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
            },
        });
    }

    /** The append of the Reflect whose envelope is `marker`. */
    public of(marker: number): HeldAppend {
        const call = this.calls.find((held) => held.request.envelope[0] === marker);
        if (call === undefined) throw new Error(`no append for marker ${marker}`);
        return call;
    }
}

describe('Session: pipelined Reflects', function () {
    let node: TestNode;
    let group: TestGroup;
    let appends: ControlledAppends;
    let ports: SessionPorts;
    let counter: number;

    /** A device logged in, its appends going through `appends` when `controlled`. */
    async function loggedIn(deviceId: DeviceId, controlled = true, reflectsInFlight = 8): Promise<Connection> {
        const socket = new FakeTransport();
        const backend = controlled ? { ...node.backend, queue: appends.queue } : node.backend;
        const session = new Session(
            {
                ...ports,
                reflectsInFlight,
                openDevice: (identity, link) => new DeviceConnection({ ...node, backend }, identity, link),
            },
            {},
            socket,
            group.urlInfo,
            `c${++counter}`,
        );
        session.start();
        session.onFrame(group.clientHello(socket.sent[0] ?? new Uint8Array(0), deviceId));
        await settle();
        expect(session.state).to.equal('active');
        return { session, socket };
    }

    /** What the device was sent after ReflectionQueueDry, ReflectAcks as `ack<id>`, Reflected as `reflected<marker>`. */
    function answers(socket: FakeTransport): (string | D2mPayloadType)[] {
        const messages: D2mMessage[] = socket.messages();
        const dry = messages.findIndex((message) => message.type === D2mPayloadType.REFLECTION_QUEUE_DRY);
        return messages
            .slice(dry + 1)
            .filter((message) => message.type !== D2mPayloadType.ROLE_PROMOTED_TO_LEADER)
            .map((message) => {
                if (message.type === D2mPayloadType.REFLECT_ACK) return `ack${message.body.reflectId}`;
                if (message.type === D2mPayloadType.REFLECTED) {
                    return `${message.body.flags === 1 ? 'ephemeral' : 'reflected'}${message.body.envelope[0]}`;
                }
                return message.type;
            });
    }

    function reflects(connection: Connection, ...ids: readonly number[]): void {
        for (const id of ids) connection.session.onFrame(reflectFrame(id, 10 + id));
    }

    beforeEach(function () {
        node = testNode({ presenceRenewIntervalMs: RENEW_INTERVAL_MS, presenceTtlMs: 4 * RENEW_INTERVAL_MS });
        group = new TestGroup();
        appends = new ControlledAppends(node.backend.queue);
        counter = 0;
        const localGroups = new LocalGroups(node.backend.coordinator, node.logger);
        ports = sessionPortsOf(node, localGroups);
    });

    afterEach(async function () {
        await node.backend.close();
    });

    it('starts the appends of later Reflects before the earlier ones resolved, in arrival order', async function () {
        const a = await loggedIn(DEVICE_A);
        reflects(a, 1, 2, 3);
        await settle();
        expect(appends.calls.map((call) => call.request.envelope[0])).to.deep.equal([11, 12, 13]);
        expect(answers(a.socket)).to.deep.equal([]);
    });

    it('sends the ReflectAcks in arrival order when the appends resolve in reverse', async function () {
        const a = await loggedIn(DEVICE_A);
        const b = await loggedIn(DEVICE_B, false);
        reflects(a, 1, 2, 3);
        await settle();
        appends.of(13).resolve();
        await settle();
        appends.of(12).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal([]);
        appends.of(11).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal(['ack1', 'ack2', 'ack3']);
        // Stored in the order the test applied them (the queue's call order is its part).
        expect(answers(b.socket)).to.deep.equal(['reflected13', 'reflected12', 'reflected11']);
    });

    it('sends no ReflectAck for a failed append or any later one, and closes with its code', async function () {
        const a = await loggedIn(DEVICE_A);
        reflects(a, 1, 2, 3);
        await settle();
        appends.of(12).reject(new StorageError('Redis did not answer', { retryable: true }));
        appends.of(13).resolve();
        await settle();
        // The failure of 2 waits for 1: the ack of 1 still goes out, first.
        expect(a.socket.closed).to.equal(undefined);
        appends.of(11).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal(['ack1']);
        expect(a.socket.closed?.code).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(a.session.state).to.equal('closed');
    });

    it('closes with 1011 on an append that fails for good, after the acks before it', async function () {
        const a = await loggedIn(DEVICE_A);
        reflects(a, 1, 2);
        await settle();
        appends.of(11).resolve();
        appends.of(12).reject(new StorageError('corrupt', { retryable: false }));
        await settle();
        expect(answers(a.socket)).to.deep.equal(['ack1']);
        expect(a.socket.closed?.code).to.equal(CloseCode.INTERNAL_ERROR);
    });

    it('handles BeginTransaction and CommitTransaction only once the appends before them are stored', async function () {
        const a = await loggedIn(DEVICE_A);
        const b = await loggedIn(DEVICE_B, false);
        reflects(a, 1, 2);
        a.session.onFrame(
            frame({ type: D2mPayloadType.BEGIN_TRANSACTION, body: { encryptedScope: Uint8Array.of(1), ttl: 0 } }),
        );
        reflects(a, 3);
        await settle();
        expect(appends.calls).to.have.length(2);
        expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.equal(undefined);
        appends.of(12).resolve();
        appends.of(11).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal(['ack1', 'ack2', D2mPayloadType.BEGIN_TRANSACTION_ACK]);
        // Reflect 3 is held under the lock; the commit waits for its append.
        expect(appends.of(13).request.hold).to.be.a('string');
        a.session.onFrame(frame({ type: D2mPayloadType.COMMIT_TRANSACTION, body: {} }));
        await settle();
        expect(answers(a.socket)).to.deep.equal(['ack1', 'ack2', D2mPayloadType.BEGIN_TRANSACTION_ACK]);
        expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.not.equal(undefined);
        appends.of(13).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal([
            'ack1',
            'ack2',
            D2mPayloadType.BEGIN_TRANSACTION_ACK,
            'ack3',
            D2mPayloadType.COMMIT_TRANSACTION_ACK,
        ]);
        expect(answers(b.socket)).to.deep.equal([
            'reflected12',
            'reflected11',
            'reflected13',
            D2mPayloadType.TRANSACTION_ENDED,
        ]);
    });

    it('publishes an ephemeral Reflect only after the stored ones before it, keeping its place', async function () {
        const a = await loggedIn(DEVICE_A);
        const b = await loggedIn(DEVICE_B, false);
        reflects(a, 1);
        a.session.onFrame(reflectFrame(2, 12, 1));
        reflects(a, 3);
        await settle();
        expect(answers(b.socket)).to.deep.equal([]);
        expect(appends.calls).to.have.length(1);
        appends.of(11).resolve();
        await settle();
        appends.of(13).resolve();
        await settle();
        expect(answers(b.socket)).to.deep.equal(['reflected11', 'ephemeral12', 'reflected13']);
        // No ReflectAck for the ephemeral one.
        expect(answers(a.socket)).to.deep.equal(['ack1', 'ack3']);
    });

    it('lets a ReflectedAck through while appends are in flight', async function () {
        const b = await loggedIn(DEVICE_B, false);
        const a = await loggedIn(DEVICE_A);
        b.session.onFrame(reflectFrame(1, 21));
        await settle();
        expect(answers(a.socket)).to.deep.equal(['reflected21']);
        expect((await node.backend.queue.stats(group.groupId, DEVICE_A)).count).to.equal(1);
        reflects(a, 1);
        a.session.onFrame(frame({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: 1 } }));
        // Acks are applied in batches that gather for a millisecond.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await settle();
        expect((await node.backend.queue.stats(group.groupId, DEVICE_A)).count).to.equal(0);
        expect(appends.calls).to.have.length(1);
        expect(answers(a.socket)).to.deep.equal(['reflected21']);
        appends.of(11).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal(['reflected21', 'ack1']);
    });

    it('starts no more appends than the bound, and the next one as soon as one completes', async function () {
        const a = await loggedIn(DEVICE_A, true, 3);
        reflects(a, 1, 2, 3, 4, 5);
        await settle();
        expect(appends.calls).to.have.length(3);
        appends.of(12).resolve();
        await settle();
        // 2 is stored but not complete (its ack waits for 1): still three in flight.
        expect(appends.calls).to.have.length(3);
        appends.of(11).resolve();
        await settle();
        expect(appends.calls).to.have.length(5);
        expect(answers(a.socket)).to.deep.equal(['ack1', 'ack2']);
    });

    it('with a bound of 1, starts each append only after the previous one completed', async function () {
        const a = await loggedIn(DEVICE_A, true, 1);
        reflects(a, 1, 2);
        await settle();
        expect(appends.calls).to.have.length(1);
        appends.of(11).resolve();
        await settle();
        expect(appends.calls).to.have.length(2);
        expect(answers(a.socket)).to.deep.equal(['ack1']);
    });

    it('acks the Reflects before a malformed one before it closes with 4010', async function () {
        const a = await loggedIn(DEVICE_A);
        reflects(a, 1);
        a.session.onFrame(Uint8Array.of(0x80, 0, 0, 0, 1));
        await settle();
        expect(a.socket.closed).to.equal(undefined);
        appends.of(11).resolve();
        await settle();
        expect(answers(a.socket)).to.deep.equal(['ack1']);
        expect(a.socket.closed?.code).to.equal(CloseCode.PROTOCOL_ERROR);
    });

    it('sends nothing for appends that resolve after the close, and releases the lock only after them', async function () {
        const a = await loggedIn(DEVICE_A);
        const b = await loggedIn(DEVICE_B, false);
        a.session.onFrame(
            frame({ type: D2mPayloadType.BEGIN_TRANSACTION, body: { encryptedScope: Uint8Array.of(1), ttl: 0 } }),
        );
        await settle();
        reflects(a, 1, 2);
        await settle();
        const sentBefore = a.socket.sent.length;
        let finished = false;
        const done = a.session.onClosed().then(() => {
            finished = true;
        });
        await node.clock.advance(handoffGraceMs(RENEW_INTERVAL_MS) * 2);
        expect(finished).to.equal(false);
        expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.not.equal(undefined);
        appends.of(12).resolve();
        appends.of(11).resolve();
        await settle();
        await node.clock.advance(1_000);
        await done;
        expect(a.socket.sent).to.have.length(sentBefore);
        // Stored and acknowledged by nobody: delivered with the lock's release, which came after them.
        expect(await node.backend.coordinator.getTransaction(group.groupId, node.now())).to.equal(undefined);
        expect(answers(b.socket)).to.deep.equal(['reflected12', 'reflected11', D2mPayloadType.TRANSACTION_ENDED]);
    });
});

describe('ReflectPipeline', function () {
    it('reports the first failure once and stops, and settles when every Reflect completed', async function () {
        const errors: unknown[] = [];
        const acked: number[] = [];
        const pipeline = new ReflectPipeline(4, (error) => errors.push(error));
        const rejecters: ((error: unknown) => void)[] = [];
        for (const id of [1, 2, 3]) {
            pipeline.add({
                stored: new Promise<number>((_, reject) => rejecters.push(reject)),
                acknowledge: () => acked.push(id),
                afterStored: () => Promise.resolve(),
            });
        }
        let settled = false;
        void pipeline.settled().then(() => {
            settled = true;
        });
        for (const reject of rejecters) reject(new Error('lost'));
        await settle();
        expect(errors).to.have.length(1);
        expect(acked).to.deep.equal([]);
        expect(pipeline.stopped).to.equal(true);
        expect(await pipeline.whenReady()).to.equal(false);
        expect(settled).to.equal(true);
        expect(pipeline.inFlight).to.equal(0);
    });

    it('refuses a bound below 1', function () {
        expect(() => new ReflectPipeline(0, () => undefined)).to.throw(RangeError);
    });
});
