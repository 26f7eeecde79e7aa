import Database from 'better-sqlite3';

/**
 * Opens what `open` opens while the SQLite store's set-up of its background checkpointer fails after
 * the worker is made: `journal_size_limit`, the last pragma it sets, throws (as a disk error would).
 */
export async function withCheckpointerSetUpFailing<T>(open: () => T | Promise<T>): Promise<T> {
  const pragma = Database.prototype.pragma;
  Database.prototype.pragma = function (this: Database.Database, source: string, options?: Database.PragmaOptions) {
    if (source.startsWith('journal_size_limit')) throw new Error('disk I/O error');
    return pragma.call(this, source, options);
  } as typeof pragma;
  try {
    return await open();
  } finally {
    Database.prototype.pragma = pragma;
  }
}
