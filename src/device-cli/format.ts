/**
 * The lines the CLI prints for what a device sees: reflections (decrypted,
 * text shown by the CLI's convention), the device list as a table or JSON.
 * Text from other devices goes through `printable` so it cannot drive the
 * terminal.
 */
import { bytesToHex, DeviceSlotExpirationPolicy, type DeviceId } from '../../d2m/index.js';
import type { DeviceSlotInfo, ReflectedEvent, TransactionEndedEvent } from '../device/index.js';
import { printable } from './errors.js';
import { envelopeText } from './text-envelope.js';
import { formatDeviceId, formatTimestamp, platformName, scopeName } from './values.js';

/** A JSON string literal of `text`, safe to print. */
export function quoted(text: string): string {
    return printable(JSON.stringify(text));
}

/** The first 16 hex digits of a device group id, enough to tell groups apart. */
export function shortGroupId(deviceGroupId: Uint8Array): string {
    return `${bytesToHex(deviceGroupId).slice(0, 16)}…`;
}

/** `reflected #<id> <time> from <device>: "<text>"` (or the content kind and size, or why it is unreadable). */
export function formatReflected(event: ReflectedEvent): string {
    const head = `reflected #${event.id} ${formatTimestamp(event.timestamp)}`;
    const ephemeral = event.ephemeral ? ' (ephemeral)' : '';
    const envelope = event.envelope;
    if (envelope === undefined) {
        const why = event.decryptionError?.message ?? 'unknown error';
        return `${head}${ephemeral}: cannot decrypt (${printable(why)})`;
    }
    const from = `${head} from ${formatDeviceId(envelope.deviceId)}${ephemeral}`;
    if (envelope.content === undefined) return `${from}: no content`;
    const text = envelopeText(envelope);
    if (text !== undefined) return `${from}: ${quoted(text)}`;
    return `${from}: ${envelope.content.kind}, ${envelope.content.data.byteLength} bytes`;
}

export function formatTransactionEnded(event: TransactionEndedEvent): string {
    return `transaction-ended: ${formatDeviceId(event.holder)} ended its ${scopeName(event.scope)} transaction`;
}

/** One device of `mediator device devices`, in the shape `--json` prints. */
export interface DeviceRow {
    readonly deviceId: string;
    /** `undefined` when the device info cannot be decrypted. */
    readonly label: string | undefined;
    readonly platform: string | undefined;
    readonly platformDetails: string | undefined;
    readonly appVersion: string | undefined;
    readonly slot: 'persistent' | 'volatile';
    readonly online: boolean;
    /** ISO 8601; when online. */
    readonly connectedSince: string | undefined;
    /** ISO 8601; when offline. */
    readonly lastLoginAt: string | undefined;
    /** ISO 8601; when offline. */
    readonly lastDisconnectAt: string | undefined;
    /** The device this command connected as. */
    readonly self: boolean;
}

export function deviceRows(devices: ReadonlyMap<DeviceId, DeviceSlotInfo>, self: DeviceId): DeviceRow[] {
    const rows: DeviceRow[] = [];
    for (const [deviceId, slot] of devices) {
        const info = slot.deviceInfo;
        const state = slot.connectionState;
        rows.push({
            deviceId: formatDeviceId(deviceId),
            label: info?.label,
            platform: info === undefined ? undefined : platformName(info.platform),
            platformDetails: info?.platformDetails,
            appVersion: info?.appVersion,
            slot: slot.deviceSlotExpirationPolicy === DeviceSlotExpirationPolicy.VOLATILE ? 'volatile' : 'persistent',
            online: state.type === 'connected',
            connectedSince: state.type === 'connected' ? formatTimestamp(state.connectedSince) : undefined,
            lastLoginAt: state.type === 'disconnected' ? formatTimestamp(state.lastLoginAt) : undefined,
            lastDisconnectAt: state.type === 'disconnected' ? formatTimestamp(state.lastDisconnectAt) : undefined,
            self: deviceId === self,
        });
    }
    return rows.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
}

function stateText(row: DeviceRow): string {
    const state = row.online ? `online since ${row.connectedSince}` : `offline since ${row.lastDisconnectAt}`;
    return row.self ? `${state} (this command)` : state;
}

/** The device list as an aligned table with a header line. */
export function devicesTable(rows: readonly DeviceRow[]): string {
    const header = ['DEVICE ID', 'LABEL', 'PLATFORM', 'SLOT', 'STATE'];
    const cells = rows.map((row) => [
        row.deviceId,
        row.label === undefined ? '(cannot decrypt)' : quoted(row.label),
        row.platform ?? '-',
        row.slot,
        stateText(row),
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
    const line = (values: readonly string[]): string =>
        values
            .map((value, column) => (column === values.length - 1 ? value : value.padEnd(widths[column]!)))
            .join('  ');
    return [line(header), ...cells.map(line)].join('\n');
}
