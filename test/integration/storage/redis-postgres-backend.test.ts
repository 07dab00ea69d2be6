/**
 * The shared storage contracts against the redis+postgres backend, on real
 * Redis and PostgreSQL (see test/helpers/services.ts).
 */
import { expect } from 'chai';
import { deviceGroupStoreContract } from '../../contract/device-group-store.contract.js';
import { groupCoordinatorContract } from '../../contract/group-coordinator.contract.js';
import { reflectionQueueContract } from '../../contract/reflection-queue.contract.js';
import { createTestRedisPostgresBackend } from '../../helpers/services.js';

const factory = () => createTestRedisPostgresBackend();

deviceGroupStoreContract('redis+postgres', factory);
reflectionQueueContract('redis+postgres', factory);
groupCoordinatorContract('redis+postgres', factory);

describe('redis+postgres backend', function () {
    it('says it is redis+postgres and durable, and closes idempotently', async function () {
        const backend = await createTestRedisPostgresBackend();
        expect(backend.kind).to.equal('redis+postgres');
        expect(backend.durable).to.equal(true);
        await backend.close();
        await backend.close();
    });
});
