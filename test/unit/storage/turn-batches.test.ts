import { expect } from 'chai';
import { TurnBatches } from '../../../src/storage/turn-batches.js';

describe('TurnBatches', function () {
    it('hands on the calls of one turn at its end, in runs that keep their order', async function () {
        const runs: number[][] = [];
        // A run takes calls while it holds fewer than three and stays even or odd with its first.
        const batches = new TurnBatches<number>(
            (run) => runs.push([...run]),
            (run, next) => run.length < 3 && run[0]! % 2 === next % 2,
        );
        for (const call of [2, 4, 6, 8, 1, 3, 10]) batches.add(call);
        expect(runs).to.deep.equal([]);
        await new Promise((resolve) => setImmediate(resolve));
        expect(runs).to.deep.equal([[2, 4, 6], [8], [1, 3], [10]]);
        // A later turn is a batch of its own.
        batches.add(5);
        await new Promise((resolve) => setImmediate(resolve));
        expect(runs.at(-1)).to.deep.equal([5]);
        expect(runs).to.have.length(5);
    });
});

describe('TurnBatches with its own timing', function () {
    it('flushes when the schedule says, running beforeFlush first, and schedules again after a flush', function () {
        const events: string[] = [];
        let pending: (() => void) | undefined;
        const batches = new TurnBatches<number>(
            (run) => events.push(`send ${run.join(',')}`),
            () => true,
            {
                schedule: (flush) => {
                    events.push('schedule');
                    pending = flush;
                },
                beforeFlush: () => events.push('before'),
            },
        );
        batches.add(1);
        batches.add(2);
        expect(events).to.deep.equal(['schedule']);
        pending!();
        batches.add(3);
        pending!();
        expect(events).to.deep.equal(['schedule', 'before', 'send 1,2', 'schedule', 'before', 'send 3']);
    });
});
