/**
 * Prints the configuration reference (every setting of `mediator serve`:
 * flag, environment variable, config file key, unit, default, meaning) as a
 * Markdown table, generated from src/config/schema.ts.
 *
 *   node dist/scripts/config-table.js               print the table
 *   node dist/scripts/config-table.js --write FILE  replace the table between the markers in FILE
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable, replaceConfigTable } from '../src/config/table.js';

const [flag, file] = process.argv.slice(2);
if (flag === undefined) {
    process.stdout.write(renderConfigTable());
} else if (flag === '--write' && file !== undefined) {
    writeFileSync(file, replaceConfigTable(readFileSync(file, 'utf8')));
    process.stdout.write(`configuration table written to ${file}\n`);
} else {
    process.stderr.write('usage: config-table [--write FILE]\n');
    process.exit(2);
}
