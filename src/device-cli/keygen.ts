/**
 * `mediator device keygen <file>`: a new device group file with a random
 * device group key. Prints where the file went and the (public) device group
 * id, never the key, and warns when the file lies in a git working tree
 * that does not ignore it.
 */
import { resolve } from 'node:path';
import { bytesToHex, type ServerGroup } from '../../d2m/index.js';
import { deriveDeviceGroupKeys } from '../../d2d/index.js';
import { sodiumCryptoBackend } from '../crypto/index.js';
import { unignoredInWorkingTree } from './git-exposure.js';
import { createGroupFile, deviceIdsPath } from './group-file.js';
import type { CliIo } from './io.js';

export async function keygen(io: CliIo, file: string, serverGroup: ServerGroup): Promise<void> {
    const path = resolve(file);
    const settings = await createGroupFile(path, serverGroup);
    const keys = deriveDeviceGroupKeys(sodiumCryptoBackend, settings.deviceGroupKey);
    const lines = [
        `created ${path} (mode 0600): a new device group key, server group ${settings.serverGroup}`,
        `device group id ${bytesToHex(keys.deviceGroupId)}`,
        `device ids picked for each --label will be remembered in ${deviceIdsPath(path)}`,
        "keep the file secret: it holds the device group's secret key; whoever has it can join the device group and read its reflections",
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    const root = await unignoredInWorkingTree(path);
    if (root !== undefined) {
        io.stderr.write(
            `warning: ${path} holds a secret key and lies in the git working tree ${root}, which does not ignore it; ` +
                'do not commit it: add it to .gitignore, or keep group files outside the repository (e.g. ~/d2m-demo.json)\n',
        );
    }
}
