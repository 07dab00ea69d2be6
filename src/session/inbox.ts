/**
 * The inbound side of one connection: frames wait here and are handled
 * strictly in arrival order, one at a time, also while the handling of an
 * earlier one still waits for verification or storage. The bytes waiting
 * are bounded; a frame beyond the bound is refused (the session closes the
 * connection). The first error a handler throws stops the processing and
 * is reported once.
 *
 * A frame whose handling needs no wait (a ReflectedAck, a Reflect while the
 * pipeline has room) is handled synchronously, inside the transport's
 * callback: no promise, no microtask, nothing for the garbage collector.
 */
/** Handles one frame: returns nothing when it is done at once, or a promise that settles when it is. */
export type FrameHandler = (frame: Uint8Array) => Promise<void> | undefined;

export class Inbox {
    readonly #frames: Uint8Array[] = [];
    readonly #maxBytes: number;
    readonly #handle: FrameHandler;
    readonly #onError: (error: unknown) => void;
    #bytes = 0;
    #processing = false;
    #closed = false;
    /** The handling of the current frame; `idle` waits for it. */
    #current: Promise<void> | undefined;

    public constructor(maxBytes: number, handle: FrameHandler, onError: (error: unknown) => void) {
        this.#maxBytes = maxBytes;
        this.#handle = handle;
        this.#onError = onError;
    }

    /** Bytes received and not handled yet. */
    public get bytes(): number {
        return this.#bytes;
    }

    /**
     * Queues a frame; false when it would take the inbox beyond its bound
     * (nothing is queued). When nothing is being handled, the frame is
     * handled at once, before `push` returns; frames queue only behind a
     * handler that waits.
     */
    public push(frame: Uint8Array): boolean {
        if (this.#closed) return true;
        if (this.#bytes + frame.byteLength > this.#maxBytes) return false;
        if (this.#processing) {
            this.#bytes += frame.byteLength;
            this.#frames.push(frame);
            return true;
        }
        let pending: Promise<void> | undefined;
        try {
            pending = this.#handle(frame);
        } catch (error) {
            this.#fail(error);
            return true;
        }
        if (pending !== undefined) void this.#process(pending);
        return true;
    }

    /** Drops the waiting frames; the frame being handled finishes. */
    public close(): void {
        this.#closed = true;
        this.#frames.length = 0;
        this.#bytes = 0;
    }

    /** Resolves once the frame being handled (if any) is done, however it ends. */
    public async idle(): Promise<void> {
        await this.#current?.catch(() => undefined);
    }

    /** Waits for the frame being handled, then handles the frames that queued behind it. */
    async #process(first: Promise<void>): Promise<void> {
        this.#processing = true;
        this.#current = first;
        try {
            await first;
            for (let frame = this.#frames.shift(); frame !== undefined; frame = this.#frames.shift()) {
                this.#bytes -= frame.byteLength;
                if (this.#closed) return;
                const pending = this.#handle(frame);
                if (pending === undefined) continue;
                this.#current = pending;
                await pending;
            }
        } catch (error) {
            this.#fail(error);
        } finally {
            this.#processing = false;
            this.#current = undefined;
        }
    }

    /** The first error stops the inbox: it is reported once and nothing after it is handled. */
    #fail(error: unknown): void {
        if (this.#closed) return;
        this.close();
        this.#onError(error);
    }
}
