/**
 * The admin HTTP server (node:http, its own host and port), docs/admin-api.md:
 *
 * - `/livez`, `/readyz` and `/metrics` need no token: liveness, readiness
 *   (storage answers in time and the node is not draining) and Prometheus
 *   metrics.
 * - `/v1/...` is the admin API (routes.ts): JSON, bearer token compared in
 *   constant time, off (403) when no token is configured.
 *
 * Every response echoes `x-request-id` (the client's when acceptable,
 * otherwise a fresh one). Errors are JSON `{ error: { code, message }, requestId }`
 * with a 4xx for what the client can fix.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StorageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { AdminPorts } from './ports.js';
import { errorBody, hasBearerToken, HttpError, requestIdOf, sendJson, sendText } from './http.js';
import { methodOf, notAllowed, route } from './routes.js';

/** Readiness waits this long for each storage service by default. */
export const READINESS_TIMEOUT_MS_DEFAULT = 1_000;

const HEALTH_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/metrics']);

/** What /metrics serves: Prometheus text and its content type. */
export interface MetricsSource {
    metrics(): Promise<string>;
    readonly contentType: string;
}

export interface AdminServerOptions {
    readonly host: string;
    /** 0 picks a free port. */
    readonly port: number;
    /** Bearer token of `/v1/...`; undefined turns the admin API off (403), health and metrics stay. */
    readonly token: string | undefined;
    readonly ctx: AdminPorts;
    /** Readiness fails while the node drains. */
    readonly readiness: { isDraining(): boolean };
    /** Served on /metrics (a prom-client registry, or the sum over worker processes); without it /metrics answers 404. */
    readonly registry?: MetricsSource;
    /** How long /readyz waits for each storage service (default {@link READINESS_TIMEOUT_MS_DEFAULT}). */
    readonly readinessTimeoutMs?: number;
    /** Default: the context's logger. */
    readonly logger?: Logger;
}

export interface AdminServer {
    /** The port actually listened on. */
    readonly port: number;
    /** Stops listening and ends open connections. */
    close(): Promise<void>;
}

/** What one request ended with, for the access log. */
interface Outcome {
    status: number;
    route: string;
    fields: Readonly<Record<string, unknown>>;
}

function toHttpError(error: unknown): HttpError {
    if (error instanceof HttpError) return error;
    if (error instanceof StorageError) {
        return new HttpError(503, 'storage-unavailable', 'storage did not answer; try again', {
            retryable: error.retryable,
        });
    }
    return new HttpError(500, 'internal-error', 'the request failed unexpectedly');
}

class AdminRequests {
    readonly #readinessTimeoutMs: number;

    readonly #options: AdminServerOptions;
    readonly #logger: Logger;

    public constructor(options: AdminServerOptions, logger: Logger) {
        this.#options = options;
        this.#logger = logger;
        this.#readinessTimeoutMs = options.readinessTimeoutMs ?? READINESS_TIMEOUT_MS_DEFAULT;
    }

    /** Answers one request; never rejects (a failure becomes an error answer). */
    public async handle(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
        const started = performance.now();
        const outcome: Outcome = { status: 500, route: 'unknown', fields: {} };
        try {
            const url = new URL(request.url ?? '/', 'http://admin.invalid');
            if (HEALTH_PATHS.has(url.pathname)) await this.#health(request, response, url.pathname, requestId, outcome);
            else await this.#admin(request, response, url, requestId, outcome);
        } catch (error) {
            const httpError = toHttpError(error);
            outcome.status = httpError.status;
            if (httpError.status >= 500) {
                this.#logger.warn('admin request failed', { requestId, route: outcome.route, error });
            }
            if (response.headersSent) {
                response.destroy();
            } else {
                sendJson(response, httpError.status, errorBody(httpError, requestId), {
                    'x-request-id': requestId,
                    ...httpError.headers,
                });
            }
        } finally {
            const record = {
                requestId,
                method: request.method,
                route: outcome.route,
                status: outcome.status,
                ms: Math.round(performance.now() - started),
                ...outcome.fields,
            };
            if (outcome.route.startsWith('/v1')) this.#logger.info('admin request', record);
            else this.#logger.debug('admin request', record);
        }
    }

    async #health(
        request: IncomingMessage,
        response: ServerResponse,
        path: string,
        requestId: string,
        outcome: Outcome,
    ): Promise<void> {
        outcome.route = path;
        const method = methodOf(request);
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(['GET']);
        const headers = { 'x-request-id': requestId };
        const { ctx, readiness, registry } = this.#options;
        if (path === '/livez') {
            outcome.status = 200;
            sendJson(response, 200, { status: 'ok' }, headers);
        } else if (path === '/readyz') {
            const draining = readiness.isDraining();
            const backend = await ctx.backend.health(this.#readinessTimeoutMs);
            const ready = !draining && backend.ok;
            outcome.status = ready ? 200 : 503;
            const status = draining ? 'draining' : ready ? 'ready' : 'not-ready';
            const body = { status, node: ctx.nodeId, backend: ctx.backend.kind, draining, checks: backend.checks };
            sendJson(response, outcome.status, body, headers);
        } else if (registry !== undefined) {
            const text = await registry.metrics();
            outcome.status = 200;
            response.setHeader('x-request-id', requestId);
            sendText(response, 200, registry.contentType, text);
        } else {
            throw new HttpError(404, 'not-found', 'metrics are not enabled on this node');
        }
    }

    async #admin(
        request: IncomingMessage,
        response: ServerResponse,
        url: URL,
        requestId: string,
        outcome: Outcome,
    ): Promise<void> {
        const match = route(this.#options.ctx, url);
        if (match === undefined)
            throw new HttpError(404, 'not-found', `no such resource: ${url.pathname.slice(0, 100)}`);
        outcome.route = match.name;
        outcome.fields = match.logFields;
        const method = methodOf(request);
        const allowed =
            method !== undefined &&
            (match.methods.includes(method) || (method === 'HEAD' && match.methods.includes('GET')));
        if (!allowed) throw notAllowed(match.methods);
        const { token } = this.#options;
        if (token === undefined) {
            throw new HttpError(403, 'admin-api-disabled', 'the admin API is off: this node has no admin token');
        }
        if (!hasBearerToken(request, token)) {
            throw new HttpError(401, 'unauthorized', 'send Authorization: Bearer <admin token>', undefined, {
                'www-authenticate': 'Bearer realm="d2m-mediator admin"',
            });
        }
        const result = await match.handle(request, method === 'HEAD' ? 'GET' : method);
        outcome.status = result.status;
        sendJson(response, result.status, result.body, { 'x-request-id': requestId });
    }
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
    const logger = (options.logger ?? options.ctx.logger).child({ component: 'admin' });
    const requests = new AdminRequests(options, logger);
    const server = createServer((request, response) => {
        const requestId = requestIdOf(request);
        requests.handle(request, response, requestId).catch((error: unknown) => {
            logger.error('admin request handling failed', { requestId, error });
            response.destroy();
        });
    });
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;

    await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
            const problem =
                error.code === 'EADDRINUSE'
                    ? 'the port is in use (another mediator or program listens on it)'
                    : error.message;
            reject(new Error(`cannot listen on ${options.host}:${options.port} (admin HTTP port): ${problem}`));
        };
        server.once('error', onError);
        server.listen(options.port, options.host, () => {
            server.off('error', onError);
            resolve();
        });
    });
    const port = (server.address() as AddressInfo).port;
    logger.info('admin server listening', {
        host: options.host,
        port,
        adminApi: options.token === undefined ? 'off (no token)' : 'on',
    });

    let closing: Promise<void> | undefined;
    return {
        port,
        close: () => {
            closing ??= new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
            return closing;
        },
    };
}
