/*
 * RSA public-key operations on OpenSSL 3 with their contexts made once per key: the PSS verification and the
 * OAEP encryption a Widevine license needs from its device's key. node:crypto's one-shot calls build and fetch
 * those contexts anew on every call; see rsa-core.c.
 */
#ifndef OPENPLAY_RSA_CORE_H
#define OPENPLAY_RSA_CORE_H

#include "cipher-core.h"

typedef struct rsa_public_key rsa_public_key_t;

/* An RSA public key from its SubjectPublicKeyInfo DER into *out; CIPHER_RANGE when der is not one. */
int rsa_public_key_new(bytes_t der, rsa_public_key_t **out);
void rsa_public_key_free(rsa_public_key_t *key);
/* The modulus length in bytes: the length of every signature and ciphertext under this key. */
size_t rsa_public_key_bytes(const rsa_public_key_t *key);

/*
 * RSASSA-PSS over data with hash 1 = SHA-1, 256 = SHA-256, 384 = SHA-384, MGF1 over the same hash and a salt as long
 * as the digest. *valid is 1 only for a signature that verifies; a signature of the wrong length is invalid, not an
 * error.
 */
int rsa_pss_verify(rsa_public_key_t *key, int hash, bytes_t data, bytes_t signature, int *valid);

/*
 * RSAES-OAEP with SHA-1, MGF1-SHA-1 and an empty label. out holds at least rsa_public_key_bytes(key); data is at most
 * that minus 42 bytes. *written is the ciphertext's length.
 */
int rsa_oaep_encrypt(rsa_public_key_t *key, bytes_t out, bytes_t data, size_t *written);

#endif
