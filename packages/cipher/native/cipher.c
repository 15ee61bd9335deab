/*
 * The N-API face of cipher-core.c, on the OpenSSL that Node itself links (its headers ship with Node, its symbols
 * are exported by the node binary): these calls create no object; they read the caller's buffers, write into a
 * caller's buffer and return.
 *
 * Each JavaScript environment (the main thread, each worker) gets its own cipher state (fetched algorithms, one
 * context per algorithm), cleansed when the environment goes away.
 *
 * Every function checks its arguments' types here and their lengths in cipher-core.c before touching memory, and
 * throws a TypeError or RangeError otherwise.
 */
#include <node_api.h>
#include <limits.h>

#include "cipher-core.h"
#include "rsa-core.h"

#define MAX_ARGS 7

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

/* Throws for a failed call (misuse: a RangeError; OpenSSL: an Error); 1 when the call succeeded. */
static int succeeded(napi_env env, int status, const char *misuse, const char *failure) {
  if (status == CIPHER_RANGE) napi_throw_range_error(env, NULL, misuse);
  else if (status != CIPHER_OK) napi_throw_error(env, NULL, failure);
  return status == CIPHER_OK;
}

/* A boolean answer (a tag that authenticates, a signature that verifies), or the exception a failed status means. */
static napi_value boolean_result(napi_env env, int status, int value, const char *misuse, const char *failure) {
  if (!succeeded(env, status, misuse, failure)) return NULL;
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

static cipher_state_t *get_state(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok || !data) {
    napi_throw_error(env, NULL, "cipher addon state missing");
    return NULL;
  }
  return data;
}

/* aes(out, mode, encrypt, key, iv, data): ECB (mode 0, iv ignored) or CBC (mode 1) without padding. */
static napi_value aes(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, key, iv, data;
  int32_t mode, encrypt;
  cipher_state_t *state = get_state(env);
  if (!state || !read_args(env, info, 6, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_int(env, argv[1], &mode, "mode must be 0 or 1") || !read_int(env, argv[2], &encrypt, "encrypt must be 0 or 1") ||
      !read_bytes(env, argv[3], &key, "key must be a Buffer") || !read_bytes(env, argv[4], &iv, "iv must be a Buffer") ||
      !read_bytes(env, argv[5], &data, "data must be a Buffer")) {
    return NULL;
  }
  succeeded(env, cipher_aes(state, out, mode, encrypt, key, iv, data),
            "AES needs mode 0 or 1, encrypt 0 or 1, a 16- or 32-byte key, a 16-byte IV (CBC), whole blocks and room for them",
            "AES failed");
  return NULL;
}

/* cbcMac(out16, key16, data): the last block of AES-128-CBC over data (whole blocks) from a zero IV. */
static napi_value cbc_mac(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, key, data;
  cipher_state_t *state = get_state(env);
  if (!state || !read_args(env, info, 3, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_bytes(env, argv[1], &key, "key must be a Buffer") || !read_bytes(env, argv[2], &data, "data must be a Buffer")) {
    return NULL;
  }
  succeeded(env, cipher_cbc_mac(state, out, key, data), "CBC-MAC needs a 16-byte key, whole blocks and 16 bytes of room",
            "CBC-MAC failed");
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
  cipher_state_t *state = get_state(env);
  if (!state || !read_args(env, info, 7, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_int(env, argv[1], &encrypt, "encrypt must be 0 or 1") || !read_bytes(env, argv[2], &key, "key must be a Buffer") ||
      !read_bytes(env, argv[3], &iv, "iv must be a Buffer") || !read_bytes(env, argv[4], &aad, "aad must be a Buffer") ||
      !read_bytes(env, argv[5], &data, "data must be a Buffer") || !read_bytes(env, argv[6], &tag, "tag must be a Buffer")) {
    return NULL;
  }
  int authentic = 0;
  int status = cipher_gcm(state, out, encrypt, key, iv, aad, data, tag, &authentic);
  return boolean_result(env, status, authentic,
                        "AES-256-GCM needs a 32-byte key, a 12-byte IV, a 16-byte tag and room for the data",
                        "AES-256-GCM failed");
}

/* hmac(out, hash, key, data): hash 1 = SHA-1, 256 = SHA-256, 512 = SHA-512; out holds at least the digest. */
static napi_value hmac(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, key, data;
  int32_t hash;
  cipher_state_t *state = get_state(env);
  if (!state || !read_args(env, info, 4, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_int(env, argv[1], &hash, "hash must be 1, 256 or 512") || !read_bytes(env, argv[2], &key, "key must be a Buffer") ||
      !read_bytes(env, argv[3], &data, "data must be a Buffer")) {
    return NULL;
  }
  succeeded(env, cipher_hmac(state, out, hash, key, data), "HMAC needs hash 1, 256 or 512 and room for the digest", "HMAC failed");
  return NULL;
}

/* Marks this addon's RSA key handles, so that no other external is ever read as one. */
static const napi_type_tag RSA_KEY_TAG = {0x6f70656e706c6179ULL, 0x7273612d6b657931ULL};

static void free_rsa_key(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  rsa_public_key_free(data);
}

/* rsaPublicKey(spkiDer): a handle on the RSA public key, freed with it; throws a RangeError when der is not one. */
static napi_value rsa_public_key(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t der;
  if (!read_args(env, info, 1, argv) || !read_bytes(env, argv[0], &der, "der must be a Buffer")) return NULL;
  rsa_public_key_t *key = NULL;
  if (!succeeded(env, rsa_public_key_new(der, &key), "der is not an RSA public key (SubjectPublicKeyInfo DER)",
                 "RSA public key import failed")) {
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, key, free_rsa_key, NULL, &handle) != napi_ok) {
    rsa_public_key_free(key);
    return NULL;
  }
  /* On failure the finalizer still frees the key with the handle. */
  if (napi_type_tag_object(env, handle, &RSA_KEY_TAG) != napi_ok) return NULL;
  return handle;
}

static int read_rsa_key(napi_env env, napi_value value, rsa_public_key_t **out) {
  napi_valuetype type;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_check_object_type_tag(env, value, &RSA_KEY_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "key must be a handle from rsaPublicKey");
    return 0;
  }
  *out = data;
  return 1;
}

/* rsaPssVerify(key, hash, data, signature): hash 1, 256 or 384; MGF1 over it, salt as long as its digest. */
static napi_value rsa_pss_verify_js(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  rsa_public_key_t *key;
  int32_t hash;
  bytes_t data, signature;
  if (!read_args(env, info, 4, argv) || !read_rsa_key(env, argv[0], &key) ||
      !read_int(env, argv[1], &hash, "hash must be 1, 256 or 384") || !read_bytes(env, argv[2], &data, "data must be a Buffer") ||
      !read_bytes(env, argv[3], &signature, "signature must be a Buffer")) {
    return NULL;
  }
  int valid = 0;
  int status = rsa_pss_verify(key, hash, data, signature, &valid);
  return boolean_result(env, status, valid, "RSA-PSS needs hash 1, 256 or 384", "RSA-PSS verification failed");
}

/* rsaOaepEncrypt(out, key, data): RSAES-OAEP SHA-1; returns the ciphertext's length (the key's modulus length). */
static napi_value rsa_oaep_encrypt_js(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  bytes_t out, data;
  rsa_public_key_t *key;
  if (!read_args(env, info, 3, argv) || !read_bytes(env, argv[0], &out, "out must be a Buffer") ||
      !read_rsa_key(env, argv[1], &key) || !read_bytes(env, argv[2], &data, "data must be a Buffer")) {
    return NULL;
  }
  size_t written = 0;
  if (!succeeded(env, rsa_oaep_encrypt(key, out, data, &written),
                 "RSA-OAEP needs room for the modulus and data at most 42 bytes shorter than it", "RSA-OAEP encryption failed")) {
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)written, &result);
  return result;
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  cipher_state_free(data);
}

static int define(napi_env env, napi_value exports, const char *name, napi_callback callback) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT() {
  cipher_state_t *state = cipher_state_new();
  if (!state) {
    napi_throw_error(env, NULL, "cannot fetch AES and HMAC from OpenSSL");
    return NULL;
  }
  if (napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    cipher_state_free(state);
    return NULL;
  }
  if (!define(env, exports, "aes", aes) || !define(env, exports, "cbcMac", cbc_mac) || !define(env, exports, "gcm", gcm) ||
      !define(env, exports, "hmac", hmac) || !define(env, exports, "rsaPublicKey", rsa_public_key) ||
      !define(env, exports, "rsaPssVerify", rsa_pss_verify_js) || !define(env, exports, "rsaOaepEncrypt", rsa_oaep_encrypt_js)) {
    return NULL;
  }
  return exports;
}
