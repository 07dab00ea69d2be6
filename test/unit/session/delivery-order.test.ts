/**
 * Delivery keeps an ephemeral reflection in its place among queued ones,
 * even when storage already holds items whose notification comes after it
 * (the order in which the sender's reflections were handled).
 */
import { expect } from 'chai';
import { D2mPayloadType, decodeMessage, ensureDeviceId } from '../../../d2m/index.js';
import { Delivery } from '../../../src/session/delivery.js';
import { reflectedFrame } from '../../../src/session/frames.js';
import type { QueueItem, ReflectionQueue } from '../../../src/storage/reflection-queue.js';
import type { GroupId } from '../../../src/storage/types.js';

const GROUP = 'g' as GroupId;
const DEVICE = ensureDeviceId(2n);

/** A queue whose items are all there from the start: a read sees items announced later too. */
function queueOf(items: readonly QueueItem[]): ReflectionQueue {
    const read = (_group: GroupId, _device: unknown, afterSeq: number, maxItems: number): Promise<QueueItem[]> =>
        Promise.resolve(items.filter((item) => item.seq > afterSeq).slice(0, maxItems));
    return { read } as unknown as ReflectionQueue;
}

function item(seq: number): QueueItem {
    return { seq, flags: 0, timestamp: 1000 + seq, envelope: new Uint8Array([seq]) };
}

function sentOrder(frames: readonly Uint8Array[]): string[] {
    return frames.map((frame) => {
        const message = decodeMessage(frame);
        if (message.type !== D2mPayloadType.REFLECTED) return message.type.toString();
        return message.body.flags === 1
            ? `ephemeral ${message.body.envelope[0]}`
            : `queued ${message.body.reflectedId}`;
    });
}

async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('Delivery order', function () {
    function delivery(items: readonly QueueItem[]): { delivery: Delivery; sent: Uint8Array[] } {
        const sent: Uint8Array[] = [];
        const result = new Delivery({
            queue: queueOf(items),
            acks: { ack: () => Promise.resolve() },
            groupId: GROUP,
            deviceId: DEVICE,
            send: (frame) => {
                sent.push(frame);
                return true;
            },
            bufferedAmount: () => 0,
            highWaterBytes: 1 << 20,
            batchItems: 256,
            onError: (error) => {
                throw error;
            },
        });
        return { delivery: result, sent };
    }

    it('sends queued items only up to the seq their notification named, then the ephemeral, then the rest', async function () {
        const { delivery: d, sent } = delivery([item(1), item(2), item(3)]);
        d.start(0, () => undefined);
        d.wakeQueue(1);
        d.offer(reflectedFrame(1, 0xffff_ffff, 5, new Uint8Array([9])));
        d.wakeQueue(3);
        await settle();
        expect(sentOrder(sent)).to.deep.equal(['queued 1', 'ephemeral 9', 'queued 2', 'queued 3']);
    });

    it('merges notifications with nothing between them into one read', async function () {
        const { delivery: d, sent } = delivery([item(1), item(2)]);
        d.wakeQueue(1);
        d.wakeQueue(2);
        d.start(0, () => undefined);
        await settle();
        expect(sentOrder(sent)).to.deep.equal(['queued 1', 'queued 2']);
    });

    it('sends everything for a notification without a seq (an older node)', async function () {
        const { delivery: d, sent } = delivery([item(1), item(2)]);
        d.start(0, () => undefined);
        d.wakeQueue();
        d.offer(reflectedFrame(1, 0xffff_ffff, 5, new Uint8Array([9])));
        await settle();
        expect(sentOrder(sent)).to.deep.equal(['queued 1', 'queued 2', 'ephemeral 9']);
    });
});
