/**
 * Where each server group's chat server lives: the operator's mapping from
 * the `server_group` of a device's ClientUrlInfo to a TCP `host:port`.
 *
 * One setting (`chatServerAddress`, flag `--chat-server-address`, env
 * `MEDIATOR_CHAT_SERVER_ADDRESS`) in one of two forms:
 *
 * - A template `host:port`, where the host may contain the placeholder
 *   `{serverGroup}` (any number of times), e.g.
 *   `{serverGroup}.chat.example.net:5222`. Without a placeholder every
 *   device goes to that one fixed address. The port is a literal number;
 *   an IPv6 host is written in brackets (`[::1]:5222`).
 * - `file:<path>`: a JSON file holding one object
 *   `{ "<serverGroup>": "host:port", ... }` (no placeholders in the values).
 *   Keys match the server group exactly (seed clients' groups are lowercase
 *   hex, e.g. `4f`); the key `*` is the address of every group not listed.
 *   A group with no entry (and no `*`) has no chat server: its devices are
 *   closed with 4001 when they send Proxy frames. A relative path is
 *   resolved against the working directory; the file is read once, at start.
 *
 * `checkChatServerAddressSpec` reports every problem at once (for
 * ConfigError); `loadChatServerAddressMap` builds the mapping or throws.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export interface ChatServerAddress {
    readonly host: string;
    readonly port: number;
}

export interface ChatServerAddressMap {
    /** The chat server of a server group; `undefined` when the group has none. */
    addressFor(serverGroup: string): ChatServerAddress | undefined;
    /** The setting the mapping came from, for logs. */
    readonly source: string;
}

/** The placeholder a template replaces with the device's server group. */
export const SERVER_GROUP_PLACEHOLDER = '{serverGroup}';
export const FILE_PREFIX = 'file:';
/** The table key that catches every server group not listed. */
export const DEFAULT_TABLE_KEY = '*';

/** A host name (labels of letters, digits, `-`, `_`, dots) or an IPv4 address. */
const HOST_NAME = /^[0-9A-Za-z_]([0-9A-Za-z_-]*[0-9A-Za-z_])?(\.[0-9A-Za-z_]([0-9A-Za-z_-]*[0-9A-Za-z_])?)*\.?$/u;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/u;
/** Stands in for the placeholder while checking a template's host (server groups are `^[0-9a-zA-Z]+$`). */
const SAMPLE_GROUP = 'x0';

export function formatChatServerAddress(address: ChatServerAddress): string {
    return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

interface ParsedHostPort {
    /** As written (brackets removed from IPv6); may contain the placeholder. */
    readonly host: string;
    readonly port: number;
}

/** Splits `host:port`; pushes problems (prefixed with `what`) and returns undefined when invalid. */
function parseHostPort(
    value: string,
    what: string,
    placeholders: boolean,
    problems: string[],
): ParsedHostPort | undefined {
    const colon = value.lastIndexOf(':');
    if (colon < 0) {
        problems.push(`${what}: "${value}" has no port (expected host:port)`);
        return undefined;
    }
    let host = value.slice(0, colon);
    const portText = value.slice(colon + 1);
    const before = problems.length;
    const port = /^[0-9]{1,5}$/u.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) {
        problems.push(`${what}: port must be a number from 1 to 65535, got "${portText}"`);
    }
    const withoutPlaceholders = host.split(SERVER_GROUP_PLACEHOLDER).join(SAMPLE_GROUP);
    if (host.includes(SERVER_GROUP_PLACEHOLDER) && !placeholders) {
        problems.push(`${what}: ${SERVER_GROUP_PLACEHOLDER} is only allowed in a template, not in a table`);
    } else if (/[{}]/u.test(withoutPlaceholders)) {
        problems.push(`${what}: the only placeholder is ${SERVER_GROUP_PLACEHOLDER}`);
    } else if (IPV6.test(host)) {
        host = host.slice(1, -1);
    } else if (host === '') {
        problems.push(`${what}: the host is empty`);
    } else if (host.includes(':')) {
        problems.push(`${what}: write an IPv6 host in brackets, e.g. [::1]:5222`);
    } else if (!HOST_NAME.test(withoutPlaceholders)) {
        problems.push(`${what}: "${host}" is not a valid host name`);
    }
    return problems.length === before ? { host, port } : undefined;
}

function templateMap(spec: string, problems: string[]): ChatServerAddressMap | undefined {
    const parsed = parseHostPort(spec, 'template', true, problems);
    if (parsed === undefined) return undefined;
    const { host, port } = parsed;
    if (!host.includes(SERVER_GROUP_PLACEHOLDER)) {
        const fixed = Object.freeze({ host, port });
        return { source: spec, addressFor: () => fixed };
    }
    return {
        source: spec,
        addressFor: (serverGroup) => ({ host: host.split(SERVER_GROUP_PLACEHOLDER).join(serverGroup), port }),
    };
}

function tableMap(
    path: string,
    source: string,
    readFile: (path: string) => string,
    problems: string[],
): ChatServerAddressMap | undefined {
    if (path === '') {
        problems.push(`${FILE_PREFIX} needs a path, e.g. ${FILE_PREFIX}/etc/mediator/chat-servers.json`);
        return undefined;
    }
    let text: string;
    try {
        text = readFile(path);
    } catch (error) {
        const code = (error as { code?: unknown }).code;
        problems.push(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
        return undefined;
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        problems.push(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        problems.push(`${path} must hold one JSON object { "<serverGroup>": "host:port", ... }`);
        return undefined;
    }
    const table = new Map<string, ChatServerAddress>();
    const before = problems.length;
    for (const [key, value] of Object.entries(json)) {
        const what = `${path}: entry "${key}"`;
        if (key !== DEFAULT_TABLE_KEY && !/^[0-9a-zA-Z]+$/u.test(key)) {
            problems.push(`${what}: a server group must match ^[0-9a-zA-Z]+$ (or be "${DEFAULT_TABLE_KEY}")`);
            continue;
        }
        if (typeof value !== 'string') {
            problems.push(`${what}: the address must be a "host:port" string`);
            continue;
        }
        const parsed = parseHostPort(value, what, false, problems);
        if (parsed !== undefined) table.set(key, Object.freeze({ host: parsed.host, port: parsed.port }));
    }
    if (problems.length > before) return undefined;
    if (table.size === 0) {
        problems.push(`${path} lists no server group`);
        return undefined;
    }
    const fallback = table.get(DEFAULT_TABLE_KEY);
    return { source, addressFor: (serverGroup) => table.get(serverGroup) ?? fallback };
}

function readUtf8(path: string): string {
    return readFileSync(path, 'utf8');
}

/**
 * Parses the setting and lists every problem. `readFile` reads a table
 * file (tests may replace it).
 */
export function checkChatServerAddressSpec(
    spec: string,
    readFile: (path: string) => string = readUtf8,
): { readonly map: ChatServerAddressMap | undefined; readonly problems: readonly string[] } {
    const problems: string[] = [];
    const trimmed = spec.trim();
    let map: ChatServerAddressMap | undefined;
    if (trimmed === '') {
        problems.push('is empty (leave it unset to run without a chat-server proxy)');
    } else if (trimmed.startsWith(FILE_PREFIX)) {
        map = tableMap(trimmed.slice(FILE_PREFIX.length), trimmed, readFile, problems);
    } else {
        map = templateMap(trimmed, problems);
    }
    return { map: problems.length === 0 ? map : undefined, problems };
}

/** Builds the mapping; throws {@link ConfigError} listing every problem. */
export function loadChatServerAddressMap(
    spec: string,
    readFile: (path: string) => string = readUtf8,
): ChatServerAddressMap {
    const { map, problems } = checkChatServerAddressSpec(spec, readFile);
    if (map === undefined) throw new ConfigError(problems.map((problem) => `chatServerAddress: ${problem}`));
    return map;
}
