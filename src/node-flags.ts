/**
 * The Node.js flags the mediator runs with, wherever it is started: the
 * `mediator` executable's first line (src/main.ts), `npm start`, the
 * container image's entry point, and the mediator processes of the
 * benchmark and the tests pass exactly these (a unit test checks that the
 * places agree); workers inherit them from the primary.
 *
 * `--max-semi-space-size=32`: V8's young generation may grow to 32 MiB per
 * semi-space instead of Node 20's 16. A node allocates per reflection (frames,
 * promises, Redis replies and events) and much of it lives for a storage
 * round trip; with the smaller space more of it is still alive at each
 * scavenge and gets copied. In a profile of the Redis `always` fan-out
 * (docs/benchmarks.md) garbage collection went from 15.9% to 8.3% of the
 * mediator's busy time. The cost is memory under load: up to 32 MiB more
 * per semi-space in use (idle connections do not grow it).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
