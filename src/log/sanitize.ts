/**
 * What may appear in a log line. Every logger of the project passes its
 * fields and bindings through `sanitizeFields`, as a second line of defence
 * behind the rule that callers never log key material or payloads:
 *
 * - byte arrays (and ArrayBuffers) become their length: `<32 bytes>`;
 * - a run of 32 or more hex digits (a device group id, a key), alone or
 *   inside a longer string, becomes its first 8 digits: `a1b2c3d4…`;
 * - other strings longer than 512 characters are cut;
 * - a bigint (a device id) becomes 16 hex digits;
 * - errors become `{ name, message, code }` (no stack, no attached data);
 * - fields whose name suggests a secret or a payload (token, password,
 *   authorization, private key, nonce, payload, envelope, ...) keep only
 *   numbers and booleans; anything else becomes `[redacted]`;
 * - objects and arrays are sanitized recursively (4 levels, 32 items).
 */
import type { LogFields } from './types.js';

const STRING_MAX_LENGTH = 512;
const LONG_HEX = /[0-9a-f]{32,}/giu;
const SECRET_FIELD =
    /secret|token|password|passphrase|authori[sz]ation|cookie|private.?key|nonce|challenge|payload|envelope|^(key|dgk|dgpk|sk|esk|tsk|box)$/iu;
const MAX_DEPTH = 4;
const MAX_ITEMS = 32;

export const REDACTED = '[redacted]';

/** Makes one value safe to log (see the file comment for the rules). */
export function sanitize(value: unknown, depth = 0): unknown {
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    if (value instanceof ArrayBuffer || value instanceof DataView) return `<${value.byteLength} bytes>`;
    if (typeof value === 'bigint') return value.toString(16).padStart(16, '0');
    if (typeof value === 'string') {
        const shortened = value.replace(LONG_HEX, (hex) => `${hex.slice(0, 8)}…`);
        return shortened.length > STRING_MAX_LENGTH ? `${shortened.slice(0, STRING_MAX_LENGTH)}…` : shortened;
    }
    if (value instanceof Error) {
        const code = (value as { code?: unknown }).code;
        return {
            name: value.name,
            message: sanitize(value.message, depth + 1),
            ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
        };
    }
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) return '[nested]';
    if (Array.isArray(value)) {
        const items = value.slice(0, MAX_ITEMS).map((item: unknown) => sanitize(item, depth + 1));
        if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
        return items;
    }
    if (value instanceof Map || value instanceof Set) return `<${value.constructor.name} of ${value.size}>`;
    if (value instanceof Date) return value.toISOString();
    return sanitizeFields(value as LogFields, depth + 1);
}

/** Sanitizes every field of a record, redacting fields whose name suggests a secret or a payload. */
export function sanitizeFields(fields: LogFields, depth = 0): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
        if (SECRET_FIELD.test(name) && typeof value !== 'number' && typeof value !== 'boolean' && value !== undefined) {
            out[name] = REDACTED;
        } else {
            out[name] = sanitize(value, depth);
        }
    }
    return out;
}
