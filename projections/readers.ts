import Database from 'better-sqlite3';
import { SQLITE_MMAP_BYTES } from '../eventstore/sqlite.js';
import type { Db } from './runner.js';

/**
 * Read-only connections to the read models' file, for reports made in turns: one to a report, as
 * long as it takes (its read transaction and open statement keep the connection to itself); a few
 * kept for the next reports. At most `OPEN` are open at once: a report beyond them waits its turn,
 * so that supervisors pulling reports together cannot take every file descriptor of the process.
 */
export class Readers {
  static readonly KEPT = 2;
  static readonly OPEN = 4;
  readonly #file: string;
  readonly #idle: Db[] = [];
  /** Reports waiting for a connection, first come first served. */
  readonly #waiting: ((db: Db | undefined) => void)[] = [];
  #open = 0;
  #closed = false;

  constructor(file: string) {
    this.#file = file;
  }

  async take(): Promise<Db> {
    const kept = this.#idle.pop();
    if (kept) return kept;
    if (this.#open >= Readers.OPEN) {
      const given = await new Promise<Db | undefined>((resolve) => this.#waiting.push(resolve));
      if (given) return given;
    }
    const db = new Database(this.#file, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
    } catch (err) {
      db.close();
      throw err;
    }
    this.#open++;
    return db;
  }

  give(db: Db): void {
    const next = this.#waiting.shift();
    if (next && !this.#closed) return next(db);
    if (this.#closed || this.#idle.length >= Readers.KEPT) {
      db.close();
      this.#open--;
      // A report that waited opens a connection of its own in the place this one leaves.
      next?.(undefined);
    } else this.#idle.push(db);
  }

  close(): void {
    this.#closed = true;
    for (const db of this.#idle.splice(0)) {
      db.close();
      this.#open--;
    }
    for (const waiting of this.#waiting.splice(0)) waiting(undefined);
  }
}
