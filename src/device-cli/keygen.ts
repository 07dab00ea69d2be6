/**
 * `mediator device keygen <file>`: a new device group file with a random
 * device group key. Prints the (public) device group id, never the key.
 */
import { bytesToHex, type ServerGroup } from '../../d2m/index.js';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import { nodeCryptoBackend } from '../crypto/index.js';
import { createGroupFile, deviceIdsPath } from './group-file.js';
import type { CliIo } from './io.js';

export async function keygen(io: CliIo, file: string, serverGroup: ServerGroup): Promise<void> {
    const settings = await createGroupFile(file, serverGroup);
    const keys = deriveDeviceGroupKeys(nodeCryptoBackend, settings.deviceGroupKey);
    const lines = [
        `created ${file} (mode 0600): a new device group key, server group ${settings.serverGroup}`,
        `device group id ${bytesToHex(keys.deviceGroupId)}`,
        `device ids picked for each --label will be remembered in ${deviceIdsPath(file)}`,
        'keep the file secret: whoever has it can join the device group and read its reflections',
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
}
