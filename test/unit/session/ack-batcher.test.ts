import { expect } from 'chai';
import { ACK_BATCH_DELAY_MS, AckBatcher } from '../../../src/session/ack-batcher.js';
import type { AckManyOptions, ReflectionQueue, SlotAcks } from '../../../src/storage/reflection-queue.js';
import type { GroupId } from '../../../src/storage/types.js';
import { DEVICE_A, DEVICE_B } from '../support/session-fakes.js';

const GROUP = 'a'.repeat(64) as GroupId;

/** A queue that records the calls the batcher makes. */
function recordingQueue(): Pick<ReflectionQueue, 'ackMany' | 'flushDeferredAcks'> & { readonly calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        ackMany(_groupId: GroupId, acks: readonly SlotAcks[], options?: AckManyOptions) {
            const seqs = acks.flatMap((slot) => slot.seqs);
            calls.push(`ackMany ${seqs.join(',')}${options?.deferrable === true ? ' deferrable' : ''}`);
            return Promise.resolve(seqs.length);
        },
        flushDeferredAcks() {
            calls.push('flushDeferredAcks');
        },
    };
}

describe('AckBatcher', function () {
    it('hands a batch whose time ran out to the queue as deferrable', async function () {
        const queue = recordingQueue();
        const batcher = new AckBatcher(queue);
        const applied = [batcher.ack(GROUP, DEVICE_A, 1), batcher.ack(GROUP, DEVICE_B, 1)];
        await new Promise((resolve) => setTimeout(resolve, ACK_BATCH_DELAY_MS / 2));
        expect(queue.calls).to.deep.equal([]);
        await Promise.all(applied);
        expect(queue.calls).to.deep.equal(['ackMany 1,1 deferrable']);
    });

    it('hands a flushed batch on at once, not deferrable, and hurries the calls the queue holds back', async function () {
        const queue = recordingQueue();
        const batcher = new AckBatcher(queue);
        const applied = batcher.ack(GROUP, DEVICE_A, 7);
        batcher.flush(GROUP);
        await applied;
        expect(queue.calls).to.deep.equal(['flushDeferredAcks', 'ackMany 7']);
        // A group with nothing gathered: nothing to hurry.
        batcher.flush('b'.repeat(64) as GroupId);
        expect(queue.calls).to.have.length(2);
    });
});
