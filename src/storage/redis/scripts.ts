/**
 * The Lua scripts of the Redis storage: read from `lua/*.lua` next to the
 * compiled code at start-up, checked, registered with SCRIPT LOAD under a
 * versioned name (`<name>@<sha1 prefix>`), and run with EVALSHA. When Redis
 * has lost its script cache (restart, failover, SCRIPT FLUSH) the NOSCRIPT
 * reply makes the runner fall back to EVAL, which caches the script again.
 * That EVAL is a second command, sent after every command issued since the
 * first: a caller that relies on the order of its calls says when the
 * fall-back is allowed (`RunOptions.evalOnNoScript`).
 *
 * Each script binds every `KEYS[i]` and `ARGV[i]` to a named local at the
 * top, one per line; the loader checks that and derives the arity, so a
 * wrapper passing the wrong number of keys or arguments fails loudly.
 * `--@include lib/<file>.lua` lines are replaced by the shared helper file.
 * A script that takes a variable number of sections instead declares
 * `--@sections K A` (K keys and A arguments per section) and binds the
 * whole `KEYS` and `ARGV` tables; a call must pass whole sections.
 *
 * Replies: an array whose first element is a status (status-codes.ts);
 * negative statuses become `StorageError`s here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisArgument } from 'redis';
import { StorageError } from '../../errors.js';
import { redisCall, replyArray, replyInteger, replyText, type RedisCommander } from './redis-client.js';
import { DOMAIN_STATUSES, scriptFailure, type ScriptStatus } from './status-codes.js';

export const SCRIPT_NAMES = [
    'slot-add',
    'slot-remove',
    'reflect-append',
    'reflect-append-multi',
    'reflect-release',
    'held-stale',
    'reflect-ack',
    'reflect-ack-multi',
    'queue-read',
    'queue-stats',
    'presence-register',
    'presence-unregister',
    'presence-update',
    'presence-eligible',
    'presence-eligible-multi',
    'presence-leave',
    'login-register',
    'login-register-multi',
    'presence-renew',
    'lock-begin',
    'lock-end',
    'leader-elect',
    'node-claim',
    'node-release',
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface LuaScript {
    readonly name: ScriptName;
    /** `<name>@<first 12 hex digits of the SHA1>`, for logs and errors. */
    readonly versionedName: string;
    /** The source as sent to Redis (includes expanded). */
    readonly source: string;
    readonly sha: string;
    /** Keys and arguments of a call, or of each section (`sectioned`). */
    readonly keyCount: number;
    readonly argCount: number;
    /** Whether a call passes any number (at least one) of sections of keyCount keys and argCount arguments. */
    readonly sectioned: boolean;
}

export interface ScriptReply {
    /** A domain outcome (failures were thrown). */
    readonly status: ScriptStatus;
    /** The reply elements after the status. */
    readonly values: readonly unknown[];
}

export interface RunOptions {
    /**
     * Asked on a NOSCRIPT reply: true (the default) runs the script again
     * with EVAL; false fails the call with a retryable `StorageError` (the
     * script is loaded again in the background for later calls).
     */
    readonly evalOnNoScript?: () => boolean;
}

const DEFAULT_DIRECTORY = new URL('./lua/', import.meta.url);
const INCLUDE_LINE = /^--@include (\S+)[ \t]*$/gmu;
const SECTIONS_LINE = /^--@sections (\d+) (\d+)[ \t]*$/mu;
const BINDING_LINE = /^local \w+ = .*\b(KEYS|ARGV)\[(\d+)\]/u;
const REFERENCE = /\b(KEYS|ARGV)\[/gu;
const BLOCK_COMMENT = /--\[\[[\s\S]*?\]\]/gu;
const LINE_COMMENT = /--.*$/u;

function readScript(directory: URL, name: ScriptName): LuaScript {
    const raw = readFileSync(new URL(`${name}.lua`, directory), 'utf8');
    const source = raw.replace(INCLUDE_LINE, (_line, path: string) => {
        if (!/^lib\/[\w-]+\.lua$/u.test(path)) throw new Error(`${name}.lua: bad include ${path}`);
        return readFileSync(new URL(path, directory), 'utf8');
    });
    const bound = { KEYS: new Set<number>(), ARGV: new Set<number>() };
    let references = 0;
    const code = source.replace(BLOCK_COMMENT, '');
    for (const line of code.split('\n')) {
        const matches = line.replace(LINE_COMMENT, '').match(REFERENCE)?.length ?? 0;
        if (matches === 0) continue;
        const binding = BINDING_LINE.exec(line);
        if (binding === null || matches !== 1) {
            throw new Error(`${name}.lua: KEYS/ARGV may only be used in a top-level local binding: ${line}`);
        }
        bound[binding[1] as 'KEYS' | 'ARGV'].add(Number(binding[2]));
        references += 1;
    }
    let keyCount = contiguous(name, 'KEYS', bound.KEYS);
    let argCount = contiguous(name, 'ARGV', bound.ARGV);
    if (references !== keyCount + argCount) throw new Error(`${name}.lua: KEYS/ARGV bound more than once`);
    const sections = SECTIONS_LINE.exec(source);
    if (sections !== null) {
        if (references !== 0) throw new Error(`${name}.lua: a sectioned script binds KEYS and ARGV whole`);
        keyCount = Number(sections[1]);
        argCount = Number(sections[2]);
        if (keyCount === 0) throw new Error(`${name}.lua: a section needs at least one key`);
    }
    const sha = createHash('sha1').update(source).digest('hex');
    return {
        name,
        versionedName: `${name}@${sha.slice(0, 12)}`,
        source,
        sha,
        keyCount,
        argCount,
        sectioned: sections !== null,
    };
}

function contiguous(name: string, kind: string, indices: ReadonlySet<number>): number {
    for (let index = 1; index <= indices.size; index++) {
        if (!indices.has(index)) throw new Error(`${name}.lua: ${kind}[${index}] is not bound`);
    }
    return indices.size;
}

function isNoScript(error: unknown): boolean {
    return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

export class LuaScripts {
    readonly #scripts: ReadonlyMap<ScriptName, LuaScript>;

    private constructor(scripts: ReadonlyMap<ScriptName, LuaScript>) {
        this.#scripts = scripts;
    }

    /** Reads and checks every script; throws when one is missing or malformed. */
    public static read(directory: URL = DEFAULT_DIRECTORY): LuaScripts {
        const scripts = new Map<ScriptName, LuaScript>();
        for (const name of SCRIPT_NAMES) {
            try {
                scripts.set(name, readScript(directory, name));
            } catch (error) {
                throw new StorageError(`cannot load Lua script ${name}`, { cause: error, retryable: false });
            }
        }
        return new LuaScripts(scripts);
    }

    /**
     * Reads the scripts and registers them with Redis, which also compiles
     * them (a syntax error fails here). In a cluster every master needs
     * them; a master that joins or restarts later gets them through the
     * NOSCRIPT fallback of `run`.
     */
    public static async load(
        targets: RedisCommander | readonly RedisCommander[],
        directory?: URL,
    ): Promise<LuaScripts> {
        const scripts = LuaScripts.read(directory);
        const clients: readonly RedisCommander[] = 'sendCommand' in targets ? [targets] : targets;
        const loads = clients.flatMap((client) =>
            [...scripts.#scripts.values()].map(async (script) => {
                const sha = await redisCall(`SCRIPT LOAD ${script.versionedName}`, () =>
                    client.sendCommand(['SCRIPT', 'LOAD', script.source]),
                );
                if (replyText(sha, 'SCRIPT LOAD') !== script.sha) {
                    throw new StorageError(`Redis computed another SHA1 for ${script.versionedName}`, {
                        retryable: false,
                    });
                }
            }),
        );
        // Pipelined; the first failure is reported once all have settled.
        const failure = (await Promise.allSettled(loads)).find((result) => result.status === 'rejected');
        if (failure !== undefined) throw failure.reason;
        return scripts;
    }

    /**
     * Registers every script again without waiting; for a connection that
     * is ready again after a reconnect (a restarted or failed-over Redis has
     * an empty script cache). Sent before anything else on the connection,
     * the SCRIPT LOADs run first, so no EVALSHA sent after them gets
     * NOSCRIPT (its EVAL fall-back would be sent behind later commands).
     * Failures are ignored: `run` still falls back where it may.
     */
    public reloadInto(client: RedisCommander): void {
        for (const script of this.#scripts.values()) {
            client.sendCommand(['SCRIPT', 'LOAD', script.source]).catch(() => undefined);
        }
    }

    public get(name: ScriptName): LuaScript {
        const script = this.#scripts.get(name);
        if (script === undefined) throw new StorageError(`unknown Lua script ${name}`, { retryable: false });
        return script;
    }

    public all(): readonly LuaScript[] {
        return [...this.#scripts.values()];
    }

    /** Runs a script (EVALSHA, EVAL on NOSCRIPT) and checks its status. */
    public async run(
        client: RedisCommander,
        name: ScriptName,
        keys: readonly string[],
        args: readonly RedisArgument[],
        options: RunOptions = {},
    ): Promise<ScriptReply> {
        const script = this.get(name);
        const sections = script.sectioned ? keys.length / script.keyCount : 1;
        if (
            !Number.isSafeInteger(sections) ||
            sections < 1 ||
            keys.length !== sections * script.keyCount ||
            args.length !== sections * script.argCount
        ) {
            const per = script.sectioned ? ' per section' : '';
            throw new StorageError(
                `${script.versionedName} takes ${script.keyCount} keys and ${script.argCount} arguments${per}, ` +
                    `got ${keys.length} and ${args.length}`,
                { retryable: false },
            );
        }
        const tail: RedisArgument[] = [String(keys.length), ...keys, ...args];
        const reply = await redisCall(script.versionedName, async () => {
            try {
                return await client.sendCommand(['EVALSHA', script.sha, ...tail]);
            } catch (error) {
                if (!isNoScript(error)) throw error;
                if (options.evalOnNoScript?.() === false) {
                    client.sendCommand(['SCRIPT', 'LOAD', script.source]).catch(() => undefined);
                    throw new StorageError(`${script.versionedName} is not in the Redis script cache`, {
                        retryable: true,
                    });
                }
                return await client.sendCommand(['EVAL', script.source, ...tail]);
            }
        });
        return this.reply(name, reply);
    }

    /**
     * A script's reply checked as `run` checks it: its status, negative
     * ones thrown as `StorageError`s. Also for the reply a sectioned script
     * gives for one of its sections in the form of `name`.
     */
    public reply(name: ScriptName, reply: unknown): ScriptReply {
        const script = this.get(name);
        const elements = replyArray(reply, script.versionedName);
        const status = replyInteger(elements[0], `${script.versionedName} status`);
        if (!DOMAIN_STATUSES.has(status)) {
            const detail = elements[1] === undefined ? undefined : replyText(elements[1], 'detail');
            throw scriptFailure(script.versionedName, status, detail);
        }
        return { status, values: elements.slice(1) };
    }
}
