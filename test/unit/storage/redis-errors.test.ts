/**
 * How Redis failures become StorageErrors: connection failures and
 * transient cluster states (redirections, resharding, a cluster without
 * quorum) are retryable; a cross-slot or other error reply is not.
 */
import { expect } from 'chai';
import { ClientOfflineError, ErrorReply, MaxCommandRedirectionsError } from 'redis';
import { StorageError } from '../../../src/errors.js';
import { toStorageError } from '../../../src/storage/redis/redis-client.js';

describe('redis error mapping', function () {
    for (const reply of [
        'MOVED 3999 127.0.0.1:6381',
        'ASK 3999 127.0.0.1:6381',
        'TRYAGAIN Multiple keys request during rehashing of slot',
        'CLUSTERDOWN The cluster is down',
        'LOADING Redis is loading the dataset in memory',
    ]) {
        it(`retries after ${reply.split(' ')[0]}`, function () {
            const error = toStorageError('EVALSHA', new ErrorReply(reply));
            expect(error).to.be.instanceOf(StorageError);
            expect(error.retryable).to.equal(true);
        });
    }

    it('retries after too many redirections and while offline', function () {
        expect(toStorageError('HGETALL', new MaxCommandRedirectionsError()).retryable).to.equal(true);
        expect(toStorageError('HGETALL', new ClientOfflineError()).retryable).to.equal(true);
    });

    it('does not retry CROSSSLOT or another error reply', function () {
        const crossSlot = "CROSSSLOT Keys in request don't hash to the same slot";
        expect(toStorageError('DEL', new ErrorReply(crossSlot)).retryable).to.equal(false);
        expect(toStorageError('EVAL', new ErrorReply('ERR syntax error')).retryable).to.equal(false);
    });
});
