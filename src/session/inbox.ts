/**
 * The inbound side of one connection: frames wait here and are handled
 * strictly in arrival order, one at a time, also while the handling of an
 * earlier one still waits for verification or storage. The bytes waiting
 * are bounded; a frame beyond the bound is refused (the session closes the
 * connection). The first error a handler throws stops the processing and
 * is reported once.
 */
export class Inbox {
    readonly #frames: Uint8Array[] = [];
    readonly #maxBytes: number;
    readonly #handle: (frame: Uint8Array) => Promise<void>;
    readonly #onError: (error: unknown) => void;
    #bytes = 0;
    #processing = false;
    #closed = false;
    /** The handling of the current frame; `idle` waits for it. */
    #current: Promise<void> | undefined;

    public constructor(
        maxBytes: number,
        handle: (frame: Uint8Array) => Promise<void>,
        onError: (error: unknown) => void,
    ) {
        this.#maxBytes = maxBytes;
        this.#handle = handle;
        this.#onError = onError;
    }

    /** Bytes received and not handled yet. */
    public get bytes(): number {
        return this.#bytes;
    }

    /** Queues a frame; false when it would take the inbox beyond its bound (nothing is queued). */
    public push(frame: Uint8Array): boolean {
        if (this.#closed) return true;
        if (this.#bytes + frame.byteLength > this.#maxBytes) return false;
        this.#bytes += frame.byteLength;
        this.#frames.push(frame);
        if (!this.#processing) void this.#process();
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

    async #process(): Promise<void> {
        this.#processing = true;
        try {
            for (let frame = this.#frames.shift(); frame !== undefined; frame = this.#frames.shift()) {
                this.#bytes -= frame.byteLength;
                if (this.#closed) return;
                this.#current = this.#handle(frame);
                await this.#current;
            }
        } catch (error) {
            this.#onError(error);
        } finally {
            this.#processing = false;
            this.#current = undefined;
        }
    }
}
