/**
 * HTTP plumbing of the admin API on node:http: JSON responses, request
 * bodies with a size limit, request ids, bearer-token checks in constant
 * time, and `HttpError`, the one way a handler answers with a 4xx or 5xx.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request bodies larger than this are refused with 413. */
export const BODY_MAX_BYTES = 64 * 1024;

/** A request id we accept from the client: short and safe to echo in headers and logs. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/u;

/** An answer other than 2xx, with a stable machine-readable `code` (docs/admin-api.md lists them). */
export class HttpError extends Error {
    public constructor(
        public readonly status: number,
        public readonly code: string,
        message: string,
        /** Extra fields of the error object (for example every invalid field). */
        public readonly details?: Readonly<Record<string, unknown>>,
        /** Extra response headers (Allow, WWW-Authenticate). */
        public readonly headers?: Readonly<Record<string, string>>,
    ) {
        super(message);
        this.name = 'HttpError';
    }
}

/** The client's `x-request-id` when it is acceptable, otherwise a fresh one. */
export function requestIdOf(request: IncomingMessage): string {
    const given = request.headers['x-request-id'];
    const value = Array.isArray(given) ? given[0] : given;
    return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

function digest(value: string): Buffer {
    return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides
 * are hashed first, so the comparison takes the same time whatever the
 * length or content of the presented token.
 */
export function hasBearerToken(request: IncomingMessage, token: string): boolean {
    const header = request.headers.authorization;
    if (header === undefined) return false;
    const match = /^Bearer[ ]+(\S+)\s*$/iu.exec(header);
    const presented = match?.[1] ?? '';
    const equal = timingSafeEqual(digest(presented), digest(token));
    return equal && match !== null;
}

/** Writes a JSON response (pretty-printed: operators read it with curl). */
export function sendJson(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Readonly<Record<string, string>> = {},
): void {
    const text = `${JSON.stringify(body, null, 2)}\n`;
    response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        ...headers,
    });
    response.end(text);
}

export function sendText(response: ServerResponse, status: number, contentType: string, text: string): void {
    response.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
    });
    response.end(text);
}

/** The error body every non-2xx answer has. */
export function errorBody(error: HttpError, requestId: string): unknown {
    return { error: { code: error.code, message: error.message, ...error.details }, requestId };
}

/**
 * Reads a JSON request body: at most {@link BODY_MAX_BYTES}, content type
 * `application/json` (or none), and a JSON object.
 */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
    const type = request.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/iu.test(type)) {
        throw new HttpError(415, 'unsupported-media-type', 'send the body as application/json');
    }
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > BODY_MAX_BYTES) {
        throw new HttpError(413, 'body-too-large', `the body must be at most ${BODY_MAX_BYTES} bytes`);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
        length += chunk.byteLength;
        if (length > BODY_MAX_BYTES) {
            throw new HttpError(413, 'body-too-large', `the body must be at most ${BODY_MAX_BYTES} bytes`);
        }
        chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') throw new HttpError(400, 'invalid-body', 'the request needs a JSON object as its body');
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw new HttpError(400, 'invalid-json', 'the body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new HttpError(400, 'invalid-body', 'the body must be a JSON object');
    }
    return value as Record<string, unknown>;
}
