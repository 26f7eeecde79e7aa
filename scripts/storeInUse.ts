/**
 * Whether another connection — a running `npm start`, `npm run rebuild`, another demo — has the
 * embedded store open. In WAL mode every open connection keeps a SHARED lock on the database file,
 * so an EXCLUSIVE lock, asked for without waiting, is refused (SQLITE_BUSY) while one is open.
 */
import Database from 'better-sqlite3';

/** True when `file` (an existing events.db) is open elsewhere; false when it is not, or is no database to lock. */
export function storeInUse(file: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.exec('COMMIT');
    return false;
  } catch (err) {
    // Anything else (not a database, unreadable) is for the caller's next step to tell.
    if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY')) return true;
    return false;
  } finally {
    db?.close();
  }
}
