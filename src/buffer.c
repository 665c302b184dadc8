/* explicit_bzero: a wipe the compiler may not drop, as fast as memset
 * (every response passes through a secret buffer: a byte loop per call
 * was measurable). */
#define _DEFAULT_SOURCE
#include "buffer.h"

#include <stdlib.h>
#include <string.h>

void buffer_wipe_bytes(void *p, size_t n) {
  if (n) explicit_bzero(p, n);
}

int buffer_append(buffer_t *b, const char *s, size_t n) {
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 1024;
    char *p;
    while (cap - b->len < n) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    if (b->secret) {
      p = malloc(cap);
      if (!p) return -1;
      if (b->data) {
        memcpy(p, b->data, b->len);
        buffer_wipe_bytes(b->data, b->cap);
        free(b->data);
      }
    } else {
      p = realloc(b->data, cap);
      if (!p) return -1;
    }
    b->data = p;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, s, n);
  b->len += n;
  return 0;
}

void buffer_clear(buffer_t *b) {
  if (b->secret && b->data) buffer_wipe_bytes(b->data, b->len);
  b->len = 0;
}

void buffer_free(buffer_t *b, int wipe) {
  if (b->data && (wipe || b->secret)) buffer_wipe_bytes(b->data, b->cap);
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
