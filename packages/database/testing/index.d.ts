export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}
export function cloneTestDatabase(): Promise<TestDatabase>;
export function withDatabase(url: string, database: string): string;
