import type Database from 'better-sqlite3';

/** Every read-model table's rows, in a canonical order (the event log and checkpoints left out). */
export function dumpReadModels(db: Database.Database): Record<string, string[]> {
  const tables = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('events', 'projection_checkpoints') ORDER BY name",
    )
    .all()
    .map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all().map((row) => JSON.stringify(row)).sort()]));
}
