/** The configuration a command-line entry point runs with. */
import { ConfigError, loadConfig, type Config } from '../infra/config.js';

/**
 * Loads the configuration; a wrong setting is told plainly — each variable and what it should be,
 * without a stack trace — after `prefix`, and ends the process with `exitCode`.
 */
export function configOrExit(prefix = '', exitCode = 2): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${prefix}${err.message}\n`);
    process.exit(exitCode);
  }
}
