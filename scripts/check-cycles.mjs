#!/usr/bin/env node
// Fails when the TypeScript sources import each other in a cycle, type-only
// imports and re-exports included: a cycle of types still ties the files'
// meanings together, and it becomes a runtime cycle as soon as one of the
// imports carries a value. Reads every .ts file under the given folders
// (default: d2m, d2d, src, test, scripts), follows relative `import`,
// `export ... from` and `import()` specifiers through the TypeScript
// parser, and prints each cycle as a chain of files. Exit 1 on a cycle.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const folders = process.argv.length > 2 ? process.argv.slice(2) : ['d2m', 'd2d', 'src', 'test', 'scripts'];
const SKIP = new Set(['node_modules', 'dist', 'generated']);

function listSources(folder) {
    const files = [];
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (SKIP.has(entry.name)) continue;
        const path = join(folder, entry.name);
        if (entry.isDirectory()) files.push(...listSources(path));
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
    return files;
}

function resolveSpecifier(from, specifier) {
    if (!specifier.startsWith('.')) return undefined;
    const base = resolve(dirname(from), specifier);
    const candidates = [base.replace(/\.js$/u, '.ts'), `${base}.ts`, join(base, 'index.ts')];
    return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function importsOf(file) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    const specifiers = [];
    const visit = (node) => {
        if (
            (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
            node.moduleSpecifier !== undefined &&
            ts.isStringLiteral(node.moduleSpecifier)
        ) {
            specifiers.push(node.moduleSpecifier.text);
        } else if (
            ts.isCallExpression(node) &&
            node.expression.kind === ts.SyntaxKind.ImportKeyword &&
            node.arguments[0] !== undefined &&
            ts.isStringLiteral(node.arguments[0])
        ) {
            specifiers.push(node.arguments[0].text);
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
            const literal = node.argument.literal;
            if (ts.isStringLiteral(literal)) specifiers.push(literal.text);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return specifiers.map((specifier) => resolveSpecifier(file, specifier)).filter((target) => target !== undefined);
}

const files = folders.flatMap((folder) => listSources(resolve(root, folder)));
const graph = new Map(files.map((file) => [file, [...new Set(importsOf(file))]]));

// Tarjan's strongly connected components: every component of more than one file (or a file importing itself) is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const components = [];
function connect(file) {
    const entry = { index, low: index, onStack: true };
    index++;
    state.set(file, entry);
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
        const seen = state.get(target);
        if (seen === undefined) {
            connect(target);
            entry.low = Math.min(entry.low, state.get(target).low);
        } else if (seen.onStack) {
            entry.low = Math.min(entry.low, seen.index);
        }
    }
    if (entry.low === entry.index) {
        const component = [];
        let member;
        do {
            member = stack.pop();
            state.get(member).onStack = false;
            component.push(member);
        } while (member !== file);
        if (component.length > 1 || (graph.get(file) ?? []).includes(file)) components.push(component);
    }
}
for (const file of graph.keys()) if (!state.has(file)) connect(file);

/** One shortest chain from `start` back to itself inside its component, for the message. */
function chainOf(component) {
    const members = new Set(component);
    const start = [...component].sort()[0];
    const previous = new Map([[start, undefined]]);
    const queue = [start];
    while (queue.length > 0) {
        const file = queue.shift();
        for (const target of graph.get(file) ?? []) {
            if (!members.has(target)) continue;
            if (target === start) {
                const chain = [start];
                for (let at = file; at !== start && at !== undefined; at = previous.get(at)) chain.splice(1, 0, at);
                return [...chain, start];
            }
            if (!previous.has(target)) {
                previous.set(target, file);
                queue.push(target);
            }
        }
    }
    return [start, start];
}

if (components.length === 0) {
    console.log(`no import cycles in ${graph.size} files`);
} else {
    console.error(`${components.length} import cycle(s), type-only imports included:`);
    for (const component of components) {
        console.error(
            `  ${chainOf(component)
                .map((file) => relative(root, file))
                .join(' -> ')}`,
        );
        if (component.length > 2) console.error(`    (${component.length} files in this cycle group)`);
    }
    process.exitCode = 1;
}
