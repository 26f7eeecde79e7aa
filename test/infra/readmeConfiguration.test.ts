/**
 * The README's "Configuration" table is what an operator sets: each variable it lists is one the
 * server reads (an empty value is refused, naming it), and the defaults it states are those the
 * server takes when the variable is unset.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config.js';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The table's rows: the variables a row names, and its default column. */
function configurationRows(): { variables: string[]; defaults: string }[] {
  const start = readme.indexOf('### Configuration');
  const section = readme.slice(start, readme.indexOf('\n#', start + 1));
  return section
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+`/.test(line))
    .map((line) => {
      const cells = line.split(' | ');
      return { variables: [...cells[0]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!), defaults: cells.at(-1)!.replace(/ \|$/, '') };
    });
}

describe('the README\'s configuration table', () => {
  it('given each variable it lists set empty, when the configuration is loaded, then it is refused naming that variable', () => {
    const variables = configurationRows().flatMap((row) => row.variables);
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'HOST', 'WORKFLOW_DATA_DIR', 'WORKFLOW_STORE', 'LOG_LEVEL']));
    for (const variable of variables) {
      expect(() => loadConfig({ [variable]: '' }), variable).toThrow(ConfigError);
      expect(() => loadConfig({ [variable]: '' }), variable).toThrow(new RegExp(`${variable}=?("")?：`));
    }
  });

  it('given no variable set, when the configuration is loaded, then the defaults are the ones the table states', () => {
    const config = loadConfig({});
    const stated = Object.fromEntries(configurationRows().map((row) => [row.variables.join(','), row.defaults]));
    expect(stated['PORT,HOST']).toBe(`\`${config.port}\`, \`${config.host}\``);
    // Held in full (from the project's folder, where npm runs every script): the table states it as typed.
    expect(stated['WORKFLOW_DATA_DIR']).toBe('`./data`');
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
    expect(stated['WORKFLOW_STORE']).toBe(`\`${config.store}\``);
    expect(stated['WORKFLOW_SQLITE_SYNCHRONOUS']).toBe(`\`${config.sqliteSynchronous}\``);
  });
});
