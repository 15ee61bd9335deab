/*
 * One-shot AES and HMAC on OpenSSL 3. Why no cipher object per call: every createCipheriv/createHmac in Node builds
 * a JS stream object with a native handle that the garbage collector must later trace and finalize; a license
 * needs five or six of them, each costing 2-3 us plus GC work, where the cipher work itself is well under a
 * microsecond.
 *
 * A state holds the algorithms fetched from the provider once, and one context per algorithm that every call
 * re-keys. A fresh context per call, with its implicit fetch, cost more than the work on a block or two. A context
 * keeps the last key schedule it was given until the next call; it is cleansed when the state is freed.
 */
#include "cipher-core.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <limits.h>
#include <string.h>

enum { AES128_ECB, AES128_CBC, AES256_ECB, AES256_CBC, AES256_GCM, CIPHERS };
enum { HMAC_SHA1, HMAC_SHA256, HMAC_SHA512, MACS };
static const char *const cipher_names[CIPHERS] = {"AES-128-ECB", "AES-128-CBC", "AES-256-ECB", "AES-256-CBC", "AES-256-GCM"};
static const char *const digest_names[MACS] = {"SHA1", "SHA256", "SHA512"};
static const size_t digest_sizes[MACS] = {20, 32, 64};

struct cipher_state {
  EVP_CIPHER *ciphers[CIPHERS];
  /* Bound to its cipher by the first call; later calls pass a NULL cipher and only change key, IV, direction. */
  EVP_CIPHER_CTX *cipher_ctx[CIPHERS];
  int cipher_bound[CIPHERS];
  EVP_MAC *hmac;
  EVP_MAC_CTX *mac_ctx[MACS];
};

void cipher_state_free(cipher_state_t *state) {
  if (!state) return;
  for (int i = 0; i < CIPHERS; i++) {
    EVP_CIPHER_CTX_free(state->cipher_ctx[i]);
    EVP_CIPHER_free(state->ciphers[i]);
  }
  for (int i = 0; i < MACS; i++) EVP_MAC_CTX_free(state->mac_ctx[i]);
  EVP_MAC_free(state->hmac);
  OPENSSL_free(state);
}

cipher_state_t *cipher_state_new(void) {
  cipher_state_t *state = OPENSSL_zalloc(sizeof *state);
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
    ERR_clear_error();
    cipher_state_free(state);
    return NULL;
  }
  return state;
}

/*
 * An OpenSSL failure: its error queue is emptied, so that nothing is left on the thread's queue for node:crypto's
 * next operation to find.
 */
static int failed(void) {
  ERR_clear_error();
  return CIPHER_FAILED;
}

/* OpenSSL takes int lengths. */
static int too_long(bytes_t b) { return b.length > INT_MAX; }

/* The context of cipher `which`, initialised for key, iv and direction, without padding; NULL on failure. */
static EVP_CIPHER_CTX *keyed(cipher_state_t *state, int which, const unsigned char *key, const unsigned char *iv, int encrypt) {
  EVP_CIPHER_CTX *ctx = state->cipher_ctx[which];
  const EVP_CIPHER *cipher = state->cipher_bound[which] ? NULL : state->ciphers[which];
  if (!EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt, NULL) || !EVP_CIPHER_CTX_set_padding(ctx, 0)) return NULL;
  state->cipher_bound[which] = 1;
  return ctx;
}

int cipher_aes(cipher_state_t *state, bytes_t out, int mode, int encrypt, bytes_t key, bytes_t iv, bytes_t data) {
  if ((mode != 0 && mode != 1) || (encrypt != 0 && encrypt != 1) || (key.length != 16 && key.length != 32) ||
      (mode == 1 && iv.length != 16) || data.length % 16 != 0 || out.length < data.length || too_long(data)) {
    return CIPHER_RANGE;
  }
  int which = key.length == 16 ? (mode ? AES128_CBC : AES128_ECB) : (mode ? AES256_CBC : AES256_ECB);
  EVP_CIPHER_CTX *ctx = keyed(state, which, key.data, mode ? iv.data : NULL, encrypt);
  int written = 0;
  if (!ctx || !EVP_CipherUpdate(ctx, out.data, &written, data.data, (int)data.length)) return failed();
  return CIPHER_OK;
}

int cipher_cbc_mac(cipher_state_t *state, bytes_t out, bytes_t key, bytes_t data) {
  static const unsigned char zero_iv[16];
  if (out.length < 16 || key.length != 16 || data.length == 0 || data.length % 16 != 0 || too_long(data)) return CIPHER_RANGE;
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
  return ok ? CIPHER_OK : failed();
}

int cipher_gcm(cipher_state_t *state, bytes_t out, int encrypt, bytes_t key, bytes_t iv, bytes_t aad, bytes_t data, bytes_t tag,
               int *authentic) {
  /* The 12-byte IV is GCM's default: the context never needs its IV length changed. */
  *authentic = 0;
  if ((encrypt != 0 && encrypt != 1) || key.length != 32 || iv.length != 12 || tag.length != 16 || out.length < data.length ||
      too_long(aad) || too_long(data)) {
    return CIPHER_RANGE;
  }
  EVP_CIPHER_CTX *ctx = keyed(state, AES256_GCM, key.data, iv.data, encrypt);
  int written = 0;
  int ok = ctx && EVP_CipherUpdate(ctx, NULL, &written, aad.data, (int)aad.length) &&
           EVP_CipherUpdate(ctx, out.data, &written, data.data, (int)data.length);
  /* GCM is a stream mode: final writes nothing, but OpenSSL wants a pointer; out may be empty. */
  unsigned char none[16];
  if (ok && encrypt) {
    ok = EVP_CipherFinal_ex(ctx, none, &written) && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data);
    *authentic = ok;
  } else if (ok) {
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data);
    *authentic = ok && EVP_CipherFinal_ex(ctx, none, &written) > 0;
  }
  if (!ok) return failed();
  if (!*authentic) ERR_clear_error();
  return CIPHER_OK;
}

int cipher_hmac(cipher_state_t *state, bytes_t out, int hash, bytes_t key, bytes_t data) {
  int which = hash == 1 ? HMAC_SHA1 : hash == 256 ? HMAC_SHA256 : hash == 512 ? HMAC_SHA512 : -1;
  if (which < 0 || out.length < digest_sizes[which]) return CIPHER_RANGE;
  EVP_MAC_CTX *ctx = state->mac_ctx[which];
  size_t written = 0;
  if (!EVP_MAC_init(ctx, key.data, key.length, NULL) || !EVP_MAC_update(ctx, data.data, data.length) ||
      !EVP_MAC_final(ctx, out.data, &written, out.length)) {
    return failed();
  }
  return CIPHER_OK;
}
