/**
 * Delivery on the embedded queue with a fake socket: the order of the
 * backlog, group events and notifications (also while storage is slow), the
 * high-water mark for queued and ephemeral frames, and the Reflected ids it
 * hands out and takes back.
 */
import { expect } from 'chai';
import { CloseCode, D2mPayloadType, decodeMessage, encodeMessage, type D2mMessage } from '../../../d2m/index.js';
import { SessionClosedError, StorageError } from '../../../src/errors.js';
import { AckBatcher } from '../../../src/session/ack-batcher.js';
import { Delivery, type DeliveryOptions } from '../../../src/session/delivery.js';
import { createMemoryBackend, type MemoryBackend } from '../../../src/storage/memory-backend.js';
import type { QueueLimits, ReflectionQueue } from '../../../src/storage/reflection-queue.js';
import {
    callNames,
    DEVICE_A,
    DEVICE_B,
    FakeTransport,
    Gate,
    recordingMetrics,
    settle,
    TestGroup,
} from '../support/session-fakes.js';

const LIMITS: QueueLimits = { maxCount: 1000, maxBytes: 1_000_000 };
const HIGH_WATER = 1000;

const ENDED = encodeMessage({
    type: D2mPayloadType.TRANSACTION_ENDED,
    body: { deviceId: DEVICE_A, encryptedScope: Uint8Array.of(1) },
});

/** A compact view of what the socket got: `R<marker>` for a Reflected, else the payload type name. */
function summary(messages: readonly D2mMessage[]): string[] {
    return messages.map((message) => {
        if (message.type === D2mPayloadType.REFLECTED) return `R${message.body.envelope[0]}`;
        if (message.type === D2mPayloadType.TRANSACTION_ENDED) return 'ended';
        return String(message.type);
    });
}

describe('Delivery', function () {
    let backend: MemoryBackend;
    let group: TestGroup;
    let socket: FakeTransport;
    let errors: unknown[];
    let metrics: ReturnType<typeof recordingMetrics>;

    function delivery(overrides: Partial<DeliveryOptions> = {}): Delivery {
        return new Delivery({
            queue: backend.queue,
            acks: new AckBatcher(backend.queue),
            groupId: group.groupId,
            deviceId: DEVICE_B,
            send: (frame) => socket.send(frame),
            bufferedAmount: () => socket.bufferedAmount(),
            highWaterBytes: HIGH_WATER,
            batchItems: 2,
            metrics,
            onError: (error) => errors.push(error),
            ...overrides,
        });
    }

    async function appendFromA(...markers: number[]): Promise<void> {
        for (const marker of markers) {
            await backend.queue.append({
                groupId: group.groupId,
                senderDeviceId: DEVICE_A,
                flags: 0,
                envelope: Uint8Array.of(marker),
                timestamp: 1,
                limits: LIMITS,
            });
        }
    }

    beforeEach(async function () {
        backend = createMemoryBackend();
        group = new TestGroup();
        socket = new FakeTransport();
        errors = [];
        metrics = recordingMetrics();
        await backend.queue.addSlot(group.groupId, DEVICE_A);
        await backend.queue.addSlot(group.groupId, DEVICE_B);
    });

    afterEach(async function () {
        await backend.close();
    });

    it('sends nothing before start, then the backlog, the after-backlog call and what was gathered meanwhile', async function () {
        await appendFromA(1, 2, 3);
        const out = delivery();
        out.sendInOrder(ENDED);
        out.wakeQueue();
        await settle();
        expect(socket.sent).to.have.length(0);
        let sentBeforeCall = -1;
        out.start(3, () => {
            sentBeforeCall = socket.sent.length;
        });
        await settle();
        expect(sentBeforeCall).to.equal(3);
        expect(summary(socket.messages())).to.deep.equal(['R1', 'R2', 'R3', 'ended']);
        expect(errors).to.deep.equal([]);
    });

    it('keeps a notification behind the reflections released before it while storage is slow', async function () {
        const gate = new Gate();
        const slowQueue: Pick<ReflectionQueue, 'read'> = {
            read: async (...args) => {
                await gate.pass();
                return backend.queue.read(...args);
            },
        };
        const out = delivery({ queue: slowQueue });
        out.start(0, () => undefined);
        await settle();
        await appendFromA(1, 2);
        out.wakeQueue();
        out.sendInOrder(ENDED);
        await settle();
        expect(gate.waiting).to.equal(1);
        expect(socket.sent).to.have.length(0);
        gate.open();
        await settle();
        expect(summary(socket.messages())).to.deep.equal(['R1', 'R2', 'ended']);
    });

    it('pauses while the socket holds more than the high-water mark and resumes on drain', async function () {
        await appendFromA(1, 2, 3, 4, 5);
        socket.buffered = HIGH_WATER + 1;
        const out = delivery();
        out.start(5, () => undefined);
        await settle();
        expect(socket.sent).to.have.length(0);
        socket.buffered = 0;
        out.onDrain();
        await settle();
        expect(summary(socket.messages())).to.deep.equal(['R1', 'R2', 'R3', 'R4', 'R5']);
    });

    it('drops an ephemeral reflection while the device is behind, and counts it', async function () {
        const out = delivery();
        out.start(0, () => undefined);
        await settle();
        socket.buffered = HIGH_WATER;
        expect(out.offerEphemeral(1, 5, Uint8Array.of(9))).to.equal(false);
        socket.buffered = 0;
        expect(out.offerEphemeral(1, 5, Uint8Array.of(8))).to.equal(true);
        await settle();
        expect(summary(socket.messages())).to.deep.equal(['R8']);
        expect(callNames(metrics)).to.include.members(['ephemeralDropped', 'delivered']);
    });

    it('closes with 4010 once the frames that may not be dropped pile up past the high-water mark', function () {
        socket.buffered = HIGH_WATER + 1;
        const out = delivery();
        out.start(0, () => undefined);
        const big = encodeMessage({
            type: D2mPayloadType.TRANSACTION_ENDED,
            body: { deviceId: DEVICE_A, encryptedScope: new Uint8Array(HIGH_WATER / 2) },
        });
        out.sendInOrder(big);
        expect(errors).to.deep.equal([]);
        out.sendInOrder(big);
        expect(errors).to.have.length(1);
        expect(errors[0]).to.be.instanceOf(SessionClosedError);
        expect((errors[0] as SessionClosedError).closeCode).to.equal(CloseCode.PROTOCOL_ERROR);
        out.sendInOrder(ENDED);
        expect(errors).to.have.length(1);
    });

    it('owns every Reflected id: queue ids map back to their items, ephemeral ids count down and match no ack', async function () {
        await appendFromA(1, 2);
        const out = delivery();
        out.start(2, () => undefined);
        await settle();
        out.offerEphemeral(1, 5, Uint8Array.of(7));
        out.offerEphemeral(1, 5, Uint8Array.of(7));
        await settle();
        const ids = socket.messages().map((message) => {
            if (message.type !== D2mPayloadType.REFLECTED) throw new Error('not a Reflected');
            return message.body.reflectedId;
        });
        expect(ids).to.deep.equal([1, 2, 0xffff_ffff, 0xffff_fffe]);
        expect(out.unackedCount).to.equal(2);
        expect(out.ack(0xffff_ffff)).to.equal(false);
        expect(out.ack(2)).to.equal(true);
        expect(out.ack(2)).to.equal(false);
        expect(out.unackedCount).to.equal(1);
        await out.flushAcks();
        expect((await backend.queue.stats(group.groupId, DEVICE_B)).count).to.equal(1);
    });

    it('reports a storage failure once and stops', async function () {
        const failing: Pick<ReflectionQueue, 'read'> = {
            read: () => Promise.reject(new StorageError('read failed', { retryable: true })),
        };
        const out = delivery({ queue: failing });
        out.start(3, () => undefined);
        out.wakeQueue();
        out.sendInOrder(ENDED);
        await settle();
        expect(errors).to.have.length(1);
        expect(errors[0]).to.be.instanceOf(StorageError);
        expect(socket.sent).to.have.length(0);
    });

    it('sends nothing after stop', async function () {
        await appendFromA(1);
        const out = delivery();
        out.stop();
        out.start(1, () => undefined);
        out.sendInOrder(ENDED);
        await settle();
        expect(socket.sent).to.have.length(0);
        expect(decodeMessage(ENDED).type).to.equal(D2mPayloadType.TRANSACTION_ENDED);
    });
});
