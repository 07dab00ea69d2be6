/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, as `npm run bench --
 * --profile` writes for the mediator): where the samples went, by area
 * (package, project directory, Node internals, GC, idle), by function
 * (self time), and by function including callees (inclusive time).
 *
 * Usage: node dist/scripts/bench/profile-summary.js FILE.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
}

interface ProfileNode {
    readonly id: number;
    readonly callFrame: CallFrame;
    readonly children?: readonly number[];
}

interface CpuProfile {
    readonly nodes: readonly ProfileNode[];
    readonly samples: readonly number[];
    readonly timeDeltas: readonly number[];
    readonly startTime: number;
    readonly endTime: number;
}

/** Which part of the process a frame belongs to. */
export function areaOf(frame: CallFrame): string {
    const { url, functionName } = frame;
    if (url === '') {
        if (functionName === '(garbage collector)') return 'GC';
        if (functionName === '(idle)') return 'idle';
        if (functionName === '(program)') return 'native / program';
        if (functionName === '(root)') return 'root';
        return `native: ${functionName || '(anonymous)'}`;
    }
    const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//u.exec(url);
    if (modules !== null) return `package ${modules[1]}`;
    if (url.startsWith('node:')) return `node ${url.slice('node:'.length).split('/')[0]}`;
    const project = /\/dist\/((?:src|d2m|d2d|scripts)(?:\/[^/]+)?)\//u.exec(url);
    if (project !== null) return project[1]!;
    const projectFile = /\/dist\/((?:src|d2m|d2d|scripts)\/[^/]+)$/u.exec(url);
    if (projectFile !== null) return projectFile[1]!.replace(/\.js$/u, '');
    return url;
}

function frameKey(frame: CallFrame): string {
    const file = frame.url.replace(/^.*\/(node_modules|dist)\//u, '$1/');
    return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export interface ProfileSummary {
    readonly totalMs: number;
    readonly byArea: [string, number][];
    readonly selfByFunction: [string, number][];
    readonly inclusiveByFunction: [string, number][];
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
    const nodes = new Map<number, ProfileNode>();
    for (const node of profile.nodes) nodes.set(node.id, node);
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, index) => {
        selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
    });
    const byArea = new Map<string, number>();
    const selfByFunction = new Map<string, number>();
    const inclusive = new Map<string, number>();
    let totalUs = 0;
    const root = profile.nodes[0];
    // Iterative depth-first walk; each function counts once per stack (recursion is not double counted).
    const stack: { id: number; onPath: ReadonlySet<string> }[] =
        root === undefined ? [] : [{ id: root.id, onPath: new Set() }];
    const subtotal = new Map<number, number>();
    const order: { id: number; keys: string[] }[] = [];
    while (stack.length > 0) {
        const { id, onPath } = stack.pop()!;
        const node = nodes.get(id)!;
        const key = frameKey(node.callFrame);
        const self = selfUs.get(id) ?? 0;
        totalUs += self;
        const area = areaOf(node.callFrame);
        byArea.set(area, (byArea.get(area) ?? 0) + self);
        selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + self);
        const next = new Set(onPath);
        const fresh = !onPath.has(key);
        next.add(key);
        order.push({ id, keys: fresh ? [key] : [] });
        for (const child of node.children ?? []) stack.push({ id: child, onPath: next });
    }
    // Inclusive time: children are visited after their parents, so sum in reverse order.
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    for (let i = order.length - 1; i >= 0; i--) {
        const { id } = order[i]!;
        const total = (subtotal.get(id) ?? 0) + (selfUs.get(id) ?? 0);
        subtotal.set(id, total);
        const up = parent.get(id);
        if (up !== undefined) subtotal.set(up, (subtotal.get(up) ?? 0) + total);
    }
    for (const { id, keys } of order) {
        for (const key of keys) inclusive.set(key, (inclusive.get(key) ?? 0) + (subtotal.get(id) ?? 0));
    }
    const sorted = (map: Map<string, number>): [string, number][] =>
        [...map.entries()].map(([key, us]): [string, number] => [key, us / 1000]).sort((a, b) => b[1] - a[1]);
    return {
        totalMs: totalUs / 1000,
        byArea: sorted(byArea),
        selfByFunction: sorted(selfByFunction),
        inclusiveByFunction: sorted(inclusive).filter(([key]) => !key.startsWith('(root)')),
    };
}

function main(): void {
    const args = process.argv.slice(2);
    const file = args.find((arg) => !arg.startsWith('--'));
    const topIndex = args.indexOf('--top');
    const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
    if (file === undefined) throw new Error('usage: profile-summary.js FILE.cpuprofile [--top N]');
    const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const busyMs = summary.totalMs - (summary.byArea.find(([area]) => area === 'idle')?.[1] ?? 0);
    const pct = (ms: number, of: number): string => `${((100 * ms) / of).toFixed(1)}%`;
    console.log(`${file}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy\n`);
    console.log('| area | self ms | % of busy |\n|---|---:|---:|');
    for (const [area, ms] of summary.byArea.slice(0, top)) {
        if (area !== 'idle') console.log(`| ${area} | ${ms.toFixed(0)} | ${pct(ms, busyMs)} |`);
    }
    console.log('\n| function (self) | ms | % of busy |\n|---|---:|---:|');
    for (const [key, ms] of summary.selfByFunction.filter(([key]) => !key.startsWith('(idle)')).slice(0, top)) {
        console.log(`| ${key} | ${ms.toFixed(0)} | ${pct(ms, busyMs)} |`);
    }
    console.log('\n| function (inclusive) | ms | % of busy |\n|---|---:|---:|');
    for (const [key, ms] of summary.inclusiveByFunction.filter(([key]) => !key.startsWith('(idle)')).slice(0, top)) {
        console.log(`| ${key} | ${ms.toFixed(0)} | ${pct(ms, busyMs)} |`);
    }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
