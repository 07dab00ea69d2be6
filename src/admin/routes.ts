/**
 * The admin API's routes under /v1: which handler a path and method reach,
 * and the route template that names them in logs. Handlers validate their
 * ids and bodies (400) and answer JSON; authentication happens before them
 * (server.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { AdminPorts } from './ports.js';
import { shortGroupId, type GroupId } from '../storage/types.js';
import { deleteGroup, dropGroupSlot, listGroups, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, showGroup } from './groups.js';
import { HttpError, readJsonObject } from './http.js';
import { parseDeviceId, parseGroupId } from './ids.js';
import { parsePolicyBody, policyView } from './policy.js';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

export interface RouteMatch {
    /** The route's template, for logs. */
    readonly name: string;
    /** Methods the route answers (405 for others). */
    readonly methods: readonly Method[];
    /** Handles the request; resolves status and JSON body. */
    readonly handle: (request: IncomingMessage, method: Method) => Promise<{ status: number; body: unknown }>;
    /** Fields for the access log (shortened ids). */
    readonly logFields: Readonly<Record<string, unknown>>;
}

function ok(body: unknown): { status: number; body: unknown } {
    return { status: 200, body };
}

function parseListQuery(query: URLSearchParams): { limit: number; after: GroupId | undefined } {
    const limitText = query.get('limit');
    let limit = LIST_LIMIT_DEFAULT;
    if (limitText !== null) {
        limit = Number(limitText);
        if (!/^[0-9]+$/u.test(limitText) || limit < 1 || limit > LIST_LIMIT_MAX) {
            throw new HttpError(400, 'invalid-limit', `limit must be an integer from 1 to ${LIST_LIMIT_MAX}`);
        }
    }
    const afterText = query.get('after');
    return { limit, after: afterText === null ? undefined : parseGroupId(afterText) };
}

/** GET shows a group's policy; PUT replaces the override, PATCH merges into it, DELETE removes it. */
function policyRoute(ctx: AdminPorts, groupText: string): RouteMatch {
    return {
        name: '/v1/groups/:group/policy',
        methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
        logFields: { group: shortGroupId(groupText) },
        handle: async (request, method) => {
            const groupId = parseGroupId(groupText);
            if (method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
                const current = await ctx.backend.groups.getPolicyOverride(groupId);
                const next =
                    method === 'DELETE'
                        ? {}
                        : parsePolicyBody(await readJsonObject(request), current, method === 'PUT');
                await ctx.backend.groups.setPolicyOverride(groupId, next);
                ctx.logger.info('slot policy of a device group changed by an operator', {
                    group: shortGroupId(groupId),
                    override: next,
                });
            }
            return ok(await policyView(ctx, groupId));
        },
    };
}

/** The admin API's routes under /v1; undefined for an unknown path. */
export function route(ctx: AdminPorts, url: URL): RouteMatch | undefined {
    const parts = url.pathname.split('/').filter((part) => part !== '');
    if (parts[0] !== 'v1' || parts[1] !== 'groups') return undefined;
    const [, , groupText, sub, deviceText, ...rest] = parts;
    if (rest.length > 0) return undefined;
    if (groupText === undefined) {
        return {
            name: '/v1/groups',
            methods: ['GET'],
            logFields: {},
            handle: async () => ok(await listGroups(ctx, parseListQuery(url.searchParams))),
        };
    }
    const logFields = { group: shortGroupId(groupText) };
    if (sub === undefined) {
        return {
            name: '/v1/groups/:group',
            methods: ['GET', 'DELETE'],
            logFields,
            handle: async (_request, method) => {
                const groupId = parseGroupId(groupText);
                return ok(method === 'DELETE' ? await deleteGroup(ctx, groupId) : await showGroup(ctx, groupId));
            },
        };
    }
    if (sub === 'policy' && deviceText === undefined) return policyRoute(ctx, groupText);
    if (sub === 'slots' && deviceText !== undefined) {
        return {
            name: '/v1/groups/:group/slots/:device',
            methods: ['DELETE'],
            logFields,
            handle: async () => ok(await dropGroupSlot(ctx, parseGroupId(groupText), parseDeviceId(deviceText))),
        };
    }
    return undefined;
}

export function methodOf(request: IncomingMessage): Method | undefined {
    const method = request.method ?? '';
    return ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'].includes(method) ? (method as Method) : undefined;
}

export function notAllowed(methods: readonly Method[]): HttpError {
    const allow = methods.includes('GET') ? [...methods, 'HEAD'] : [...methods];
    return new HttpError(405, 'method-not-allowed', `allowed: ${allow.join(', ')}`, undefined, {
        allow: allow.join(', '),
    });
}
