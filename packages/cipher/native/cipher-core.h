/*
 * The addon's cipher work without N-API: plain C over OpenSSL 3, so that the sanitizer fuzz harness
 * (cipher-fuzz.c) links the very code the addon runs. Every function checks lengths before touching memory.
 */
#ifndef OPENPLAY_CIPHER_CORE_H
#define OPENPLAY_CIPHER_CORE_H

#include <stddef.h>

typedef struct cipher_state cipher_state_t;

typedef struct {
  unsigned char *data;
  size_t length;
} bytes_t;

enum {
  CIPHER_OK = 0,
  /* The arguments break the function's contract (a length, a mode); nothing was written. */
  CIPHER_RANGE = 1,
  /* OpenSSL failed; its error queue has been emptied. */
  CIPHER_FAILED = 2,
};

cipher_state_t *cipher_state_new(void);
void cipher_state_free(cipher_state_t *state);

/* ECB (mode 0, iv ignored) or CBC (mode 1, 16-byte iv) without padding; 16- or 32-byte key; whole blocks. */
int cipher_aes(cipher_state_t *state, bytes_t out, int mode, int encrypt, bytes_t key, bytes_t iv, bytes_t data);

/* The last block of AES-128-CBC over data (whole blocks, at least one) from a zero IV, into out[0..16). */
int cipher_cbc_mac(cipher_state_t *state, bytes_t out, bytes_t key, bytes_t data);

/*
 * AES-256-GCM, 32-byte key, 12-byte IV, 16-byte tag. Encrypting writes the tag; decrypting sets *authentic to 0
 * when the tag does not match (what was written to out is then not to be used).
 */
int cipher_gcm(cipher_state_t *state, bytes_t out, int encrypt, bytes_t key, bytes_t iv, bytes_t aad, bytes_t data, bytes_t tag,
               int *authentic);

/* HMAC; hash 1 = SHA-1, 256 = SHA-256, 512 = SHA-512; out holds at least the digest. */
int cipher_hmac(cipher_state_t *state, bytes_t out, int hash, bytes_t key, bytes_t data);

#endif
