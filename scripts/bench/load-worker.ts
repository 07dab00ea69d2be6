/**
 * One process of the fan-out load generator (load-generator.ts forks
 * several): it connects its share of the groups, drives them with a
 * FanoutDriver and answers the coordinator's commands over the IPC
 * channel. It exits when the channel closes.
 */
import { connectLeanFleet, connectMediatorFleet, connectMqttFleet, FanoutDriver, type FanoutFleet } from './fanout.js';
import type { WorkerReply, WorkerRequest } from './load-protocol.js';

let driver: FanoutDriver | undefined;
let fleet: FanoutFleet | undefined;

function reply(message: WorkerReply): void {
    process.send?.(message);
}

async function handle(request: WorkerRequest): Promise<void> {
    switch (request.type) {
        case 'connect': {
            const { spec } = request;
            driver = new FanoutDriver(spec.devicesPerGroup);
            const onDelivery = driver.onDelivery;
            if (spec.target === 'mqtt') {
                fleet = await connectMqttFleet(spec.url, spec.runId, spec.groups, spec.devicesPerGroup, onDelivery);
            } else if (spec.client === 'sdk') {
                fleet = await connectMediatorFleet(spec.url, spec.groups, spec.devicesPerGroup, onDelivery);
            } else {
                fleet = await connectLeanFleet(spec.url, spec.groups, spec.devicesPerGroup, onDelivery);
            }
            driver.attach(fleet);
            reply({ type: 'connected', id: request.id });
            return;
        }
        case 'start-closed':
            driver!.startClosed(request.window);
            reply({ type: 'ok', id: request.id });
            return;
        case 'start-open':
            driver!.startOpen(request.ratePerS, request.maxOutstanding);
            reply({ type: 'ok', id: request.id });
            return;
        case 'begin-window':
            driver!.beginWindow();
            reply({ type: 'ok', id: request.id });
            return;
        case 'end-window':
            reply({ type: 'window', id: request.id, counts: driver!.endWindow() });
            return;
        case 'stop':
            reply({ type: 'end', id: request.id, counts: await driver!.stop() });
            return;
        case 'close':
            await fleet?.close();
            fleet = undefined;
            reply({ type: 'ok', id: request.id });
            return;
    }
}

process.on('message', (request: WorkerRequest) => {
    handle(request).catch((error: unknown) => {
        reply({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
    });
});
process.on('disconnect', () => process.exit(0));
