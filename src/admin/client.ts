/**
 * A small client of the admin API (docs/admin-api.md) on the built-in
 * fetch, used by the `mediator admin` commands. Answers are returned as
 * the API's JSON; a non-2xx answer rejects with {@link AdminApiError}.
 */
import { randomUUID } from 'node:crypto';

/** How long one request may take before it is abandoned. */
export const ADMIN_REQUEST_TIMEOUT_MS = 30_000;

export class AdminApiError extends Error {
    public constructor(
        message: string,
        /** HTTP status; 0 when the API could not be reached. */
        public readonly status: number,
        /** The API's error code (`invalid-group-id`, ...), or `unreachable`. */
        public readonly code: string,
        public readonly requestId: string,
        /** The error object the API answered with, if any. */
        public readonly details?: Readonly<Record<string, unknown>>,
    ) {
        super(message);
        this.name = 'AdminApiError';
    }
}

export interface AdminClientOptions {
    /** Base URL of the admin port, such as `http://127.0.0.1:9090`. */
    readonly url: string;
    readonly token: string | undefined;
    /** Sent as `x-request-id`; a fresh one per request when not given. */
    readonly requestId?: string;
    readonly timeoutMs?: number;
}

export type PolicyChange = Readonly<Record<string, number | null>>;

export type Json = Readonly<Record<string, unknown>>;

export class AdminClient {
    readonly #base: URL;

    readonly #options: AdminClientOptions;

    public constructor(options: AdminClientOptions) {
        this.#options = options;
        this.#base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    }

    public listGroups(query: { readonly limit?: number; readonly after?: string } = {}): Promise<Json> {
        const params = new URLSearchParams();
        if (query.limit !== undefined) params.set('limit', String(query.limit));
        if (query.after !== undefined) params.set('after', query.after);
        const search = params.toString() === '' ? '' : `?${params.toString()}`;
        return this.#request('GET', `v1/groups${search}`);
    }

    public showGroup(groupId: string): Promise<Json> {
        return this.#request('GET', `v1/groups/${encodeURIComponent(groupId)}`);
    }

    public getPolicy(groupId: string): Promise<Json> {
        return this.#request('GET', `v1/groups/${encodeURIComponent(groupId)}/policy`);
    }

    /** `replace`: the change is the whole override (PUT); otherwise it is merged (PATCH, null removes a field). */
    public setPolicy(groupId: string, change: PolicyChange, replace: boolean): Promise<Json> {
        return this.#request(replace ? 'PUT' : 'PATCH', `v1/groups/${encodeURIComponent(groupId)}/policy`, change);
    }

    public resetPolicy(groupId: string): Promise<Json> {
        return this.#request('DELETE', `v1/groups/${encodeURIComponent(groupId)}/policy`);
    }

    public dropSlot(groupId: string, deviceId: string): Promise<Json> {
        return this.#request(
            'DELETE',
            `v1/groups/${encodeURIComponent(groupId)}/slots/${encodeURIComponent(deviceId)}`,
        );
    }

    public deleteGroup(groupId: string): Promise<Json> {
        return this.#request('DELETE', `v1/groups/${encodeURIComponent(groupId)}`);
    }

    async #request(method: string, path: string, body?: unknown): Promise<Json> {
        const url = new URL(path, this.#base);
        const requestId = this.#options.requestId ?? randomUUID();
        const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': requestId };
        if (this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
        if (body !== undefined) headers['content-type'] = 'application/json';
        let response: Response;
        try {
            response = await fetch(url, {
                method,
                headers,
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(this.#options.timeoutMs ?? ADMIN_REQUEST_TIMEOUT_MS),
            });
        } catch (error) {
            const reason =
                error instanceof Error
                    ? error.cause instanceof Error
                        ? error.cause.message
                        : error.message
                    : String(error);
            throw new AdminApiError(
                `cannot reach the admin API at ${this.#base.origin}: ${reason}`,
                0,
                'unreachable',
                requestId,
            );
        }
        const answeredId = response.headers.get('x-request-id') ?? requestId;
        const text = await response.text();
        let json: unknown;
        try {
            json = text === '' ? {} : JSON.parse(text);
        } catch {
            json = undefined;
        }
        if (typeof json !== 'object' || json === null) {
            throw new AdminApiError(
                `the admin API answered ${response.status} without JSON`,
                response.status,
                'invalid-response',
                answeredId,
            );
        }
        if (!response.ok) {
            const error = (json as { error?: Record<string, unknown> }).error ?? {};
            const code = typeof error.code === 'string' ? error.code : 'error';
            const message = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
            throw new AdminApiError(message, response.status, code, answeredId, error);
        }
        return json as Json;
    }
}
