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
import type { ConnectionTransport } from './connection-transport.js';

/** What the server needs of a connection's session. */
export interface ConnectionHandler {
    onFrame(frame: Uint8Array): void;
    onDrain(): void;
    onClosed(): void;
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
}

interface SocketData {
    readonly urlInfo: ParsedClientUrlInfo | undefined;
    readonly urlError: string | undefined;
    readonly remoteAddress: string;
    handler: ConnectionHandler | undefined;
    closed: boolean;
}

const SEND_DROPPED = 2;

function parsePath(url: string): { urlInfo?: ParsedClientUrlInfo; urlError?: string } {
    try {
        return { urlInfo: parseClientUrlPath(url) };
    } catch (error) {
        return { urlError: error instanceof D2mProtocolError ? error.message : 'invalid path' };
    }
}

export async function startWebSocketServer(options: WebSocketServerOptions): Promise<WebSocketServer> {
    const sockets = new Set<uWS.WebSocket<SocketData>>();
    const app =
        options.tls === undefined
            ? uWS.App()
            : uWS.SSLApp({ cert_file_name: options.tls.certFile, key_file_name: options.tls.keyFile });

    app.ws<SocketData>('/*', {
        compression: uWS.DISABLED,
        maxPayloadLength: FRAME_MAX_BYTE_LENGTH,
        maxBackpressure: options.sendBufferMaxBytes,
        closeOnBackpressureLimit: 1,
        idleTimeout: options.idleTimeoutS,
        sendPingsAutomatically: true,
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
                send: (frame) => !data.closed && ws.send(frame, true, false) !== SEND_DROPPED,
                bufferedAmount: () => (data.closed ? 0 : ws.getBufferedAmount()),
                close: (code, reason) => {
                    if (data.closed) return;
                    data.closed = true;
                    ws.end(code, reason);
                },
            };
            data.handler = options.onConnection(transport, data.urlInfo);
        },
        message: (ws, message, isBinary) => {
            const data = ws.getUserData();
            if (data.closed) return;
            if (!isBinary) {
                data.closed = true;
                ws.end(CloseCode.PROTOCOL_ERROR, 'text messages are not allowed');
                return;
            }
            data.handler?.onFrame(new Uint8Array(message.slice(0)));
        },
        drain: (ws) => {
            ws.getUserData().handler?.onDrain();
        },
        close: (ws) => {
            const data = ws.getUserData();
            sockets.delete(ws);
            data.closed = true;
            data.handler?.onClosed();
        },
    });

    app.any('/*', (res) => {
        res.writeStatus('426 Upgrade Required').writeHeader('Connection', 'close').end('WebSocket only\n');
    });

    const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
        app.listen(options.host, options.port, (socket) => {
            if (socket === false) reject(new Error(`cannot listen on ${options.host}:${options.port}`));
            else resolve(socket);
        });
    });
    const port = uWS.us_socket_local_port(listenSocket);
    let listening = true;

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
        closeAll: (code, reason) => {
            for (const ws of [...sockets]) {
                const data = ws.getUserData();
                if (data.closed) continue;
                data.closed = true;
                ws.end(code, reason);
            }
        },
    };
}
