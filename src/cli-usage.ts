/**
 * What a mistyped command line is told: for each unknown flag or command the
 * nearest known one ("did you mean --port?"), and a help command that works
 * where the user is. In a checkout `mediator` is not on the PATH, so the
 * hints name `npx mediator …` (the package's own bin, once built) and
 * `npm start -- --help` (which builds first and runs `serve`).
 */

/** Edit distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
    const rows = a.length + 1;
    const columns = b.length + 1;
    const d: number[][] = Array.from({ length: rows }, (_, i) =>
        Array.from({ length: columns }, (_unused, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i < rows; i++) {
        for (let j = 1; j < columns; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                best = Math.min(best, d[i - 2]![j - 2]! + 1);
            }
            d[i]![j] = best;
        }
    }
    return d[a.length]![b.length]!;
}

/**
 * The known word nearest to `word`, if it is close enough to be a likely
 * typo (at most a third of its letters, at least one, wrong), or one that
 * starts with it (`--admin` for `--admin-port`). Ties go to the earlier entry.
 */
export function nearest(word: string, known: readonly string[]): string | undefined {
    const limit = Math.max(1, Math.floor(word.length / 3));
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const distance = editDistance(word.toLowerCase(), candidate);
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    if (best !== undefined && bestDistance <= limit) return best;
    return word.length >= 3 ? known.find((candidate) => candidate.startsWith(word.toLowerCase())) : undefined;
}

/** What a command accepts, for the hints. */
export interface CommandWords {
    /** The command as typed after `mediator` (undefined: none was recognised). */
    readonly command: string | undefined;
    /** The words an unknown argument may have meant: flags without dashes, or command names. */
    readonly words: readonly string[];
    /** What `words` are. Default: options of `command` when there is one, else commands. */
    readonly wordKind?: 'option' | 'command';
}

const UNKNOWN = /^Unknown arguments?: (.+)$/u;

function kebab(word: string): string {
    return word.replace(/[A-Z]/gu, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * The lines to print after yargs' `message` for a command line it refused:
 * a "did you mean" per unknown argument that has a near match, then how to
 * list the options.
 */
export function usageHints(message: string, context: CommandWords): string[] {
    const lines: string[] = [];
    const match = UNKNOWN.exec(message);
    if (match !== null) {
        const unknown = match[1]!.split(', ');
        for (const word of unknown) {
            // yargs lists a kebab-case flag twice, the second time in camelCase.
            if (word !== kebab(word) && unknown.includes(kebab(word))) continue;
            const suggestion = nearest(word, context.words);
            if (suggestion === undefined) continue;
            const kind = context.wordKind ?? (context.command === undefined ? 'command' : 'option');
            lines.push(
                kind === 'command'
                    ? `Unknown command "${word}": did you mean "${suggestion}"?`
                    : `Unknown option --${word}: did you mean --${suggestion}?`,
            );
        }
    }
    lines.push(helpHint(context.command));
    return lines;
}

/** How to list the options of `command` (or the commands), from a checkout or an installed package. */
export function helpHint(command: string | undefined): string {
    if (command === 'serve') {
        return 'List the options with `npm start -- --help` (in a checkout; it builds first) or `npx mediator serve --help`.';
    }
    if (command === undefined) {
        return 'List the commands with `npx mediator --help` (in a checkout, after `npm run build`; `npm start` starts a node).';
    }
    return `List the options with \`npx mediator ${command} --help\` (in a checkout, after \`npm run build\`).`;
}
