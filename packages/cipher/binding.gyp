{
  "targets": [
    {
      "target_name": "openplay_cipher",
      "sources": ["native/cipher.c", "native/cipher-core.c", "native/rsa-core.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
