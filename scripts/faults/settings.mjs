// The fault suite's bounds and the app settings it runs the apps with. The setting names are those of the apps'
// config classes (packages/nest-kit/src/config/common-config.ts); an app ignores a name it does not know, so a
// renamed setting shows as a failing check, not as a crash: keep these names in step with the config classes.

/** HTTP: the longest a request (headers and body) and its headers may take before the app closes the connection. */
export const HTTP_REQUEST_TIMEOUT = { name: 'HTTP_REQUEST_TIMEOUT_MS', ms: 3000 };
export const HTTP_HEADERS_TIMEOUT = { name: 'HTTP_HEADERS_TIMEOUT_MS', ms: 2000 };

/** Database: how long the apps wait for a connection and for a statement before answering 503. */
export const DATABASE_SETTINGS = {
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  DATABASE_ACQUIRE_TIMEOUT_MS: '1000',
  DATABASE_STATEMENT_TIMEOUT_MS: '1500',
};

/** A request during a database fault must be answered within this (the apps' own timeouts plus slack). */
export const ANSWER_WITHIN_MS = 5000;
/** GET /health/ready during a database fault must answer 503 within this. */
export const READY_WITHIN_MS = 1000;
/** After the database is back, the apps must serve again within this, without being restarted. */
export const RECOVERY_WITHIN_MS = 15_000;
/** The client gives up on any one request after this: beyond ANSWER_WITHIN_MS, so that a slow answer is seen as slow. */
export const CLIENT_TIMEOUT_MS = 12_000;

/** The load of the database-restart and kill -9 scenarios: concurrent clients, and how long. */
export const LOAD_CLIENTS = 8;
export const LOAD_MS = 6000;

/** Credits of the suite's account: far more than the load can spend. */
export const ACCOUNT_CREDITS = 1_000_000;
