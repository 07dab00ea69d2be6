/**
 * Whether a file the CLI writes could end up in a git commit by accident:
 * it lies inside a git working tree and no ignore rule covers it. Asks the
 * `git` command itself (`check-ignore`), so every rule git applies counts;
 * without git, or outside a working tree, the answer is "not exposed".
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';

function git(args: readonly string[]): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
        execFile('git', args, { timeout: 5000 }, (error, stdout) => {
            if (error === null) {
                resolve({ code: 0, stdout });
                return;
            }
            // A missing git binary (ENOENT) or a timeout count as "not in a working tree".
            resolve({ code: typeof error.code === 'number' ? error.code : 128, stdout });
        });
    });
}

/**
 * The root of the git working tree `path` lies in when git would not ignore
 * it; undefined when it is ignored, outside any working tree, or git is not
 * installed. `path` need not exist yet (ignore rules match names).
 */
export async function unignoredInWorkingTree(path: string): Promise<string | undefined> {
    const directory = dirname(path);
    const ignored = await git(['-C', directory, 'check-ignore', '-q', '--', basename(path)]);
    // 0: ignored; 1: not ignored; anything else: not a working tree (or no git).
    if (ignored.code !== 1) return undefined;
    const root = await git(['-C', directory, 'rev-parse', '--show-toplevel']);
    return root.code === 0 ? root.stdout.trim() : undefined;
}
