// Copies the files tsc does not emit into dist/: the generated protobufjs
// modules, and (from later components) Lua and SQL files next to the code
// that loads them.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSET = /\.(lua|sql)$|generated\/[^/]+\.js$/u;

function walk(dir) {
    for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
            walk(path);
        } else if (ASSET.test(relative(root, path))) {
            const target = join(root, 'dist', relative(root, path));
            cpSync(path, target);
        }
    }
}

for (const top of ['d2m', 'd2d', 'src']) {
    if (existsSync(join(root, top))) walk(join(root, top));
}
