/*
 * Why contexts per key: node:crypto's verify() and publicEncrypt() make a digest context, a key context and their
 * implicit algorithm fetches on every call, and parse their options in JavaScript first. On these machines that
 * added 7-10 us to each 20 us RSA public operation (measured in C and from Node; docs/decisions/0024). A key here
 * keeps one verification context per hash and one encryption context, initialised once, and each call only hashes
 * and runs the RSA operation. OpenSSL's RSA signature and asymmetric-cipher implementations keep no state between
 * operations on a context, which is what makes the reuse sound. A key is used by one thread at a time (its
 * JavaScript environment's).
 */
#include "rsa-core.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <limits.h>

enum { MD_SHA1, MD_SHA256, MD_SHA384, DIGESTS };
static const char *const digest_names[DIGESTS] = {"SHA1", "SHA256", "SHA384"};

struct rsa_public_key {
  EVP_PKEY *pkey;
  size_t bytes;
  EVP_MD *digests[DIGESTS];
  /* Made when first used: PSS over digests[i] with a salt of its length. */
  EVP_PKEY_CTX *verify[DIGESTS];
  EVP_PKEY_CTX *oaep;
};

static int failed(void) {
  ERR_clear_error();
  return CIPHER_FAILED;
}

void rsa_public_key_free(rsa_public_key_t *key) {
  if (!key) return;
  for (int i = 0; i < DIGESTS; i++) {
    EVP_PKEY_CTX_free(key->verify[i]);
    EVP_MD_free(key->digests[i]);
  }
  EVP_PKEY_CTX_free(key->oaep);
  EVP_PKEY_free(key->pkey);
  OPENSSL_free(key);
}

int rsa_public_key_new(bytes_t der, rsa_public_key_t **out) {
  *out = NULL;
  if (der.length == 0 || der.length > INT_MAX) return CIPHER_RANGE;
  const unsigned char *at = der.data;
  EVP_PKEY *pkey = d2i_PUBKEY(NULL, &at, (long)der.length);
  if (!pkey || at != der.data + der.length || !EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_get_size(pkey) <= 0) {
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return CIPHER_RANGE;
  }
  rsa_public_key_t *key = OPENSSL_zalloc(sizeof *key);
  if (!key) {
    EVP_PKEY_free(pkey);
    return failed();
  }
  key->pkey = pkey;
  key->bytes = (size_t)EVP_PKEY_get_size(pkey);
  *out = key;
  return CIPHER_OK;
}

size_t rsa_public_key_bytes(const rsa_public_key_t *key) { return key->bytes; }

static int digest_index(int hash) { return hash == 1 ? MD_SHA1 : hash == 256 ? MD_SHA256 : hash == 384 ? MD_SHA384 : -1; }

/* The key's digest `which`, fetched when first needed (verification and encryption share SHA-1). */
static EVP_MD *digest(rsa_public_key_t *key, int which) {
  if (!key->digests[which]) key->digests[which] = EVP_MD_fetch(NULL, digest_names[which], NULL);
  return key->digests[which];
}

static EVP_PKEY_CTX *verifier(rsa_public_key_t *key, int which) {
  if (key->verify[which]) return key->verify[which];
  EVP_MD *md = digest(key, which);
  if (!md) return NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
  if (!ctx || EVP_PKEY_verify_init(ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, EVP_MD_get_size(md)) <= 0) {
    EVP_PKEY_CTX_free(ctx);
    return NULL;
  }
  return key->verify[which] = ctx;
}

int rsa_pss_verify(rsa_public_key_t *key, int hash, bytes_t data, bytes_t signature, int *valid) {
  *valid = 0;
  int which = digest_index(hash);
  if (which < 0) return CIPHER_RANGE;
  EVP_PKEY_CTX *ctx = verifier(key, which);
  if (!ctx) return failed();
  if (signature.length != key->bytes) return CIPHER_OK;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (!EVP_Digest(data.data, data.length, digest, &digest_length, key->digests[which], NULL)) return failed();
  /* 1: verified; 0: not; below 0: malformed (an encoding that is not PSS): also not verified. */
  *valid = EVP_PKEY_verify(ctx, signature.data, signature.length, digest, digest_length) == 1;
  if (!*valid) ERR_clear_error();
  return CIPHER_OK;
}

int rsa_oaep_encrypt(rsa_public_key_t *key, bytes_t out, bytes_t data, size_t *written) {
  *written = 0;
  if (out.length < key->bytes || data.length + 42 > key->bytes) return CIPHER_RANGE;
  if (!key->oaep) {
    EVP_MD *sha1 = digest(key, MD_SHA1);
    if (!sha1) return failed();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (!ctx || EVP_PKEY_encrypt_init(ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, sha1) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, sha1) <= 0) {
      EVP_PKEY_CTX_free(ctx);
      return failed();
    }
    key->oaep = ctx;
  }
  size_t length = out.length;
  if (EVP_PKEY_encrypt(key->oaep, out.data, &length, data.data, data.length) <= 0) return failed();
  *written = length;
  return CIPHER_OK;
}
