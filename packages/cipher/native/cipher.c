/*
 * One-shot AES and HMAC on the OpenSSL that Node itself links (its headers ship with Node, its symbols are
 * exported by the node binary). Why: every createCipheriv/createHmac in Node builds a JS stream object with a
 * native handle that the garbage collector must later trace and finalize; a license needs five or six of them,
 * each costing 2-3 us plus GC work, where the cipher work itself is well under a microsecond. These calls create no
 * object: they read the caller's buffers, write into a caller's buffer and return.
 *
 * Each JavaScript environment (the main thread, each worker) gets its own state: the algorithms fetched from the
 * provider once, and one context per algorithm that every call re-keys. A fresh context per call, with its
 * implicit fetch, cost more than the work on a block or two. A context keeps the last key schedule it was given
 * until the next call; it is cleansed when the environment goes away.
 *
 * Every function checks its arguments' types and lengths before touching memory and throws a TypeError or
 * RangeError otherwise.
 */
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <limits.h>
#include <string.h>

#define MAX_ARGS 7

typedef struct {
  unsigned char *data;
  size_t length;
} bytes_t;

static int read_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc != expected) {
    napi_throw_type_error(env, NULL, "wrong number of arguments");
    return 0;
  }
  return 1;
}

static int read_bytes(napi_env env, napi_value value, bytes_t *out, const char *name) {
  bool is_buffer = false;
  void *data = NULL;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, value, &data, &out->length) != napi_ok || out->length > INT_MAX) {
    napi_throw_type_error(env, NULL, name);
    return 0;
  }
  /* An empty Buffer may have a NULL data pointer; OpenSSL wants a valid one even for zero bytes. */
  static unsigned char empty[1];
  out->data = data ? (unsigned char *)data : empty;
  return 1;
}

static int read_int(napi_env env, napi_value value, int32_t *out, const char *name) {
  if (napi_get_value_int32(env, value, out) != napi_ok) {
    napi_throw_type_error(env, NULL, name);
    return 0;
  }
  return 1;
}

/*
 * An OpenSSL failure: its error queue is emptied before the exception, so that nothing is left on the thread's queue
 * for node:crypto's next operation to find.
 */
static void openssl_failed(napi_env env, const char *message) {
  ERR_clear_error();
  napi_throw_error(env, NULL, message);
}

static napi_value boolean(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

enum { AES128_ECB, AES128_CBC, AES256_ECB, AES256_CBC, AES256_GCM, CIPHERS };
enum { HMAC_SHA1, HMAC_SHA256, HMAC_SHA512, MACS };
static const char *const cipher_names[CIPHERS] = {"AES-128-ECB", "AES-128-CBC", "AES-256-ECB", "AES-256-CBC", "AES-256-GCM"};
static const char *const digest_names[MACS] = {"SHA1", "SHA256", "SHA512"};
static const size_t digest_sizes[MACS] = {20, 32, 64};

typedef struct {
  EVP_CIPHER *ciphers[CIPHERS];
  /* Bound to its cipher by the first call; later calls pass a NULL cipher and only change key, IV, direction. */
  EVP_CIPHER_CTX *cipher_ctx[CIPHERS];
  int cipher_bound[CIPHERS];
  EVP_MAC *hmac;
  EVP_MAC_CTX *mac_ctx[MACS];
} state_t;

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  state_t *state = data;
  for (int i = 0; i < CIPHERS; i++) {
    EVP_CIPHER_CTX_free(state->cipher_ctx[i]);
    EVP_CIPHER_free(state->ciphers[i]);
  }
  for (int i = 0; i < MACS; i++) EVP_MAC_CTX_free(state->mac_ctx[i]);
  EVP_MAC_free(state->hmac);
  OPENSSL_free(state);
}

static state_t *new_state(void) {
  state_t *state = OPENSSL_zalloc(sizeof *state);
  if (!state) return NULL;
  int ok = (state->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL;
  for (int i = 0; ok && i < CIPHERS; i++) {
    ok = (state->ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL)) && (state->cipher_ctx[i] = EVP_CIPHER_CTX_new());
  }
  for (int i = 0; ok && i < MACS; i++) {
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest_names[i], 0), OSSL_PARAM_construct_end()};
    ok = (state->mac_ctx[i] = EVP_MAC_CTX_new(state->hmac)) && EVP_MAC_CTX_set_params(state->mac_ctx[i], params);
  }
  if (!ok) {
    free_state(NULL, state, NULL);
    return NULL;
  }
  return state;
}

static state_t *get_state(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok || !data) {
    napi_throw_error(env, NULL, "cipher addon state missing");
    return NULL;
  }
  return data;
}

/* The context of cipher `which`, initialised for key, iv and direction, without padding; NULL on failure. */
static EVP_CIPHER_CTX *keyed(state_t *state, int which, const unsigned char *key, const unsigned char *iv, int encrypt) {
  EVP_CIPHER_CTX *ctx = state->cipher_ctx[which];
  const EVP_CIPHER *cipher = state->cipher_bound[which] ? NULL : state->ciphers[which];
  if (!EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt, NULL) || !EVP_CIPHER_CTX_set_padding(ctx, 0)) return NULL;
  state->cipher_bound[which] = 1;
  return ctx;
}

/* aes(out, mode, encrypt, key, iv, data): ECB (mode 0, iv ignored) or CBC (mode 1) without padding. */
static napi_value aes(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, key, iv, data;
  int32_t mode, encrypt;
  state_t *state = get_state(env);
  if (!state || !read_args(env, info, 6, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_int(env, argv[1], &mode, "mode must be 0 or 1") || !read_int(env, argv[2], &encrypt, "encrypt must be 0 or 1") ||
      !read_bytes(env, argv[3], &key, "key must be a Buffer") || !read_bytes(env, argv[4], &iv, "iv must be a Buffer") ||
      !read_bytes(env, argv[5], &data, "data must be a Buffer")) {
    return NULL;
  }
  if ((mode != 0 && mode != 1) || (encrypt != 0 && encrypt != 1) || (key.length != 16 && key.length != 32)) {
    napi_throw_range_error(env, NULL, "AES needs mode 0 or 1, encrypt 0 or 1 and a 16- or 32-byte key");
    return NULL;
  }
  if ((mode == 1 && iv.length != 16) || data.length % 16 != 0 || out.length < data.length) {
    napi_throw_range_error(env, NULL, "AES needs a 16-byte IV (CBC), whole blocks and room for them");
    return NULL;
  }
  int which = key.length == 16 ? (mode ? AES128_CBC : AES128_ECB) : (mode ? AES256_CBC : AES256_ECB);
  EVP_CIPHER_CTX *ctx = keyed(state, which, key.data, mode ? iv.data : NULL, encrypt);
  int written = 0;
  if (!ctx || !EVP_CipherUpdate(ctx, out.data, &written, data.data, (int)data.length)) openssl_failed(env, "AES failed");
  return NULL;
}

/* cbcMac(out16, key16, data): the last block of AES-128-CBC over data (whole blocks) from a zero IV. */
static napi_value cbc_mac(napi_env env, napi_callback_info info) {
  static const unsigned char zero_iv[16];
  napi_value argv[MAX_ARGS];
  bytes_t out, key, data;
  state_t *state = get_state(env);
  if (!state || !read_args(env, info, 3, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_bytes(env, argv[1], &key, "key must be a Buffer") || !read_bytes(env, argv[2], &data, "data must be a Buffer")) {
    return NULL;
  }
  if (out.length < 16 || key.length != 16 || data.length == 0 || data.length % 16 != 0) {
    napi_throw_range_error(env, NULL, "CBC-MAC needs a 16-byte key, whole blocks and 16 bytes of room");
    return NULL;
  }
  unsigned char scratch[1024];
  EVP_CIPHER_CTX *ctx = keyed(state, AES128_CBC, key.data, zero_iv, 1);
  int ok = ctx != NULL;
  for (size_t at = 0; ok && at < data.length; at += sizeof scratch) {
    size_t chunk = data.length - at < sizeof scratch ? data.length - at : sizeof scratch;
    int written = 0;
    ok = EVP_CipherUpdate(ctx, scratch, &written, data.data + at, (int)chunk) && (size_t)written == chunk;
    if (ok && at + chunk == data.length) memcpy(out.data, scratch + chunk - 16, 16);
  }
  OPENSSL_cleanse(scratch, sizeof scratch);
  if (!ok) openssl_failed(env, "CBC-MAC failed");
  return NULL;
}

/*
 * gcm(out, encrypt, key32, iv12, aad, data, tag16): AES-256-GCM. Encrypting writes the tag into `tag`; decrypting
 * checks it and returns false (what it wrote to `out` is then not to be used) when it does not match.
 */
static napi_value gcm(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, key, iv, aad, data, tag;
  int32_t encrypt;
  state_t *state = get_state(env);
  if (!state || !read_args(env, info, 7, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_int(env, argv[1], &encrypt, "encrypt must be 0 or 1") || !read_bytes(env, argv[2], &key, "key must be a Buffer") ||
      !read_bytes(env, argv[3], &iv, "iv must be a Buffer") || !read_bytes(env, argv[4], &aad, "aad must be a Buffer") ||
      !read_bytes(env, argv[5], &data, "data must be a Buffer") || !read_bytes(env, argv[6], &tag, "tag must be a Buffer")) {
    return NULL;
  }
  /* The 12-byte IV is GCM's default: the context never needs its IV length changed. */
  if ((encrypt != 0 && encrypt != 1) || key.length != 32 || iv.length != 12 || tag.length != 16 || out.length < data.length) {
    napi_throw_range_error(env, NULL, "AES-256-GCM needs a 32-byte key, a 12-byte IV, a 16-byte tag and room for the data");
    return NULL;
  }
  EVP_CIPHER_CTX *ctx = keyed(state, AES256_GCM, key.data, iv.data, encrypt);
  int written = 0;
  int ok = ctx && EVP_CipherUpdate(ctx, NULL, &written, aad.data, (int)aad.length) &&
           EVP_CipherUpdate(ctx, out.data, &written, data.data, (int)data.length);
  int authentic = 0;
  if (ok && encrypt) {
    ok = EVP_CipherFinal_ex(ctx, out.data + written, &written) && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data);
    authentic = ok;
  } else if (ok) {
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data);
    authentic = ok && EVP_CipherFinal_ex(ctx, out.data + written, &written) > 0;
  }
  if (!ok) {
    openssl_failed(env, "AES-256-GCM failed");
    return NULL;
  }
  if (!authentic) ERR_clear_error();
  return boolean(env, authentic);
}

/* hmac(out, hash, key, data): hash 1 = SHA-1, 256 = SHA-256, 512 = SHA-512; out holds at least the digest. */
static napi_value hmac(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, key, data;
  int32_t hash;
  state_t *state = get_state(env);
  if (!state || !read_args(env, info, 4, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_int(env, argv[1], &hash, "hash must be 1, 256 or 512") || !read_bytes(env, argv[2], &key, "key must be a Buffer") ||
      !read_bytes(env, argv[3], &data, "data must be a Buffer")) {
    return NULL;
  }
  int which = hash == 1 ? HMAC_SHA1 : hash == 256 ? HMAC_SHA256 : hash == 512 ? HMAC_SHA512 : -1;
  if (which < 0 || out.length < digest_sizes[which]) {
    napi_throw_range_error(env, NULL, "HMAC needs hash 1, 256 or 512 and room for the digest");
    return NULL;
  }
  EVP_MAC_CTX *ctx = state->mac_ctx[which];
  size_t written = 0;
  if (!EVP_MAC_init(ctx, key.data, key.length, NULL) || !EVP_MAC_update(ctx, data.data, data.length) ||
      !EVP_MAC_final(ctx, out.data, &written, out.length)) {
    openssl_failed(env, "HMAC failed");
  }
  return NULL;
}

static int define(napi_env env, napi_value exports, const char *name, napi_callback callback) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT() {
  state_t *state = new_state();
  if (!state) {
    openssl_failed(env, "cannot fetch AES and HMAC from OpenSSL");
    return NULL;
  }
  if (napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    free_state(env, state, NULL);
    return NULL;
  }
  if (!define(env, exports, "aes", aes) || !define(env, exports, "cbcMac", cbc_mac) || !define(env, exports, "gcm", gcm) ||
      !define(env, exports, "hmac", hmac)) {
    return NULL;
  }
  return exports;
}
