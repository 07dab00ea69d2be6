/**
 * The yargs options of `mediator serve`, generated from the settings table:
 * one option per setting, grouped by section, each described with its unit,
 * environment variable and default. No option has a yargs default, so the
 * loader can tell a given flag from an absent one (defaults come from
 * schema.ts and apply below the config file and the environment).
 */
import type { Argv, Options } from 'yargs';
import { CONFIG_FILE_FLAG } from './load.js';
import { CONFIG_FILE_ENV, describeDefault, settingEntries, settingOf, type SettingKey } from './schema.js';

/** The option of one setting, as yargs takes it. */
export function settingOption(key: SettingKey): Options {
    const setting = settingOf(key);
    const choices = setting.choices === undefined ? '' : ` (${setting.choices.join(', ')})`;
    return {
        type: setting.type === 'integer' ? 'number' : 'string',
        requiresArg: true,
        group: `${setting.section}:`,
        describe: `${setting.description}${choices} [${setting.unit}] (env ${setting.env})`,
        defaultDescription: describeDefault(setting),
    };
}

/** Adds every setting of the table, plus `--config`, to a command. */
export function withSettingOptions<T>(command: Argv<T>): Argv<T> {
    let result = command.option(CONFIG_FILE_FLAG, {
        type: 'string',
        requiresArg: true,
        group: 'Configuration:',
        describe:
            'JSON file of settings (names as in docs/configuration.md); environment and flags override it ' +
            `[file] (env ${CONFIG_FILE_ENV})`,
    });
    for (const [key] of settingEntries()) result = result.option(settingOf(key).flag, settingOption(key));
    return result;
}
