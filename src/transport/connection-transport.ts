/**
 * What a session needs of its WebSocket. The uWS adapter
 * (src/transport/uws-server.ts) implements it; tests may use another.
 */
export interface ConnectionTransport {
    /** Sends one binary message. Resolves false when the socket is already closed. */
    send(frame: Uint8Array): boolean;
    /** Bytes queued in the socket, waiting for the peer to read them. */
    bufferedAmount(): number;
    /** Sends a close frame with this code and ends the connection. Idempotent. */
    close(code: number, reason: string): void;
    /** Remote address as text, for logs and limits. */
    readonly remoteAddress: string;
}
