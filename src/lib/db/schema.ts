/**
 * The typed schema of the whole database, as Kysely sees it.
 *
 * Each capability owns its tables and declares their row types in its own folder;
 * this interface gathers them so that one Kysely instance is typed end to end.
 */
export interface AppMetaTable {
  key: string;
  value: string;
}

export interface Database {
  app_meta: AppMetaTable;
}
