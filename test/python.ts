/**
 * python3 as this machine names it, resolved once to its interpreter (`sys.executable`): pyenv's
 * `python3` is a shell script that costs 0.4 s a start against 0.1 s for the interpreter itself, and
 * about four times that on a loaded host — a test checking 28 files one after another with the
 * auditors' checker (docs/verify_export.py) ran past its 60 s in a full run beside other work.
 * Where it cannot be resolved, `python3` as it is (the test then says it could not be started).
 */
import { spawnText } from './spawnText.js';

let resolved: Promise<string> | undefined;

export function python3(): Promise<string> {
  resolved ??= spawnText('python3', ['-c', 'import sys; print(sys.executable)']).then((ran) => {
    const path = ran.stdout.trim();
    return ran.status === 0 && path !== '' ? path : 'python3';
  });
  return resolved;
}
