/**
 * Cuts the chat server's byte stream into CSP messages, one per Proxy frame
 * (reference §7.4): first the 80-byte server-hello, then the 32-byte
 * login-ack, then frames of `2 + u16le(length)` bytes (the length prefix is
 * part of the message). TCP may split or glue these anywhere; the cutter
 * yields the same messages for every segmentation of the same stream.
 *
 * Memory: at most one unfinished message is held (`pendingBytes`), so no
 * more than `maxMessageBytes`. A message that lies whole inside one chunk is
 * handed out as a view of that chunk, without copying: the receiver must
 * use or copy it during the callback.
 */

export const CSP_SERVER_HELLO_BYTE_LENGTH = 80;
export const CSP_LOGIN_ACK_BYTE_LENGTH = 32;
export const CSP_FRAME_LENGTH_PREFIX_BYTE_LENGTH = 2;

/** A frame whose length does not fit the limit; no message is produced after it. */
export class CspMessageTooLongError extends Error {
    public constructor(
        public readonly messageByteLength: number,
        public readonly maxMessageBytes: number,
    ) {
        super(`a CSP frame of ${messageByteLength} bytes exceeds the limit of ${maxMessageBytes} bytes`);
        this.name = 'CspMessageTooLongError';
    }
}

type Phase = 'server-hello' | 'login-ack' | 'frames';

const PREFIX = CSP_FRAME_LENGTH_PREFIX_BYTE_LENGTH;

export class CspStreamCutter {
    #phase: Phase = 'server-hello';
    /** The message being gathered, sized once its length is known. */
    #message: Uint8Array | undefined;
    #filled = 0;
    /** The length prefix of the next frame while it is incomplete. */
    readonly #prefix = new Uint8Array(CSP_FRAME_LENGTH_PREFIX_BYTE_LENGTH);
    #prefixFilled = 0;
    #failed = false;

    /** `maxMessageBytes`: the longest message passed on (a Proxy payload holds at most 65532 bytes). */
    readonly #maxMessageBytes: number;

    public constructor(maxMessageBytes: number) {
        this.#maxMessageBytes = maxMessageBytes;
        if (maxMessageBytes < CSP_SERVER_HELLO_BYTE_LENGTH) {
            throw new RangeError(`maxMessageBytes must be at least ${CSP_SERVER_HELLO_BYTE_LENGTH}`);
        }
    }

    /** Bytes received that do not form a complete message yet. */
    public get pendingBytes(): number {
        return this.#message !== undefined ? this.#filled : this.#prefixFilled;
    }

    /** Whether the stream ended cleanly here: between two messages. */
    public get atMessageBoundary(): boolean {
        return this.pendingBytes === 0;
    }

    /**
     * Feeds the next chunk of the stream and calls `emit` for every message
     * it completes, in order. Throws {@link CspMessageTooLongError} on a frame
     * over the limit, after emitting the messages before it; every later call
     * throws too. The chunk is not kept beyond this call unless it is emitted.
     */
    public push(chunk: Uint8Array, emit: (message: Uint8Array) => void): void {
        if (this.#failed) throw new Error('the CSP stream was already rejected');
        let offset = 0;
        while (offset < chunk.byteLength) {
            if (this.#message === undefined) {
                let length: number;
                if (this.#phase === 'server-hello') {
                    length = CSP_SERVER_HELLO_BYTE_LENGTH;
                } else if (this.#phase === 'login-ack') {
                    length = CSP_LOGIN_ACK_BYTE_LENGTH;
                } else if (this.#prefixFilled === 0 && chunk.byteLength - offset >= PREFIX) {
                    length = PREFIX + (chunk[offset]! | (chunk[offset + 1]! << 8));
                } else {
                    // The length prefix straddles chunks: keep its bytes until it is complete.
                    while (this.#prefixFilled < PREFIX && offset < chunk.byteLength) {
                        this.#prefix[this.#prefixFilled++] = chunk[offset++]!;
                    }
                    if (this.#prefixFilled < PREFIX) return;
                    length = PREFIX + (this.#prefix[0]! | (this.#prefix[1]! << 8));
                }
                if (length > this.#maxMessageBytes) {
                    this.#failed = true;
                    throw new CspMessageTooLongError(length, this.#maxMessageBytes);
                }
                if (this.#prefixFilled === 0 && chunk.byteLength - offset >= length) {
                    // The whole message lies inside this chunk: hand out a view.
                    emit(chunk.subarray(offset, offset + length));
                    offset += length;
                    this.#advancePhase();
                    continue;
                }
                this.#message = new Uint8Array(length);
                this.#filled = this.#prefixFilled;
                this.#message.set(this.#prefix.subarray(0, this.#prefixFilled));
                this.#prefixFilled = 0;
            }
            const message = this.#message;
            const take = Math.min(message.byteLength - this.#filled, chunk.byteLength - offset);
            message.set(chunk.subarray(offset, offset + take), this.#filled);
            this.#filled += take;
            offset += take;
            if (this.#filled === message.byteLength) {
                this.#message = undefined;
                this.#filled = 0;
                emit(message);
                this.#advancePhase();
            }
        }
    }

    #advancePhase(): void {
        if (this.#phase === 'server-hello') this.#phase = 'login-ack';
        else if (this.#phase === 'login-ack') this.#phase = 'frames';
    }
}
