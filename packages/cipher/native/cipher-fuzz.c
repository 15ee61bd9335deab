/*
 * Sanitizer fuzz of cipher-core.c and rsa-core.c (the code the addon runs), built by src/cipher-fuzz.spec.ts with
 * -fsanitize=address,undefined against the system's OpenSSL 3:
 *
 *   cipher-fuzz <iterations> <seed>
 *
 * Each iteration draws an operation and argument lengths (0, partial blocks, wrong key/IV/tag lengths, outputs one
 * byte short) into buffers allocated to exactly that length, so that any read or write past one is an ASan report.
 * Results are checked against OpenSSL's EVP one-shot calls on fresh contexts: same bytes, same tag, a flipped bit
 * refused, misuse refused with nothing written. RSA calls run on one 2048-bit key made at start, and on fresh imports
 * of its DER (cut short, extended, altered, or an EC key's instead): every PSS verdict is the one a fresh
 * EVP_DigestVerify gives, and every OAEP ciphertext opens under the private key. Prints
 * "cipher-fuzz: <n> iterations ok" and exits 0; any mismatch exits 1, any sanitizer report aborts.
 */
#include "cipher-core.h"
#include "rsa-core.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

/* splitmix64: reproducible from the seed printed on failure. */
static uint64_t next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static size_t below(size_t n) { return (size_t)(next() % n); }

static unsigned long long iteration;
static unsigned long long seed;

#define CHECK(condition)                                                                                 \
  do {                                                                                                   \
    if (!(condition)) {                                                                                  \
      fprintf(stderr, "cipher-fuzz: %s failed at line %d (iteration %llu, seed %llu)\n", #condition,     \
              __LINE__, iteration, seed);                                                                \
      exit(1);                                                                                           \
    }                                                                                                    \
  } while (0)

/* Exactly `length` bytes of heap, filled at random: ASan sees the first byte past the end. */
static bytes_t random_bytes(size_t length) {
  bytes_t b = {malloc(length ? length : 1), length};
  CHECK(b.data != NULL);
  for (size_t i = 0; i < length; i++) b.data[i] = (unsigned char)next();
  return b;
}

static bytes_t copy_of(bytes_t from) {
  bytes_t b = random_bytes(from.length);
  if (from.length) memcpy(b.data, from.data, from.length);
  return b;
}

static int same(bytes_t a, bytes_t b, size_t length) { return length == 0 || memcmp(a.data, b.data, length) == 0; }

/* A length near the interesting ones: 0, a block or so, a partial block, or up to 3 KiB (past cbc-mac's scratch). */
static size_t data_length(void) {
  switch (below(5)) {
    case 0: return 0;
    case 1: return 16 * (1 + below(4));
    case 2: return below(48);
    case 3: return 16 * below(200);
    default: return below(3072);
  }
}

/* Mostly the right length, sometimes a wrong one. */
static size_t length_or_wrong(size_t right) {
  static const size_t wrong[] = {0, 1, 8, 12, 15, 17, 24, 31, 33, 64};
  return below(4) ? right : wrong[below(sizeof wrong / sizeof wrong[0])];
}

static const EVP_CIPHER *reference_aes(size_t key_length, int cbc) {
  if (key_length == 16) return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
  return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
}

static void fuzz_aes(cipher_state_t *state) {
  int mode = below(8) ? (int)below(2) : 2;
  int encrypt = (int)below(2);
  bytes_t key = random_bytes(below(2) ? length_or_wrong(16) : length_or_wrong(32));
  bytes_t iv = random_bytes(mode == 1 ? length_or_wrong(16) : below(17));
  bytes_t data = random_bytes(data_length());
  size_t room = data.length + (below(8) ? 0 : 1) - (data.length && !below(8) ? 1 : 0);
  bytes_t out = random_bytes(room);
  bytes_t before = copy_of(out);
  int status = cipher_aes(state, out, mode, encrypt, key, iv, data);
  int valid = (mode == 0 || mode == 1) && (key.length == 16 || key.length == 32) && (mode == 0 || iv.length == 16) &&
              data.length % 16 == 0 && out.length >= data.length;
  if (!valid) {
    CHECK(status == CIPHER_RANGE);
    CHECK(same(out, before, out.length));
  } else {
    CHECK(status == CIPHER_OK);
    bytes_t expected = random_bytes(data.length + 16);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int written = 0;
    CHECK(EVP_CipherInit_ex(ctx, reference_aes(key.length, mode), NULL, key.data, mode ? iv.data : NULL, encrypt));
    CHECK(EVP_CIPHER_CTX_set_padding(ctx, 0));
    CHECK(EVP_CipherUpdate(ctx, expected.data, &written, data.data, (int)data.length) && (size_t)written == data.length);
    EVP_CIPHER_CTX_free(ctx);
    CHECK(same(out, expected, data.length));
    CHECK(same(out, before, 0) && (out.length == data.length || out.data[data.length] == before.data[data.length]));
    free(expected.data);
  }
  free(key.data), free(iv.data), free(data.data), free(out.data), free(before.data);
}

static void fuzz_cbc_mac(cipher_state_t *state) {
  bytes_t key = random_bytes(length_or_wrong(16));
  bytes_t data = random_bytes(data_length());
  bytes_t out = random_bytes(below(8) ? 16 : below(17));
  bytes_t before = copy_of(out);
  int status = cipher_cbc_mac(state, out, key, data);
  if (key.length != 16 || data.length == 0 || data.length % 16 != 0 || out.length < 16) {
    CHECK(status == CIPHER_RANGE);
    CHECK(same(out, before, out.length));
  } else {
    CHECK(status == CIPHER_OK);
    static const unsigned char zero_iv[16];
    bytes_t all = random_bytes(data.length);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int written = 0;
    CHECK(EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, key.data, zero_iv) && EVP_CIPHER_CTX_set_padding(ctx, 0));
    CHECK(EVP_EncryptUpdate(ctx, all.data, &written, data.data, (int)data.length));
    EVP_CIPHER_CTX_free(ctx);
    CHECK(memcmp(out.data, all.data + data.length - 16, 16) == 0);
    free(all.data);
  }
  free(key.data), free(data.data), free(out.data), free(before.data);
}

static void fuzz_gcm(cipher_state_t *state) {
  bytes_t key = random_bytes(length_or_wrong(32));
  bytes_t iv = random_bytes(length_or_wrong(12));
  bytes_t aad = random_bytes(below(3) ? below(40) : 0);
  bytes_t plain = random_bytes(data_length());
  bytes_t tag = random_bytes(length_or_wrong(16));
  size_t room = plain.length - (plain.length && !below(10) ? 1 : 0);
  bytes_t sealed = random_bytes(room);
  int authentic = -1;
  int status = cipher_gcm(state, sealed, 1, key, iv, aad, plain, tag, &authentic);
  if (key.length != 32 || iv.length != 12 || tag.length != 16 || room < plain.length) {
    CHECK(status == CIPHER_RANGE && authentic == 0);
  } else {
    CHECK(status == CIPHER_OK && authentic == 1);
    /* The reference: a fresh context, IV length set explicitly. */
    bytes_t expected = random_bytes(plain.length);
    unsigned char expected_tag[16], end[16];
    int written = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    CHECK(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL));
    CHECK(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL));
    CHECK(EVP_EncryptInit_ex(ctx, NULL, NULL, key.data, iv.data));
    CHECK(EVP_EncryptUpdate(ctx, NULL, &written, aad.data, (int)aad.length));
    CHECK(EVP_EncryptUpdate(ctx, expected.data, &written, plain.data, (int)plain.length));
    CHECK(EVP_EncryptFinal_ex(ctx, end, &written) && written == 0);
    CHECK(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, expected_tag));
    EVP_CIPHER_CTX_free(ctx);
    CHECK(same(sealed, expected, plain.length) && memcmp(tag.data, expected_tag, 16) == 0);
    free(expected.data);

    /* Opening, in place half the time: the plaintext back, then one flipped bit refused. */
    int in_place = (int)below(2);
    bytes_t opened = in_place ? copy_of(sealed) : random_bytes(sealed.length);
    bytes_t input = in_place ? opened : sealed;
    CHECK(cipher_gcm(state, opened, 0, key, iv, aad, input, tag, &authentic) == CIPHER_OK && authentic == 1);
    CHECK(same(opened, plain, plain.length));
    size_t bits = 8 * (sealed.length + 16 + aad.length);
    size_t flip = below(bits);
    unsigned char *target = flip < 8 * sealed.length ? sealed.data + flip / 8
                            : flip < 8 * (sealed.length + 16) ? tag.data + (flip / 8 - sealed.length)
                                                              : aad.data + (flip / 8 - sealed.length - 16);
    *target ^= (unsigned char)(1u << (flip % 8));
    CHECK(cipher_gcm(state, opened, 0, key, iv, aad, sealed, tag, &authentic) == CIPHER_OK && authentic == 0);
    free(opened.data);
  }
  free(key.data), free(iv.data), free(aad.data), free(plain.data), free(tag.data), free(sealed.data);
}

static void fuzz_hmac(cipher_state_t *state) {
  static const int hashes[] = {1, 256, 512, 5, 0, 384};
  static const size_t sizes[] = {20, 32, 64};
  int which = (int)(below(8) ? below(3) : 3 + below(3));
  int hash = hashes[which];
  bytes_t key = random_bytes(below(4) ? below(200) : 0);
  bytes_t data = random_bytes(data_length());
  size_t need = which < 3 ? sizes[which] : 64;
  bytes_t out = random_bytes(below(8) ? need : below(need));
  bytes_t before = copy_of(out);
  int status = cipher_hmac(state, out, hash, key, data);
  if (which >= 3 || out.length < need) {
    CHECK(status == CIPHER_RANGE);
    CHECK(same(out, before, out.length));
  } else {
    CHECK(status == CIPHER_OK);
    const EVP_MD *md = hash == 1 ? EVP_sha1() : hash == 256 ? EVP_sha256() : EVP_sha512();
    unsigned char expected[64];
    unsigned int length = 0;
    CHECK(HMAC(md, key.data, (int)key.length, data.data, data.length, expected, &length) && length == need);
    CHECK(memcmp(out.data, expected, need) == 0);
  }
  free(key.data), free(data.data), free(out.data), free(before.data);
}

/* Made once: key generation is slow under the sanitizers. */
static EVP_PKEY *rsa_private;
static bytes_t rsa_der, ec_der;
static rsa_public_key_t *rsa_shared;

static bytes_t public_der(EVP_PKEY *pkey) {
  int length = i2d_PUBKEY(pkey, NULL);
  CHECK(length > 0);
  bytes_t der = random_bytes((size_t)length);
  unsigned char *at = der.data;
  CHECK(i2d_PUBKEY(pkey, &at) == length);
  return der;
}

static void rsa_setup(void) {
  rsa_private = EVP_RSA_gen(2048);
  EVP_PKEY *ec = EVP_EC_gen("P-256");
  CHECK(rsa_private != NULL && ec != NULL);
  rsa_der = public_der(rsa_private);
  ec_der = public_der(ec);
  EVP_PKEY_free(ec);
  CHECK(rsa_public_key_new(rsa_der, &rsa_shared) == CIPHER_OK && rsa_public_key_bytes(rsa_shared) == 256);
}

static void rsa_teardown(void) {
  rsa_public_key_free(rsa_shared);
  EVP_PKEY_free(rsa_private);
  free(rsa_der.data), free(ec_der.data);
}

static const EVP_MD *reference_md(int hash) {
  return hash == 1 ? EVP_sha1() : hash == 256 ? EVP_sha256() : hash == 384 ? EVP_sha384() : NULL;
}

static bytes_t sign_pss(const EVP_MD *md, bytes_t data, int salt) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pkey_ctx = NULL;
  bytes_t signature = random_bytes((size_t)EVP_PKEY_get_size(rsa_private));
  CHECK(EVP_DigestSignInit(ctx, &pkey_ctx, md, NULL, rsa_private) == 1);
  CHECK(EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1);
  CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, salt) == 1);
  CHECK(EVP_DigestSign(ctx, signature.data, &signature.length, data.data, data.length) == 1);
  EVP_MD_CTX_free(ctx);
  return signature;
}

static int reference_verify(const EVP_MD *md, bytes_t data, bytes_t signature) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pkey_ctx = NULL;
  CHECK(EVP_DigestVerifyInit(ctx, &pkey_ctx, md, NULL, rsa_private) == 1);
  CHECK(EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1);
  CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) == 1);
  int verified = EVP_DigestVerify(ctx, signature.data, signature.length, data.data, data.length) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return verified;
}

static void fuzz_pss(rsa_public_key_t *key) {
  static const int hashes[] = {1, 256, 384, 0, 512, 5};
  int hash = hashes[below(8) ? below(3) : 3 + below(3)];
  const EVP_MD *md = reference_md(hash);
  bytes_t data = random_bytes(data_length());
  bytes_t signature;
  int genuine = 0;
  if (md && below(4)) {
    /* The digest's length as salt (what Widevine signs with), or another that must not verify. */
    genuine = below(6) != 0;
    signature = sign_pss(md, data, genuine ? EVP_MD_get_size(md) : (int)below(20));
    if (!below(4)) {
      size_t flip = below(8 * (signature.length + data.length));
      unsigned char *target =
          flip < 8 * signature.length ? signature.data + flip / 8 : data.data + (flip / 8 - signature.length);
      *target ^= (unsigned char)(1u << (flip % 8));
      genuine = 0;
    }
  } else {
    signature = random_bytes(length_or_wrong(256));
  }
  int valid = -1;
  int status = rsa_pss_verify(key, hash, data, signature, &valid);
  if (!md) {
    CHECK(status == CIPHER_RANGE && valid == 0);
  } else {
    CHECK(status == CIPHER_OK);
    CHECK(valid == reference_verify(md, data, signature));
    if (genuine) CHECK(valid == 1);
  }
  free(data.data), free(signature.data);
}

static void fuzz_oaep(rsa_public_key_t *key) {
  bytes_t data = random_bytes(below(4) ? below(215) : below(300));
  size_t room = below(8) ? 256 + below(3) : below(256);
  bytes_t out = random_bytes(room);
  bytes_t before = copy_of(out);
  size_t written = 1;
  int status = rsa_oaep_encrypt(key, out, data, &written);
  if (data.length > 214 || room < 256) {
    CHECK(status == CIPHER_RANGE && written == 0);
    CHECK(same(out, before, out.length));
  } else {
    CHECK(status == CIPHER_OK && written == 256);
    CHECK(room == 256 || memcmp(out.data + 256, before.data + 256, room - 256) == 0);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(rsa_private, NULL);
    unsigned char opened[256];
    size_t length = sizeof opened;
    CHECK(ctx && EVP_PKEY_decrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1);
    CHECK(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) == 1);
    CHECK(EVP_PKEY_decrypt(ctx, opened, &length, out.data, written) == 1);
    CHECK(length == data.length && same(data, (bytes_t){opened, length}, length));
    EVP_PKEY_CTX_free(ctx);
  }
  free(data.data), free(out.data), free(before.data);
}

/* A key imported from the real DER or one cut short, extended, altered or an EC key's; used, then freed. */
static void fuzz_rsa_import(void) {
  size_t variant = below(6);
  size_t length = variant == 1   ? below(rsa_der.length)
                  : variant == 2 ? rsa_der.length + 1 + below(4)
                  : variant == 4 ? below(400)
                                 : rsa_der.length;
  bytes_t der = variant == 5 ? copy_of(ec_der) : random_bytes(length);
  /* 0: the DER; 1: cut short; 2: with bytes after it; 3: one bit flipped; 4: random bytes; 5: an EC key's DER. */
  if (variant <= 3) memcpy(der.data, rsa_der.data, variant == 1 ? length : rsa_der.length);
  if (variant == 3) der.data[below(der.length)] ^= (unsigned char)(1u << below(8));
  rsa_public_key_t *key = (rsa_public_key_t *)1;
  int status = rsa_public_key_new(der, &key);
  if (variant == 0) {
    CHECK(status == CIPHER_OK && key != NULL);
  } else if (variant == 3) {
    /* A flipped bit in the modulus or exponent can still be an RSA key; anywhere else it cannot. */
    CHECK((status == CIPHER_OK && key != NULL) || (status == CIPHER_RANGE && key == NULL));
  } else {
    CHECK(status == CIPHER_RANGE && key == NULL);
  }
  if (key && variant == 0) {
    below(2) ? fuzz_pss(key) : fuzz_oaep(key);
  }
  rsa_public_key_free(key);
  free(der.data);
}

static void fuzz_rsa(void) {
  switch (below(4)) {
    case 0: fuzz_rsa_import(); break;
    case 1: fuzz_oaep(rsa_shared); break;
    default: fuzz_pss(rsa_shared); break;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: cipher-fuzz <iterations> <seed>\n");
    return 2;
  }
  unsigned long long iterations = strtoull(argv[1], NULL, 10);
  seed = strtoull(argv[2], NULL, 10);
  rng_state = seed;
  cipher_state_t *state = cipher_state_new();
  CHECK(state != NULL);
  rsa_setup();
  for (iteration = 0; iteration < iterations; iteration++) {
    /* RSA one call in ten: a signature or decryption under the sanitizers costs as much as a hundred AES calls. */
    if (below(10) == 0) {
      fuzz_rsa();
      continue;
    }
    switch (below(4)) {
      case 0: fuzz_aes(state); break;
      case 1: fuzz_cbc_mac(state); break;
      case 2: fuzz_gcm(state); break;
      default: fuzz_hmac(state); break;
    }
  }
  cipher_state_free(state);
  rsa_teardown();
  printf("cipher-fuzz: %llu iterations ok (seed %llu)\n", iterations, seed);
  return 0;
}
