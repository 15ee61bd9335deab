{
  "targets": [
    {
      "target_name": "openplay_cipher",
      "sources": ["native/cipher.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
