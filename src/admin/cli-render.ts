/**
 * How `mediator admin` prints the admin API's answers for people: short
 * summaries and left-aligned tables. `--json` bypasses all of this.
 */
import type { Json } from './client.js';
import { POLICY_FIELDS } from './policy.js';

export function text(value: unknown): string {
    if (value === null || value === undefined) return '-';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return JSON.stringify(value);
}

export function record(value: unknown): Json {
    return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function records(value: unknown): Json[] {
    return Array.isArray(value) ? value.map(record) : [];
}

/** Left-aligned columns, two spaces apart. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((title, column) =>
        Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
    );
    const line = (cells: readonly string[]): string =>
        cells
            .map((cell, column) => cell.padEnd(widths[column] ?? 0))
            .join('  ')
            .trimEnd();
    return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function renderList(answer: Json): string {
    const groups = records(answer.groups);
    let output = table(
        ['GROUP', 'SLOTS', 'ONLINE', 'LEADER'],
        groups.map((group) => [text(group.groupId), text(group.slots), text(group.online), text(group.leader)]),
    );
    output += `${groups.length} of ${text(answer.total)} device groups\n`;
    if (typeof answer.next === 'string') output += `more: --after ${answer.next}\n`;
    return output;
}

export function renderPolicy(answer: Json): string {
    const override = record(answer.override);
    const effective = record(answer.effective);
    const defaults = record(answer.defaults);
    const rows = Object.keys(POLICY_FIELDS).map((field) => [
        field,
        text(effective[field]),
        field in override ? `override (default ${text(defaults[field])})` : 'default',
    ]);
    let output = `policy of device group ${text(answer.groupId)} (${text(answer.slots)} slots)\n`;
    output += table(['FIELD', 'VALUE', 'SOURCE'], rows);
    if (typeof answer.notice === 'string') output += `notice: ${answer.notice}\n`;
    return output;
}

export function renderShow(answer: Json): string {
    const leader = record(answer.leader);
    const lock = record(answer.lock);
    const policy = record(answer.policy);
    const effective = record(policy.effective);
    const override = record(policy.override);
    const lines = [`device group ${text(answer.groupId)}`];
    const overridden = Object.keys(override);
    lines.push(
        `policy: max ${text(effective.maxDeviceSlots)} slots, queue ${text(effective.queueMaxCount)} items / ` +
            `${text(effective.queueMaxBytes)} bytes, volatile grace ${text(effective.volatileGraceMs)} ms, ` +
            `persistent expiry ${text(effective.persistentExpiryMs)} ms` +
            (overridden.length > 0 ? ` (overridden: ${overridden.join(', ')})` : ''),
    );
    lines.push(
        answer.leader === null
            ? 'leader: none'
            : `leader: device ${text(leader.deviceId)} on node ${text(leader.nodeId)} (term ${text(leader.term)})`,
    );
    lines.push(
        answer.lock === null
            ? 'transaction lock: free'
            : `transaction lock: held by device ${text(lock.deviceId)} on node ${text(lock.nodeId)} until ` +
                  `${text(lock.expiresAt)}${lock.expired === true ? ' (expired)' : ''}`,
    );
    const rows = records(answer.slots).map((slot) => {
        const online = record(slot.online);
        const queue = record(slot.queue);
        const age = queue.oldestUnackedAgeMs;
        const roles = [slot.leader === true ? 'leader' : '', slot.lockHolder === true ? 'lock' : '']
            .filter((role) => role !== '')
            .join(',');
        return [
            text(slot.deviceId),
            text(slot.expirationPolicy),
            slot.online === null ? 'offline' : `online on ${text(online.nodeId)}`,
            slot.online === null
                ? `disconnected ${text(slot.lastDisconnectAt)}`
                : `since ${text(online.connectedSince)}`,
            text(queue.length),
            text(queue.bytes),
            typeof age === 'number' ? `${(age / 1000).toFixed(1)}s` : '-',
            roles === '' ? '-' : roles,
        ];
    });
    return (
        lines.join('\n') +
        '\n' +
        table(['DEVICE', 'EXPIRATION', 'STATE', 'WHEN', 'QUEUED', 'BYTES', 'OLDEST', 'ROLE'], rows)
    );
}

export function renderDrop(answer: Json): string {
    const closed = record(answer.closedConnection);
    return (
        `dropped the slot of device ${text(answer.deviceId)} (0x${text(answer.deviceIdHex)}) ` +
        `of group ${text(answer.groupId).slice(0, 8)}…` +
        (answer.closedConnection === null ? '\n' : `; closed its connection on node ${text(closed.nodeId)} (4113)\n`)
    );
}

export function renderDelete(answer: Json): string {
    return (
        `deleted device group ${text(answer.groupId)}: ${text(answer.slots)} slots, ` +
        `${text(answer.closedConnections)} connections closed\n`
    );
}
