/**
 * Delivery of items carried by their `appended` event: sent without a queue
 * read when the slot's cursor is right before them, read from the queue
 * for the backlog, after a gap, when a read is pending and when the
 * socket is over the high-water mark; strict order throughout. And the
 * batched ReflectedAcks (AckBatcher): one `ackMany` per group and
 * event-loop turn (or per call in flight), for every connection of the
 * group, `flushAcks` waiting for all of a connection's acks.
 */
import { expect } from 'chai';
import { D2mPayloadType, decodeMessage, ensureDeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../../src/errors.js';
import { AckBatcher } from '../../../src/session/ack-batcher.js';
import { Delivery, type DeliveryOptions } from '../../../src/session/delivery.js';
import { reflectedFrame } from '../../../src/session/frames.js';
import type { AppendedItem } from '../../../src/storage/group-coordinator.js';
import type { QueueItem, ReflectionQueue, SlotAcks } from '../../../src/storage/reflection-queue.js';
import type { GroupId } from '../../../src/storage/types.js';
import { Gate, recordingMetrics, settle } from '../support/session-fakes.js';

const GROUP = 'g' as GroupId;
const DEVICE = ensureDeviceId(2n);
const OTHER_DEVICE = ensureDeviceId(3n);

/** Longer than an ack batch gathers acks. */
function gathered(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 10));
}

function item(seq: number): QueueItem {
    return { seq, flags: 0, timestamp: 1000 + seq, envelope: new Uint8Array([seq]) };
}

/** What an `appended` event carries for the item with this seq. */
function carried(seq: number): AppendedItem {
    const { flags, timestamp, envelope } = item(seq);
    return { flags, timestamp, envelope };
}

/** A queue holding items 1..n (all there from the start), recording reads and acks. */
class RecordingQueue implements Pick<ReflectionQueue, 'read' | 'ackMany'> {
    public readonly reads: number[] = [];
    /** Per ackMany call: `<group>/<device>:<seq>` of each ack, in order. */
    public readonly ackCalls: string[][] = [];
    public ackGate: Gate | undefined;
    public ackFailure: Error | undefined;
    public items: QueueItem[];

    public constructor(count: number) {
        this.items = Array.from({ length: count }, (_unused, index) => item(index + 1));
    }

    public read(_group: GroupId, _device: unknown, afterSeq: number, maxItems: number): Promise<QueueItem[]> {
        this.reads.push(afterSeq);
        return Promise.resolve(this.items.filter((entry) => entry.seq > afterSeq).slice(0, maxItems));
    }

    public async ackMany(group: GroupId, acks: readonly SlotAcks[]): Promise<number> {
        this.ackCalls.push(acks.flatMap(({ deviceId, seqs }) => seqs.map((seq) => `${group}/${deviceId}:${seq}`)));
        await this.ackGate?.pass();
        if (this.ackFailure !== undefined) throw this.ackFailure;
        // The items are DEVICE's; another device's acks change nothing here.
        const seqs = acks.filter((slot) => slot.deviceId === DEVICE).flatMap((slot) => slot.seqs);
        const before = this.items.length;
        this.items = this.items.filter((entry) => !seqs.includes(entry.seq));
        return before - this.items.length;
    }
}

/** What was sent: `q<seq>` for a queued Reflected (with its timestamp checked), `e<marker>` for an ephemeral one. */
function sentOrder(frames: readonly Uint8Array[]): string[] {
    return frames.map((frame) => {
        const message = decodeMessage(frame);
        if (message.type !== D2mPayloadType.REFLECTED) return String(message.type);
        if (message.body.flags === 1) return `e${message.body.envelope[0]}`;
        const seq = message.body.reflectedId;
        expect(message.body.timestamp, `timestamp of ${seq}`).to.equal(1000 + seq);
        expect([...message.body.envelope], `envelope of ${seq}`).to.deep.equal([seq]);
        return `q${seq}`;
    });
}

describe('Delivery from appended events', function () {
    let queue: RecordingQueue;
    let sent: Uint8Array[];
    let buffered: number;
    let errors: unknown[];
    let metrics: ReturnType<typeof recordingMetrics>;

    function delivery(overrides: Partial<DeliveryOptions> = {}): Delivery {
        return new Delivery({
            queue,
            acks: new AckBatcher(queue),
            groupId: GROUP,
            deviceId: DEVICE,
            send: (frame) => {
                sent.push(frame);
                return true;
            },
            bufferedAmount: () => buffered,
            highWaterBytes: 1000,
            batchItems: 256,
            metrics,
            onError: (error) => errors.push(error),
            ...overrides,
        });
    }

    beforeEach(function () {
        queue = new RecordingQueue(0);
        sent = [];
        buffered = 0;
        errors = [];
        metrics = recordingMetrics();
    });

    describe('sending', function () {
        it('sends contiguous items from their events without reading the queue', async function () {
            queue = new RecordingQueue(3);
            const out = delivery();
            out.start(0, () => undefined);
            for (const seq of [1, 2, 3]) out.wakeQueue(seq, carried(seq));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3']);
            expect(queue.reads).to.deep.equal([]);
            expect(out.unackedCount).to.equal(3);
            expect(errors).to.deep.equal([]);
        });

        it('reads the login backlog, then sends the next items from their events', async function () {
            queue = new RecordingQueue(4);
            const out = delivery();
            // Events gathered between the subscription and ServerInfo: item 2 is in the backlog too.
            out.wakeQueue(2, carried(2));
            out.wakeQueue(3, carried(3));
            out.start(2, () => undefined);
            out.wakeQueue(4, carried(4));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3', 'q4']);
            expect(queue.reads).to.deep.equal([0]);
        });

        it('reads after a gap (a missed event), up to the event’s item, and keeps the order', async function () {
            queue = new RecordingQueue(5);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(1, carried(1));
            // The events of 2 and 3 never came.
            out.wakeQueue(4, carried(4));
            out.offer(reflectedFrame(1, 0xffff_ffff, 5, Uint8Array.of(9)));
            out.wakeQueue(5, carried(5));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3', 'q4', 'e9', 'q5']);
            // One read after 1, which stops at 4 (5 waits for its own event, behind the ephemeral frame).
            expect(queue.reads).to.deep.equal([1]);
        });

        it('keeps an ephemeral reflection between the items whose events came before and after it', async function () {
            queue = new RecordingQueue(2);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(1, carried(1));
            out.offerEphemeral(1, 5, Uint8Array.of(9));
            out.wakeQueue(2, carried(2));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'e9', 'q2']);
            expect(queue.reads).to.deep.equal([]);
        });

        it('reads a release (an event without item) and sends the next item from its event', async function () {
            queue = new RecordingQueue(4);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(1, carried(1));
            out.wakeQueue(3);
            await settle();
            out.wakeQueue(4, carried(4));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3', 'q4']);
            expect(queue.reads).to.deep.equal([1]);
        });

        it('lets an item join a read that is still pending instead of overtaking it', async function () {
            queue = new RecordingQueue(3);
            const out = delivery();
            out.wakeQueue(2);
            out.wakeQueue(3, carried(3));
            out.start(0, () => undefined);
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3']);
            expect(queue.reads).to.deep.equal([0]);
        });

        it('does not send an item twice when a read already found it', async function () {
            queue = new RecordingQueue(3);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(3);
            await settle();
            out.wakeQueue(2, carried(2));
            out.wakeQueue(3, carried(3));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3']);
            expect(queue.reads).to.deep.equal([0]);
        });

        it('keeps no envelope while the socket is over the high-water mark: reads once it drained', async function () {
            queue = new RecordingQueue(4);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(1, carried(1));
            await settle();
            buffered = 5000;
            out.wakeQueue(2, carried(2));
            out.wakeQueue(3, carried(3));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1']);
            buffered = 0;
            out.onDrain();
            await settle();
            out.wakeQueue(4, carried(4));
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2', 'q3', 'q4']);
            // 2 and 3 were read (the read for 2 was already waiting for room when 3 was announced); 4 from its event.
            expect(queue.reads).to.deep.equal([1, 2]);
        });

        it('waits for room before sending an item it holds, then sends it in order', async function () {
            queue = new RecordingQueue(2);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(1, carried(1));
            buffered = 900;
            out.wakeQueue(2, carried(2));
            // Accepted (below the mark when announced), then the socket filled up.
            buffered = 5000;
            await settle();
            expect(sentOrder(sent)).to.deep.equal([]);
            buffered = 0;
            out.onDrain();
            await settle();
            expect(sentOrder(sent)).to.deep.equal(['q1', 'q2']);
            expect(queue.reads).to.deep.equal([]);
        });

        it('counts items sent from events as delivered', async function () {
            queue = new RecordingQueue(2);
            const out = delivery();
            out.start(0, () => undefined);
            out.wakeQueue(1, carried(1));
            out.wakeQueue(2, carried(2));
            await settle();
            expect(metrics.calls.filter(([name]) => name === 'delivered')).to.deep.equal([
                ['delivered', [1, false]],
                ['delivered', [1, false]],
            ]);
        });
    });

    describe('batched acks', function () {
        async function sentItems(count: number): Promise<Delivery> {
            queue = new RecordingQueue(count);
            const out = delivery();
            out.start(0, () => undefined);
            for (let seq = 1; seq <= count; seq++) out.wakeQueue(seq, carried(seq));
            await settle();
            return out;
        }

        it('applies the acks given together with one ackMany call', async function () {
            const out = await sentItems(4);
            expect([out.ack(3), out.ack(1), out.ack(4)]).to.deep.equal([true, true, true]);
            expect(queue.ackCalls).to.deep.equal([]);
            await out.flushAcks();
            expect(queue.ackCalls).to.deep.equal([['g/2:3', 'g/2:1', 'g/2:4']]);
            expect(queue.items.map((entry) => entry.seq)).to.deep.equal([2]);
            expect(metrics.calls.filter(([name]) => name === 'reflectedAcked')).to.have.length(3);
            expect(out.unackedCount).to.equal(1);
        });

        it('gathers the acks given while a call is in flight into the next call', async function () {
            const out = await sentItems(5);
            queue.ackGate = new Gate();
            out.ack(1);
            await gathered();
            expect(queue.ackCalls).to.deep.equal([['g/2:1']]);
            out.ack(2);
            out.ack(3);
            await gathered();
            out.ack(4);
            await gathered();
            // Still one call: the first has not returned.
            expect(queue.ackCalls).to.deep.equal([['g/2:1']]);
            queue.ackGate.open();
            await out.flushAcks();
            expect(queue.ackCalls).to.deep.equal([['g/2:1'], ['g/2:2', 'g/2:3', 'g/2:4']]);
            expect(queue.items.map((entry) => entry.seq)).to.deep.equal([5]);
        });

        it('ignores unknown, repeated and ephemeral ids without a storage call', async function () {
            const out = await sentItems(1);
            expect(out.ack(7)).to.equal(false);
            expect(out.ack(0xffff_ffff)).to.equal(false);
            await out.flushAcks();
            expect(queue.ackCalls).to.deep.equal([]);
            expect(out.ack(1)).to.equal(true);
            expect(out.ack(1)).to.equal(false);
            await out.flushAcks();
            expect(queue.ackCalls).to.deep.equal([['g/2:1']]);
        });

        it('flushAcks waits for every ack given so far, also after stop', async function () {
            const out = await sentItems(2);
            queue.ackGate = new Gate();
            out.ack(1);
            out.ack(2);
            out.stop();
            let flushed = false;
            const flush = out.flushAcks().then(() => (flushed = true));
            await settle();
            expect(flushed).to.equal(false);
            queue.ackGate.open();
            await flush;
            expect(queue.items).to.deep.equal([]);
        });

        it('reports a failed ack call once and applies no later acks', async function () {
            const out = await sentItems(3);
            queue.ackFailure = new StorageError('ack failed', { retryable: true });
            out.ack(1);
            await out.flushAcks();
            out.ack(2);
            await out.flushAcks();
            expect(errors).to.have.length(1);
            expect(errors[0]).to.be.instanceOf(StorageError);
            expect(queue.ackCalls).to.deep.equal([['g/2:1']]);
            expect(metrics.calls.filter(([name]) => name === 'reflectedAcked')).to.deep.equal([]);
        });

        it('takes the acks of every connection of a group into one call, one call per group', async function () {
            queue = new RecordingQueue(2);
            const batcher = new AckBatcher(queue);
            const mine = delivery({ acks: batcher });
            const other = delivery({ acks: batcher, deviceId: OTHER_DEVICE });
            const elsewhere = delivery({ acks: batcher, groupId: 'h' as GroupId });
            for (const out of [mine, other, elsewhere]) {
                out.start(0, () => undefined);
                out.wakeQueue(1, carried(1));
                out.wakeQueue(2, carried(2));
            }
            await settle();
            mine.ack(2);
            other.ack(1);
            elsewhere.ack(1);
            mine.ack(1);
            await Promise.all([mine.flushAcks(), other.flushAcks(), elsewhere.flushAcks()]);
            expect(queue.ackCalls).to.have.length(2);
            expect(queue.ackCalls).to.deep.include.members([['g/2:2', 'g/2:1', 'g/3:1'], ['h/2:1']]);
            expect(metrics.calls.filter(([name]) => name === 'reflectedAcked')).to.have.length(4);
        });

        it('gathers the acks of a group for the window, unless a connection with acks pending waits for them', async function () {
            queue = new RecordingQueue(1);
            const batcher = new AckBatcher(queue);
            const mine = delivery({ acks: batcher });
            const other = delivery({ acks: batcher, deviceId: OTHER_DEVICE });
            const sender = delivery({ acks: batcher, deviceId: ensureDeviceId(4n) });
            for (const out of [mine, other, sender]) {
                out.start(0, () => undefined);
                out.wakeQueue(1, carried(1));
            }
            await settle();
            other.ack(1);
            // A connection without acks of its own (a sender waiting for nothing) does not cut the window.
            await sender.flushAcks();
            for (let turn = 0; turn < 20; turn++) await Promise.resolve();
            expect(queue.ackCalls).to.deep.equal([]);
            mine.ack(1);
            // Applied without waiting for the window (not even for the next event-loop turn).
            let turned = false;
            setImmediate(() => (turned = true));
            await mine.flushAcks();
            expect(turned).to.equal(false);
            expect(queue.ackCalls).to.deep.equal([['g/3:1', 'g/2:1']]);
            await other.flushAcks();
            expect(metrics.calls.filter(([name]) => name === 'reflectedAcked')).to.have.length(2);
        });

        it('fails the acks of every connection in a failed call, each reported once', async function () {
            queue = new RecordingQueue(1);
            const batcher = new AckBatcher(queue);
            const mine = delivery({ acks: batcher });
            const other = delivery({ acks: batcher, deviceId: OTHER_DEVICE });
            for (const out of [mine, other]) {
                out.start(0, () => undefined);
                out.wakeQueue(1, carried(1));
            }
            await settle();
            queue.ackFailure = new StorageError('ack failed', { retryable: true });
            mine.ack(1);
            other.ack(1);
            await Promise.all([mine.flushAcks(), other.flushAcks()]);
            expect(errors).to.have.length(2);
            // The group's next batch is not held up by the failed one.
            queue.ackFailure = undefined;
            const third = delivery({ acks: batcher });
            third.start(0, () => undefined);
            third.wakeQueue(1, carried(1));
            await settle();
            third.ack(1);
            await third.flushAcks();
            expect(queue.ackCalls).to.deep.equal([['g/2:1', 'g/3:1'], ['g/2:1']]);
            expect(queue.items).to.deep.equal([]);
        });
    });
});
