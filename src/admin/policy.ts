/**
 * Per-group slot policies: reading and validating what an operator sends,
 * and the view the API answers with. An override holds only the fields the
 * operator set; every other field follows the node's global default.
 *
 * New values apply from the next login of each device (the sessions read
 * the effective policy when they log in). Lowering `maxDeviceSlots` never
 * drops a slot by itself: existing slots stay, their devices keep logging
 * in, and only a login that needs a new slot is refused (4111) or, when
 * that device asks for it, evicts the least recently used slots (4113).
 */
import type { AdminPorts } from './ports.js';
import { effectivePolicy } from '../mediator/slots.js';
import type { GroupId, SlotPolicy, SlotPolicyOverride } from '../storage/types.js';
import { HttpError } from './http.js';

interface FieldRule {
    readonly min: number;
    readonly max: number;
    readonly meaning: string;
}

/** The fields an operator may override, with the same bounds the global configuration has. */
export const POLICY_FIELDS: Readonly<Record<keyof SlotPolicy, FieldRule>> = Object.freeze({
    maxDeviceSlots: { min: 1, max: 1000, meaning: 'device slots per group' },
    queueMaxCount: {
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        meaning: 'reflections queued per slot before it is dropped',
    },
    queueMaxBytes: {
        min: 65536,
        max: Number.MAX_SAFE_INTEGER,
        meaning: 'envelope bytes queued per slot before it is dropped',
    },
    volatileGraceMs: { min: 0, max: Number.MAX_SAFE_INTEGER, meaning: 'ms a volatile slot outlives its disconnect' },
    persistentExpiryMs: {
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
        meaning: 'ms a persistent slot survives without a login',
    },
    tombstoneTtlMs: { min: 0, max: Number.MAX_SAFE_INTEGER, meaning: 'ms a queue-overflow tombstone refuses logins' },
});

const FIELD_NAMES = Object.keys(POLICY_FIELDS) as (keyof SlotPolicy)[];

function isPolicyField(name: string): name is keyof SlotPolicy {
    return Object.hasOwn(POLICY_FIELDS, name);
}

/**
 * Validates a request body into the new override. `replace` (PUT): the body
 * is the whole override. Otherwise (PATCH): the body changes `current`, and
 * `null` removes a field. Every problem is reported at once (400).
 */
export function parsePolicyBody(
    body: Readonly<Record<string, unknown>>,
    current: SlotPolicyOverride,
    replace: boolean,
): SlotPolicyOverride {
    const problems: string[] = [];
    const result: Partial<Record<keyof SlotPolicy, number>> = replace ? {} : { ...current };
    for (const [name, value] of Object.entries(body)) {
        if (!isPolicyField(name)) {
            problems.push(`${name}: unknown field (known: ${FIELD_NAMES.join(', ')})`);
            continue;
        }
        if (value === null) {
            delete result[name];
            continue;
        }
        const rule = POLICY_FIELDS[name];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
            const range = rule.max === Number.MAX_SAFE_INTEGER ? `at least ${rule.min}` : `${rule.min} to ${rule.max}`;
            problems.push(`${name}: must be an integer, ${range} (${rule.meaning}), or null for the default`);
            continue;
        }
        result[name] = value;
    }
    if (problems.length > 0) {
        throw new HttpError(400, 'invalid-policy', `invalid policy: ${problems.join('; ')}`, { problems });
    }
    return result;
}

/** What GET, PUT, PATCH and DELETE on a group's policy answer. */
export async function policyView(ctx: AdminPorts, groupId: GroupId): Promise<Record<string, unknown>> {
    const [override, effective, slots] = await Promise.all([
        ctx.backend.groups.getPolicyOverride(groupId),
        effectivePolicy(ctx, groupId),
        ctx.backend.groups.listSlots(groupId),
    ]);
    const view: Record<string, unknown> = {
        groupId,
        override,
        effective,
        defaults: ctx.config.policy,
        slots: slots.length,
    };
    if (slots.length > effective.maxDeviceSlots) {
        view.notice =
            `the group has ${slots.length} slots, more than its limit of ${effective.maxDeviceSlots}: ` +
            'existing slots are kept and their devices keep logging in; a device that needs a new slot is ' +
            'refused (4111), or evicts the least recently used slots when it asks for that (4113)';
    }
    return view;
}
