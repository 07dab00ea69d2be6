import { expect } from 'chai';
import { MAX_ACK_RANGE, seqRuns } from '../../../src/storage/redis/redis-reflection-queue.js';

describe('seqRuns (the ranges of a reflect-ack call)', function () {
    it('cuts seqs into ascending runs of consecutive values, dropping repetitions', function () {
        expect(seqRuns([])).to.deep.equal([]);
        expect(seqRuns([7])).to.deep.equal([[7, 7]]);
        expect(seqRuns([1, 2, 3, 4])).to.deep.equal([[1, 4]]);
        expect(seqRuns([5, 3, 4, 4, 9])).to.deep.equal([
            [3, 5],
            [9, 9],
        ]);
        expect(seqRuns([2, 2, 2])).to.deep.equal([[2, 2]]);
        expect(seqRuns([10, 1, 11, 3, 2])).to.deep.equal([
            [1, 3],
            [10, 11],
        ]);
    });

    it('keeps every run within the longest range the script takes', function () {
        const seqs = Array.from({ length: MAX_ACK_RANGE + 2 }, (_, index) => index + 1);
        expect(seqRuns(seqs)).to.deep.equal([
            [1, MAX_ACK_RANGE],
            [MAX_ACK_RANGE + 1, MAX_ACK_RANGE + 2],
        ]);
    });

    it('does not reorder the caller’s array', function () {
        const seqs = [3, 1, 2];
        seqRuns(seqs);
        expect(seqs).to.deep.equal([3, 1, 2]);
    });
});
