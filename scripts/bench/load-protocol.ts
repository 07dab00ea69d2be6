/**
 * The messages between the load generator's coordinator
 * (load-generator.ts) and its worker processes (load-worker.ts).
 */
import type { EndCounts, WindowCounts } from './fanout.js';

/** How a worker's devices talk to the server. */
export type FleetSpec =
    | {
          readonly target: 'mediator';
          /** `lean`: raw protocol, opaque envelopes; `sdk`: the device SDK, encrypted envelopes. */
          readonly client: 'lean' | 'sdk';
          readonly url: string;
          readonly groups: number;
          readonly devicesPerGroup: number;
      }
    | {
          readonly target: 'mqtt';
          readonly url: string;
          readonly runId: string;
          readonly groups: number;
          readonly devicesPerGroup: number;
      };

export type WorkerRequest =
    | { readonly type: 'connect'; readonly id: number; readonly spec: FleetSpec }
    | { readonly type: 'start-closed'; readonly id: number; readonly window: number }
    | { readonly type: 'start-open'; readonly id: number; readonly ratePerS: number; readonly maxOutstanding: number }
    | { readonly type: 'begin-window'; readonly id: number }
    | { readonly type: 'end-window'; readonly id: number }
    | { readonly type: 'stop'; readonly id: number }
    | { readonly type: 'close'; readonly id: number };

export type WorkerReply =
    | { readonly type: 'connected'; readonly id: number }
    | { readonly type: 'ok'; readonly id: number }
    | { readonly type: 'window'; readonly id: number; readonly counts: WindowCounts }
    | { readonly type: 'end'; readonly id: number; readonly counts: EndCounts }
    | { readonly type: 'failed'; readonly id: number; readonly message: string };
