/**
 * The files the CLI keeps for a device group:
 *
 * - the device group file (`keygen` creates it): JSON with the hex device
 *   group key and the server group devices connect with. It is secret: it
 *   is created with mode 0600, never overwritten, and its key is never
 *   printed;
 * - beside it, `<name>.device-ids.json`: the device id this CLI picked at
 *   random for each `--label`, so that one label is one device (and one
 *   device slot) across invocations. It holds no secret.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
    bytesToHex,
    hexToBytes,
    isServerGroup,
    KEY_BYTE_LENGTH,
    type DeviceId,
    type ServerGroup,
} from '../../d2m/index.js';
import { failure } from './errors.js';
import { formatDeviceId, parseDeviceId } from './values.js';

/** Version of the device group file format. */
export const GROUP_FILE_VERSION = 1;
/** The server group `keygen` writes unless told otherwise. */
export const DEFAULT_SERVER_GROUP = '4f';
/** Mode of every file the CLI creates: readable and writable by the owner only. */
export const FILE_MODE = 0o600;

export interface GroupSettings {
    /** The 32-byte device group key. */
    readonly deviceGroupKey: Uint8Array;
    readonly serverGroup: ServerGroup;
}

function errorCode(error: unknown): string | undefined {
    return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
        ? error.code
        : undefined;
}

function fileProblem(path: string, action: string, error: unknown): Error {
    const code = errorCode(error);
    if (code === 'EEXIST') return failure(`refusing to overwrite ${path}: it already exists`, error);
    if (code === 'ENOENT') return failure(`cannot ${action} ${path}: no such file or directory`, error);
    if (code === 'EACCES' || code === 'EPERM') return failure(`cannot ${action} ${path}: permission denied`, error);
    if (code === 'EISDIR') return failure(`cannot ${action} ${path}: it is a directory`, error);
    return failure(`cannot ${action} ${path}: ${error instanceof Error ? error.message : String(error)}`, error);
}

/**
 * Creates a device group file with a fresh random key; refuses to replace an
 * existing file. Returns the key so the caller can show the device group id.
 */
export async function createGroupFile(path: string, serverGroup: ServerGroup): Promise<GroupSettings> {
    const deviceGroupKey = new Uint8Array(randomBytes(KEY_BYTE_LENGTH));
    const content = {
        version: GROUP_FILE_VERSION,
        deviceGroupKey: bytesToHex(deviceGroupKey),
        serverGroup,
    };
    try {
        // `wx`: fail if anything (a symbolic link included) is already there.
        await writeFile(path, `${JSON.stringify(content, undefined, 2)}\n`, { flag: 'wx', mode: FILE_MODE });
    } catch (error) {
        throw fileProblem(path, 'create', error);
    }
    return { deviceGroupKey, serverGroup };
}

function malformed(path: string, problem: string): Error {
    return failure(`${path} is not a usable device group file: ${problem}`);
}

/** Reads and checks a device group file. Messages name the problem, never the key. */
export async function readGroupFile(path: string): Promise<GroupSettings> {
    let text: string;
    try {
        text = await readFile(path, 'utf8');
    } catch (error) {
        if (errorCode(error) === 'ENOENT') {
            throw failure(`${path} does not exist; create it with \`mediator device keygen ${path}\``, error);
        }
        throw fileProblem(path, 'read', error);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw malformed(path, 'it is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw malformed(path, 'it is not a JSON object');
    }
    const fields = parsed as Readonly<Record<string, unknown>>;
    if (fields.version !== GROUP_FILE_VERSION) throw malformed(path, `version must be ${GROUP_FILE_VERSION}`);
    const hex = fields.deviceGroupKey;
    const key = typeof hex === 'string' && hex.length === 2 * KEY_BYTE_LENGTH ? hexToBytes(hex) : undefined;
    if (key === undefined) throw malformed(path, `deviceGroupKey must be ${2 * KEY_BYTE_LENGTH} hex digits`);
    const serverGroup = fields.serverGroup;
    if (typeof serverGroup !== 'string' || !isServerGroup(serverGroup)) {
        throw malformed(path, 'serverGroup must be letters and digits');
    }
    return { deviceGroupKey: key, serverGroup };
}

/** A warning when others than the owner may read or change the file (POSIX permissions only). */
export async function permissionWarning(path: string): Promise<string | undefined> {
    if (process.platform === 'win32') return undefined;
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) === 0) return undefined;
    return `warning: ${path} is accessible to other users (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${path}`;
}

/** Where the device ids picked for each label are kept: beside the device group file. */
export function deviceIdsPath(groupFile: string): string {
    const name = basename(groupFile);
    const stem = name.endsWith('.json') && name.length > '.json'.length ? name.slice(0, -'.json'.length) : name;
    return join(dirname(groupFile), `${stem}.device-ids.json`);
}

async function readDeviceIds(path: string): Promise<Record<string, string>> {
    let text: string;
    try {
        text = await readFile(path, 'utf8');
    } catch (error) {
        if (errorCode(error) === 'ENOENT') return {};
        throw fileProblem(path, 'read', error);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw failure(`${path} is not JSON; remove it to pick new device ids`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw failure(`${path} is not a JSON object of label to device id; remove it to pick new device ids`);
    }
    const ids: Record<string, string> = {};
    for (const [label, value] of Object.entries(parsed)) if (typeof value === 'string') ids[label] = value;
    return ids;
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
async function writeDeviceIds(path: string, ids: Readonly<Record<string, string>>): Promise<void> {
    const temporary = `${path}.${process.pid}.${bytesToHex(randomBytes(4))}.tmp`;
    try {
        await writeFile(temporary, `${JSON.stringify(ids, undefined, 2)}\n`, { flag: 'wx', mode: FILE_MODE });
        await rename(temporary, path);
    } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw fileProblem(path, 'write', error);
    }
}

export interface RememberedDeviceId {
    readonly deviceId: DeviceId;
    /** Whether the id was picked just now. */
    readonly created: boolean;
    /** The file that remembers it. */
    readonly path: string;
}

/** The device id remembered for `label` beside `groupFile`; picks and remembers a random one the first time. */
export async function deviceIdForLabel(groupFile: string, label: string): Promise<RememberedDeviceId> {
    const path = deviceIdsPath(groupFile);
    const ids = await readDeviceIds(path);
    const known = ids[label];
    if (known !== undefined) {
        try {
            return { deviceId: parseDeviceId(known), created: false, path };
        } catch (error) {
            throw failure(
                `${path}: the device id of label ${JSON.stringify(label)} is malformed; fix or remove it`,
                error,
            );
        }
    }
    const deviceId = parseDeviceId(`0x${bytesToHex(randomBytes(8))}`);
    // Read again right before writing, so labels other invocations added meanwhile stay.
    await writeDeviceIds(path, { ...(await readDeviceIds(path)), [label]: formatDeviceId(deviceId) });
    return { deviceId, created: true, path };
}
