/* libFuzzer: the token endpoint's answer, scanned in C (src/token_json.c).
 * Any input: no crash, no read past the end, and a token it reports lies
 * inside the input and holds only token characters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/token_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  token_fields_t f;
  /* A heap copy of exactly size bytes, so ASan sees any overread. */
  char *text = malloc(size ? size : 1);
  size_t i;
  if (!text) return 0;
  memcpy(text, data, size);
  if (token_json_scan(text, size, &f) == 0 && f.token) {
    if (f.token < text || f.token + f.token_len > text + size) abort();
    for (i = 0; i < f.token_len; i++)
      if (f.token[i] == '"' || f.token[i] == '\\' || (unsigned char)f.token[i] < 0x21) abort();
  }
  free(text);
  return 0;
}
