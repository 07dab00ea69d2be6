/**
 * The WebSocket edge, on uWebSockets.js. It copies what it needs out of the
 * upgrade request synchronously, keeps a typed per-socket record, copies each
 * message out of uWS's buffer (which is only valid during the callback) and
 * hands everything to a connection handler. It knows nothing of D2M beyond
 * parsing the ClientUrlInfo from the path. An optional admission check runs
 * in the upgrade handler, before the WebSocket is accepted: a refused upgrade
 * is answered at once with its HTTP status and a `Retry-After` header (the
 * answer is written synchronously inside the handler, so no abort handler is
 * needed). A socket whose device stops reading is closed by uWS once it
 * holds `sendBufferMaxBytes` unsent. With certificate and key files it
 * terminates TLS itself (`wss://`); the files are checked when the
 * configuration is validated, since uWS reports a bad file only on stderr.
 * The port is listened on exclusively (no SO_REUSEPORT): a second node on a
 * taken port fails to start instead of sharing it. Two closes start here
 * and are carried out by the connection's handler, so that clients get a
 * close code rather than a dropped TCP connection: a message over the
 * protocol's frame maximum (4010) and a peer silent past the idle timeout
 * (4013, after a ping at half of it).
 */
import uWS from 'uWebSockets.js';
import {
    CloseCode,
    D2mProtocolError,
    FRAME_MAX_BYTE_LENGTH,
    parseClientUrlPath,
    type ParsedClientUrlInfo,
} from '../../d2m/index.js';
import type { Logger } from '../log/logger.js';
import { framePool } from './byte-pool.js';
import type { ConnectionTransport } from './connection-transport.js';

/** What the server needs of a connection's session. */
export interface ConnectionHandler {
    /**
     * One inbound message, copied out of uWS's buffer into the frame pool
     * (byte-pool.ts): the handler may keep it, but should copy out bytes it
     * keeps for long, since a view keeps its whole slab.
     */
    onFrame(frame: Uint8Array): void;
    onDrain(): void;
    onClosed(): void;
    /**
     * The transport found a reason to end the connection (a frame over the
     * protocol's maximum: 4010; silence past the idle timeout: 4013). The
     * handler closes it with `code` (and counts and logs the close).
     */
    onTransportClose(code: CloseCode, reason: string): void;
    /**
     * Asked right before the frames queued in this event-loop turn are
     * written: false drops them (the handler closes the connection). A
     * frame queued before a stall of the process is written after it, so a
     * session whose right to talk may have lapsed meanwhile gets the last word.
     */
    mayWrite?(): boolean;
}

/** An upgrade the admission check turned down. */
export interface UpgradeRefusal {
    readonly status: 429 | 503;
    readonly retryAfterS: number;
}

const STATUS_LINES: Readonly<Record<UpgradeRefusal['status'], string>> = {
    429: '429 Too Many Requests',
    503: '503 Service Unavailable',
};

export interface WebSocketServerOptions {
    readonly host: string;
    readonly port: number;
    /**
     * A connection that sends nothing (no message, no pong) for this long is
     * closed with 4013; it is pinged after half of it. 0: never.
     */
    readonly idleTimeoutS: number;
    /** Bytes a socket may hold unsent before uWS closes it (its `maxBackpressure`). */
    readonly sendBufferMaxBytes: number;
    /**
     * Decides, before the upgrade is accepted, whether a connection from
     * `remoteAddress` to the path's ClientUrlInfo (undefined when the path is
     * invalid) may open; a refusal is answered with its status. Default: all may.
     */
    readonly admit?: (remoteAddress: string, urlInfo: ParsedClientUrlInfo | undefined) => UpgradeRefusal | undefined;
    /** PEM files; when given, the endpoint serves `wss://` (TLS terminated here). */
    readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
    /**
     * Share the port with the other worker processes of one node (SO_REUSEPORT;
     * `mediator serve --workers`). Default false: the port is listened on
     * exclusively, so a second node on a taken port fails to start.
     */
    readonly sharePort?: boolean;
    readonly logger: Logger;
    /** Called for every accepted connection whose path carries a valid ClientUrlInfo. */
    readonly onConnection: (transport: ConnectionTransport, urlInfo: ParsedClientUrlInfo) => ConnectionHandler;
}

export interface WebSocketServer {
    /** The port actually listened on (useful with port 0). */
    readonly port: number;
    /** Whether connections are TLS (`wss://`). */
    readonly tls: boolean;
    /** Connections currently open. */
    readonly connections: number;
    /** Stops accepting new connections. */
    stopListening(): void;
    /** Closes every open connection with `code`. */
    closeAll(code: number, reason: string): void;
    /** Stops the idle check (once the connections are closed). */
    stopIdleCheck(): void;
}

interface SocketData {
    readonly urlInfo: ParsedClientUrlInfo | undefined;
    readonly urlError: string | undefined;
    readonly remoteAddress: string;
    handler: ConnectionHandler | undefined;
    closed: boolean;
    /** When the peer last sent anything (message, ping or pong), `performance.now()` ms. */
    lastInputMs: number;
    /** Whether the idle check pinged the peer since its last input. */
    pinged: boolean;
    /** Frames sent during this event-loop turn, written together (corked) at its end. */
    outbox: Uint8Array[] | undefined;
    outboxBytes: number;
}

/**
 * The longest message uWS accepts. Frames from the protocol's maximum up to
 * this are received and answered with 4010; uWS buffers a message whole
 * before handing it over, so this bounds the memory one connection can make
 * it hold. A message over this is cut by uWS itself, without a close frame.
 */
export const RECEIVE_MAX_BYTE_LENGTH = 2 * FRAME_MAX_BYTE_LENGTH;

/**
 * uWS's own idle timeout, a backstop behind the idle check here (which
 * closes with 4013 first). It also bounds how long a socket that was ended
 * waits for the peer's close frame.
 */
const UWS_IDLE_TIMEOUT_MARGIN_S = 16;
const UWS_IDLE_TIMEOUT_MAX_S = 960;

/** How often the idle check runs: an eighth of the timeout, within 1 to 4 s. */
function idleCheckIntervalMs(idleTimeoutS: number): number {
    return Math.min(4000, Math.max(1000, (idleTimeoutS * 1000) / 8));
}

const SEND_DROPPED = 2;

/**
 * uSockets' listen option that leaves out SO_REUSEPORT. Without it a second
 * node started on a port another node already serves would listen too, and
 * the kernel would split new connections between the two. (The typings
 * declare it as a non-const enum that the binary does not export.)
 */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
/** uSockets' default listen option: SO_REUSEPORT, for the workers of one node. */
const LIBUS_LISTEN_DEFAULT = 0;

/**
 * `app.listen(host, port, options, cb)`: the binaries accept host, port and
 * options together; the typings only declare the form without a host.
 */
interface ListenWithHostAndOptions {
    listen(
        host: string,
        port: number,
        options: number,
        callback: (socket: uWS.us_listen_socket | false) => void,
    ): uWS.TemplatedApp;
}

function parsePath(url: string): { urlInfo?: ParsedClientUrlInfo; urlError?: string } {
    try {
        return { urlInfo: parseClientUrlPath(url) };
    } catch (error) {
        return { urlError: error instanceof D2mProtocolError ? error.message : 'invalid path' };
    }
}

export async function startWebSocketServer(options: WebSocketServerOptions): Promise<WebSocketServer> {
    const sockets = new Set<uWS.WebSocket<SocketData>>();
    /** Sockets with frames in their outbox, written at the end of this event-loop turn. */
    const pendingWrites = new Set<uWS.WebSocket<SocketData>>();
    let writesScheduled = false;
    const writeAll = (): void => {
        writesScheduled = false;
        for (const ws of pendingWrites) {
            writeOutbox(ws);
            // Whoever waited for room (it counted the outbox) looks again now that uWS has the frames.
            const data = ws.getUserData();
            if (!data.closed) data.handler?.onDrain();
        }
    };
    const scheduleWrites = (): void => {
        if (writesScheduled) return;
        writesScheduled = true;
        setImmediate(writeAll);
    };
    const app =
        options.tls === undefined
            ? uWS.App()
            : uWS.SSLApp({ cert_file_name: options.tls.certFile, key_file_name: options.tls.keyFile });

    const idleTimeoutMs = options.idleTimeoutS * 1000;
    const noteInput = (ws: uWS.WebSocket<SocketData>): void => {
        const data = ws.getUserData();
        data.lastInputMs = performance.now();
        data.pinged = false;
    };

    app.ws<SocketData>('/*', {
        compression: uWS.DISABLED,
        maxPayloadLength: RECEIVE_MAX_BYTE_LENGTH,
        maxBackpressure: options.sendBufferMaxBytes,
        closeOnBackpressureLimit: 1,
        idleTimeout:
            options.idleTimeoutS === 0
                ? 0
                : Math.min(UWS_IDLE_TIMEOUT_MAX_S, options.idleTimeoutS + UWS_IDLE_TIMEOUT_MARGIN_S),
        sendPingsAutomatically: false,
        upgrade: (res, req, context) => {
            const { urlInfo, urlError } = parsePath(req.getUrl());
            const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
            const refusal = options.admit?.(remoteAddress, urlInfo);
            if (refusal !== undefined) {
                res.writeStatus(STATUS_LINES[refusal.status])
                    .writeHeader('Retry-After', String(refusal.retryAfterS))
                    .writeHeader('Content-Type', 'text/plain')
                    .end(`${STATUS_LINES[refusal.status]}\n`, true);
                return;
            }
            const data: SocketData = {
                urlInfo,
                urlError,
                remoteAddress,
                handler: undefined,
                closed: false,
                lastInputMs: performance.now(),
                pinged: false,
                outbox: undefined,
                outboxBytes: 0,
            };
            res.upgrade(
                data,
                req.getHeader('sec-websocket-key'),
                req.getHeader('sec-websocket-protocol'),
                req.getHeader('sec-websocket-extensions'),
                context,
            );
        },
        open: (ws) => {
            const data = ws.getUserData();
            sockets.add(ws);
            if (data.urlInfo === undefined) {
                options.logger.debug('rejected connection: invalid URL path', { reason: data.urlError });
                data.closed = true;
                ws.end(CloseCode.PROTOCOL_ERROR, 'invalid ClientUrlInfo');
                return;
            }
            const transport: ConnectionTransport = {
                remoteAddress: data.remoteAddress,
                send: (frame) => {
                    if (data.closed) return false;
                    if (data.outbox === undefined) {
                        data.outbox = [];
                        pendingWrites.add(ws);
                        scheduleWrites();
                    }
                    data.outbox.push(frame);
                    data.outboxBytes += frame.byteLength;
                    return true;
                },
                bufferedAmount: () => (data.closed ? 0 : ws.getBufferedAmount() + data.outboxBytes),
                close: (code, reason) => {
                    if (data.closed) return;
                    // What was sent before the close goes out before the close frame.
                    writeOutbox(ws);
                    data.closed = true;
                    ws.end(code, reason);
                },
            };
            data.handler = options.onConnection(transport, data.urlInfo);
            // What the handler sent at once (the ServerHello) goes out now: uWS is still corked from
            // the upgrade here, so it leaves in the same write as the 101 response.
            if (data.outbox !== undefined) writeOutbox(ws);
        },
        message: (ws, message, isBinary) => {
            const data = ws.getUserData();
            if (data.closed) return;
            noteInput(ws);
            if (!isBinary) {
                writeOutbox(ws);
                data.closed = true;
                ws.end(CloseCode.PROTOCOL_ERROR, 'text messages are not allowed');
                return;
            }
            if (message.byteLength > FRAME_MAX_BYTE_LENGTH) {
                closeFromTransport(ws, CloseCode.PROTOCOL_ERROR, `frame longer than ${FRAME_MAX_BYTE_LENGTH} bytes`);
                return;
            }
            // uWS reuses `message` after the callback: copy it (into the frame pool, see byte-pool.ts).
            data.handler?.onFrame(framePool.copy(new Uint8Array(message)));
        },
        ping: noteInput,
        pong: noteInput,
        drain: (ws) => {
            ws.getUserData().handler?.onDrain();
        },
        close: (ws) => {
            const data = ws.getUserData();
            sockets.delete(ws);
            pendingWrites.delete(ws);
            data.outbox = undefined;
            data.outboxBytes = 0;
            data.closed = true;
            data.handler?.onClosed();
        },
    });

    /**
     * Writes a socket's outbox in one corked batch: every frame a session
     * sent during an event-loop turn leaves in one write instead of one
     * system call each. A frame uWS drops (the socket over its send buffer
     * limit) ends the batch: uWS closes that socket, and its close handler
     * tells the session.
     */
    function writeOutbox(ws: uWS.WebSocket<SocketData>): void {
        const data = ws.getUserData();
        const frames = data.outbox;
        pendingWrites.delete(ws);
        data.outbox = undefined;
        data.outboxBytes = 0;
        if (frames === undefined || data.closed) return;
        if (data.handler?.mayWrite?.() === false) return;
        ws.cork(() => {
            for (const frame of frames) {
                if (ws.send(frame, true, false) === SEND_DROPPED) return;
            }
        });
    }

    function closeFromTransport(ws: uWS.WebSocket<SocketData>, code: CloseCode, reason: string): void {
        const data = ws.getUserData();
        if (data.closed) return;
        if (data.handler !== undefined) {
            data.handler.onTransportClose(code, reason);
        } else {
            writeOutbox(ws);
            data.closed = true;
            ws.end(code, reason);
        }
    }

    /**
     * Pings a connection silent for half the idle timeout and closes one
     * silent for all of it with 4013 (uWS's own timeout would only drop the
     * TCP connection, which a client sees as 1006).
     */
    const checkIdle = (): void => {
        const now = performance.now();
        for (const ws of sockets) {
            const data = ws.getUserData();
            if (data.closed) continue;
            const silentMs = now - data.lastInputMs;
            if (silentMs >= idleTimeoutMs) {
                closeFromTransport(ws, CloseCode.CLIENT_IDLE_TIMEOUT, 'idle timeout');
            } else if (silentMs >= idleTimeoutMs / 2 && !data.pinged) {
                data.pinged = true;
                ws.ping();
            }
        }
    };
    app.any('/*', (res) => {
        res.writeStatus('426 Upgrade Required').writeHeader('Connection', 'close').end('WebSocket only\n');
    });

    const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
        (app as unknown as ListenWithHostAndOptions).listen(
            options.host,
            options.port,
            options.sharePort === true ? LIBUS_LISTEN_DEFAULT : LIBUS_LISTEN_EXCLUSIVE_PORT,
            (socket) => {
                if (socket === false) {
                    reject(
                        new Error(
                            `cannot listen on ${options.host}:${options.port}: the port is in use ` +
                                '(another mediator or program listens on it) or the address is not available',
                        ),
                    );
                } else resolve(socket);
            },
        );
    });
    const port = uWS.us_socket_local_port(listenSocket);
    let listening = true;
    const idleTimer =
        options.idleTimeoutS === 0 ? undefined : setInterval(checkIdle, idleCheckIntervalMs(options.idleTimeoutS));
    idleTimer?.unref();

    return {
        port,
        tls: options.tls !== undefined,
        get connections() {
            return sockets.size;
        },
        stopListening: () => {
            if (!listening) return;
            listening = false;
            uWS.us_listen_socket_close(listenSocket);
        },
        stopIdleCheck: () => clearInterval(idleTimer),
        closeAll: (code, reason) => {
            for (const ws of [...sockets]) {
                const data = ws.getUserData();
                if (data.closed) continue;
                writeOutbox(ws);
                data.closed = true;
                ws.end(code, reason);
            }
        },
    };
}
