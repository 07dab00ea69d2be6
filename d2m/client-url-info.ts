/**
 * ClientUrlInfo: the device group id and chat-server group, protobuf encoded,
 * hex encoded (lowercase), and sent as the last segment of the WebSocket URL
 * path. Earlier path segments are routing only.
 *
 * Revisions: the current one writes the server group as a string (field 3);
 * the seed revision writes it as a uint32 (field 2), which the mediator
 * renders as lowercase hex of at least two digits. Field 3 wins when both are
 * present.
 */
import { bytesToHex, hexToBytes, isU32 } from './bytes.js';
import { D2mProtocolError } from './errors.js';
import { decodeProtobuf, pb } from './messages/protobuf.js';
import { ensureDeviceGroupId, ensureServerGroup, type DeviceGroupId, type ServerGroup } from './types.js';

/** Which revision of ClientUrlInfo a client writes. */
export type ProtocolRevision = 'current' | 'seed';

export interface ClientUrlInfo {
    readonly deviceGroupId: DeviceGroupId;
    readonly serverGroup: ServerGroup;
}

export interface ParsedClientUrlInfo extends ClientUrlInfo {
    /** `seed` when the server group came from field 2. */
    readonly revision: ProtocolRevision;
}

/** The longest path segment accepted (a ClientUrlInfo is about 40 bytes). */
export const CLIENT_URL_INFO_HEX_MAX_LENGTH = 1024;

function invalid(problem: string, cause?: unknown): D2mProtocolError {
    return new D2mProtocolError('invalid-client-url-info', `ClientUrlInfo: ${problem}`, { cause });
}

/** Renders a seed (numeric) server group the way the mediator names groups. */
export function serverGroupFromU32(value: number): ServerGroup {
    return ensureServerGroup(value.toString(16).padStart(2, '0'));
}

/** Encodes ClientUrlInfo for the given revision. A seed encoding needs a hex server group that fits a u32. */
export function encodeClientUrlInfo(info: ClientUrlInfo, revision: ProtocolRevision = 'current'): Uint8Array {
    if (revision === 'current') {
        return pb.ClientUrlInfo.encode({ deviceGroupId: info.deviceGroupId, serverGroup: info.serverGroup }).finish();
    }
    const numeric = /^[0-9a-fA-F]{1,8}$/u.test(info.serverGroup) ? parseInt(info.serverGroup, 16) : Number.NaN;
    if (!isU32(numeric)) {
        throw new D2mProtocolError(
            'invalid-field',
            'a seed ClientUrlInfo needs a hex server group of at most 8 digits',
        );
    }
    return pb.ClientUrlInfo.encode({ deviceGroupId: info.deviceGroupId, serverGroupU32: numeric }).finish();
}

/** The hex path segment for a ClientUrlInfo. */
export function clientUrlInfoToPathSegment(info: ClientUrlInfo, revision: ProtocolRevision = 'current'): string {
    return bytesToHex(encodeClientUrlInfo(info, revision));
}

/** Decodes ClientUrlInfo bytes (after hex decoding). */
export function decodeClientUrlInfo(bytes: Uint8Array): ParsedClientUrlInfo {
    let raw;
    try {
        raw = decodeProtobuf('ClientUrlInfo', bytes, (b) => pb.ClientUrlInfo.decode(b));
    } catch (error) {
        throw invalid('malformed protobuf', error);
    }
    let deviceGroupId: DeviceGroupId;
    try {
        deviceGroupId = ensureDeviceGroupId(raw.deviceGroupId);
    } catch (error) {
        throw invalid('device group id must be 32 bytes', error);
    }
    if (raw.serverGroup !== null && raw.serverGroup !== undefined) {
        if (!/^[0-9a-zA-Z]+$/u.test(raw.serverGroup)) throw invalid('server group must match ^[0-9a-zA-Z]+$');
        return { deviceGroupId, serverGroup: ensureServerGroup(raw.serverGroup), revision: 'current' };
    }
    if (raw.serverGroupU32 !== null && raw.serverGroupU32 !== undefined) {
        return { deviceGroupId, serverGroup: serverGroupFromU32(raw.serverGroupU32), revision: 'seed' };
    }
    throw invalid('no server group');
}

/**
 * Parses a URL path (without query): the last non-empty segment is the hex
 * ClientUrlInfo. Throws {@link D2mProtocolError} (`invalid-client-url-info`).
 */
export function parseClientUrlPath(path: string): ParsedClientUrlInfo {
    const queryStart = path.search(/[?#]/u);
    const clean = queryStart >= 0 ? path.slice(0, queryStart) : path;
    const segments = clean.split('/').filter((segment) => segment.length > 0);
    const last = segments.at(-1);
    if (last === undefined) throw invalid('the path has no segment');
    if (last.length > CLIENT_URL_INFO_HEX_MAX_LENGTH) throw invalid('the path segment is too long');
    const bytes = hexToBytes(last);
    if (bytes === undefined) throw invalid('the last path segment is not hex');
    return decodeClientUrlInfo(bytes);
}

/**
 * Builds the WebSocket URL a device connects to: the base URL (a trailing
 * slash is added when missing) followed by the hex ClientUrlInfo.
 */
export function buildClientUrl(baseUrl: string, info: ClientUrlInfo, revision: ProtocolRevision = 'current'): string {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    return `${base}${clientUrlInfoToPathSegment(info, revision)}`;
}
