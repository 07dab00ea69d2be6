/**
 * Loads the configuration of `mediator serve` from its three sources and
 * validates it:
 *
 *   defaults  <  config file (--config / MEDIATOR_CONFIG)  <  environment  <  flags
 *
 * A later source overrides an earlier one setting by setting. The loader
 * reads no global state: the caller (src/main.ts) hands in the environment
 * and the parsed flags. Every problem, from parsing any source and from
 * validating the merged result, is reported in one ConfigError, each naming
 * where the bad value came from. Values of secret settings (URLs, the admin
 * token) are never repeated in messages.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { configProblems, mergeConfig, type ConfigOverrides } from './config.js';
import {
    CONFIG_FILE_ENV,
    settingEntries,
    settingOf,
    SETTINGS,
    type MediatorConfig,
    type SettingKey,
} from './schema.js';

export type ConfigOrigin = 'default' | 'file' | 'env' | 'flag';

export interface ConfigSources {
    /** Parsed command-line values by flag name (yargs argv); `undefined` means not given. */
    readonly flags?: Readonly<Record<string, unknown>>;
    /** The environment; an empty variable counts as unset. */
    readonly env?: Readonly<Record<string, string | undefined>>;
    /** Reads the config file (default: the file system, UTF-8). */
    readonly readFile?: (path: string) => string;
}

export interface LoadedConfig {
    readonly config: MediatorConfig;
    /** Where each setting's value came from. */
    readonly origins: Readonly<Record<SettingKey, ConfigOrigin>>;
    /** The config file read, if any. */
    readonly configFile: string | undefined;
    /** `MEDIATOR_*` environment variables that name no setting (typos, most likely); not an error. */
    readonly unknownEnvironment: readonly string[];
}

/** The flag naming the config file. */
export const CONFIG_FILE_FLAG = 'config';

export interface Layer {
    readonly origin: Exclude<ConfigOrigin, 'default'>;
    readonly values: Map<SettingKey, unknown>;
}

export interface CollectedSettings {
    readonly layers: readonly Layer[];
    readonly problems: string[];
    readonly configFile: string | undefined;
}

/** Merges defaults, config file, environment and flags; throws ConfigError listing every problem. */
export function loadConfig(sources: ConfigSources): LoadedConfig {
    const { layers, problems, configFile } = collectSettings(sources);
    const origins = Object.fromEntries(settingEntries().map(([key]) => [key, 'default'])) as Record<
        SettingKey,
        ConfigOrigin
    >;
    const values = new Map<SettingKey, unknown>();
    for (const layer of layers) {
        for (const [key, value] of layer.values) {
            values.set(key, value);
            origins[key] = layer.origin;
        }
    }
    const config = mergeConfig(toOverrides(values));
    for (const found of configProblems(config)) {
        const origin = found.key === undefined ? 'default' : origins[found.key];
        problems.push(
            origin === 'default' ? found.text : `${found.text} (${describeOrigin(found.key!, origin, configFile)})`,
        );
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return { config, origins, configFile, unknownEnvironment: unknownEnvironment(sources.env ?? {}) };
}

function unknownEnvironment(env: Readonly<Record<string, string | undefined>>): string[] {
    const known = new Set([CONFIG_FILE_ENV, ...settingEntries().map(([, setting]) => setting.env)]);
    return Object.keys(env)
        .filter((name) => name.startsWith('MEDIATOR_') && !known.has(name))
        .sort();
}

/**
 * Reads every source without validating the merged result: the values each
 * source gives (in merge order) and the problems of parsing them. Values
 * that do not parse are left out, so lower sources still apply.
 */
export function collectSettings(sources: ConfigSources): CollectedSettings {
    const flags = sources.flags ?? {};
    const env = sources.env ?? {};
    const problems: string[] = [];
    const layers: Layer[] = [];
    const fromFlag = flags[CONFIG_FILE_FLAG];
    const configFile = typeof fromFlag === 'string' && fromFlag !== '' ? fromFlag : nonEmpty(env[CONFIG_FILE_ENV]);
    if (configFile !== undefined) {
        layers.push({ origin: 'file', values: readConfigFile(configFile, sources.readFile ?? readUtf8, problems) });
    }
    layers.push({ origin: 'env', values: readEnvironment(env, problems) });
    layers.push({ origin: 'flag', values: readFlags(flags, problems) });
    return { layers, problems, configFile };
}

function readUtf8(path: string): string {
    return readFileSync(path, 'utf8');
}

function nonEmpty(value: string | undefined): string | undefined {
    return value === undefined || value.trim() === '' ? undefined : value;
}

function describeOrigin(key: SettingKey, origin: ConfigOrigin, configFile: string | undefined): string {
    const setting = settingOf(key);
    switch (origin) {
        case 'flag':
            return `from --${setting.flag}`;
        case 'env':
            return `from ${setting.env}`;
        case 'file':
            return `from ${configFile ?? 'the config file'}`;
        case 'default':
            return 'the default';
        default:
            return origin satisfies never;
    }
}

function toOverrides(values: ReadonlyMap<SettingKey, unknown>): ConfigOverrides {
    const top: Record<string, unknown> = {};
    const policy: Record<string, unknown> = {};
    for (const [key, value] of values) {
        if (key.startsWith('policy.')) policy[key.slice('policy.'.length)] = value;
        else top[key] = value;
    }
    // Each value has its setting's type (checked while parsing); ranges are checked by configProblems.
    return { ...top, policy };
}

/** `, got <value>` for a message, or nothing when the setting is secret. */
function got(key: SettingKey, value: unknown): string {
    return settingOf(key).secret === true ? '' : `, got ${JSON.stringify(value)}`;
}

const INTEGER_TEXT = /^\s*\+?\d+\s*$/u;

function readEnvironment(
    env: Readonly<Record<string, string | undefined>>,
    problems: string[],
): Map<SettingKey, unknown> {
    const values = new Map<SettingKey, unknown>();
    for (const [key, setting] of settingEntries()) {
        const raw = nonEmpty(env[setting.env]);
        if (raw === undefined) continue;
        if (setting.type === 'integer') {
            if (INTEGER_TEXT.test(raw)) values.set(key, Number(raw));
            else problems.push(`${setting.env} must be a whole number${got(key, raw)}`);
        } else {
            values.set(key, raw);
        }
    }
    return values;
}

function readFlags(flags: Readonly<Record<string, unknown>>, problems: string[]): Map<SettingKey, unknown> {
    const values = new Map<SettingKey, unknown>();
    for (const [key, setting] of settingEntries()) {
        let raw = flags[setting.flag];
        // A repeated flag: the last one wins.
        if (Array.isArray(raw)) raw = raw.at(-1) as unknown;
        if (raw === undefined) continue;
        if (setting.type === 'integer') {
            if (typeof raw === 'number' && !Number.isNaN(raw)) values.set(key, raw);
            else if (typeof raw === 'string' && INTEGER_TEXT.test(raw)) values.set(key, Number(raw));
            else problems.push(`--${setting.flag} must be a whole number`);
        } else if (typeof raw === 'string' || typeof raw === 'number') {
            values.set(key, String(raw));
        } else {
            problems.push(`--${setting.flag} must be given a value`);
        }
    }
    return values;
}

/** Setting keys by the names people may mistake for them (flags, env vars, policy fields). */
function hintFor(name: string): string {
    for (const [key, setting] of settingEntries()) {
        if (name === setting.flag || name === setting.env || name === key.replace('policy.', '')) {
            return ` (did you mean ${key.startsWith('policy.') ? `"policy": { "${key.slice(7)}": ... }` : `"${key}"`}?)`;
        }
    }
    return '';
}

function readConfigFile(
    path: string,
    readFile: (path: string) => string,
    problems: string[],
): Map<SettingKey, unknown> {
    const values = new Map<SettingKey, unknown>();
    let document: unknown;
    try {
        document = JSON.parse(readFile(path));
    } catch (error) {
        const code = (error as { code?: unknown }).code;
        problems.push(
            typeof code === 'string'
                ? `config file ${path}: cannot read it (${code})`
                : `config file ${path}: not valid JSON (${error instanceof Error ? error.message : 'parse error'})`,
        );
        return values;
    }
    if (!isObject(document)) {
        problems.push(`config file ${path}: must hold a JSON object of settings`);
        return values;
    }
    const take = (key: string, value: unknown): void => {
        if (!(key in SETTINGS)) {
            problems.push(`config file ${path}: unknown setting "${key}"${hintFor(key.replace(/^policy\./u, ''))}`);
            return;
        }
        const settingKey = key as SettingKey;
        if (value === null) return;
        const wanted = settingOf(settingKey).type;
        const ok = wanted === 'integer' ? typeof value === 'number' : typeof value === 'string';
        if (ok) values.set(settingKey, value);
        else {
            const expected = wanted === 'integer' ? 'a number' : 'a string';
            problems.push(`config file ${path}: ${key} must be ${expected}${got(settingKey, value)}`);
        }
    };
    for (const [name, value] of Object.entries(document)) {
        if (name === 'policy') {
            if (!isObject(value)) {
                problems.push(`config file ${path}: policy must be an object of slot-policy settings`);
                continue;
            }
            for (const [field, fieldValue] of Object.entries(value)) take(`policy.${field}`, fieldValue);
        } else if (name.includes('.')) {
            // Slot-policy settings are nested under "policy", as in MediatorConfig.
            problems.push(`config file ${path}: unknown setting "${name}"${hintFor(name.replace(/^policy\./u, ''))}`);
        } else {
            take(name, value);
        }
    }
    return values;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
