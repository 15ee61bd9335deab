/**
 * Every error a client is meant to read, whatever raised it (the token API's codes, the key store, the admin API,
 * record retrieval): it knows its HTTP status and its body, so one mapping (nest-kit's `describeFailure`) renders
 * them all in the API's shape. The body never carries a secret.
 */
export abstract class ApiError extends Error {
  /** The HTTP status of the answer. */
  abstract readonly status: number;

  /** `{"code":N,"message":"[N] …"}`: the spec's negative codes, or the HTTP status where no code of the API fits. */
  abstract toJSON(): { code: number; message: string };
}
