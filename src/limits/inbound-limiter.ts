/**
 * Per-connection limits on what a device sends: WebSocket messages (frames)
 * per second and bytes per second, each a token bucket with a burst. The
 * server asks `admit` for every inbound frame before the session sees it;
 * a frame over either limit means the connection is closed (the caller
 * chooses the close code, see docs/configuration.md "Limits").
 */
import { TokenBucket } from './token-bucket.js';

/** Which limit a frame exceeded. */
export type InboundLimit = 'frames' | 'bytes';

export const INBOUND_LIMITS: readonly InboundLimit[] = ['frames', 'bytes'];

export interface InboundLimitOptions {
    /** Frames per second, sustained; 0 turns the frame limit off. */
    readonly framesPerS: number;
    /** Frames a connection may send at once above the sustained rate. */
    readonly frameBurst: number;
    /** Bytes per second, sustained; 0 turns the byte limit off. */
    readonly bytesPerS: number;
    /** Bytes a connection may send at once above the sustained rate (at least one maximum frame). */
    readonly byteBurst: number;
}

export class InboundLimiter {
    readonly #frames: TokenBucket | undefined;
    readonly #bytes: TokenBucket | undefined;

    public constructor(options: InboundLimitOptions, nowMs: number) {
        this.#frames =
            options.framesPerS > 0 ? new TokenBucket(options.framesPerS, options.frameBurst, nowMs) : undefined;
        this.#bytes = options.bytesPerS > 0 ? new TokenBucket(options.bytesPerS, options.byteBurst, nowMs) : undefined;
    }

    /** Whether any limit is on (a limiter with none needs no calls). */
    public static enabled(options: InboundLimitOptions): boolean {
        return options.framesPerS > 0 || options.bytesPerS > 0;
    }

    /** Counts one frame of `byteLength` bytes; the limit it exceeds, or undefined when it is within both. */
    public admit(byteLength: number, nowMs: number): InboundLimit | undefined {
        if (this.#frames !== undefined && !this.#frames.take(1, nowMs)) return 'frames';
        if (this.#bytes !== undefined && !this.#bytes.take(byteLength, nowMs)) return 'bytes';
        return undefined;
    }
}
