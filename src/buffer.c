#include "buffer.h"

#include <stdlib.h>
#include <string.h>

int buffer_append(buffer_t *b, const char *s, size_t n) {
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 1024;
    char *p;
    while (cap - b->len < n) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  return 0;
}

void buffer_clear(buffer_t *b) { b->len = 0; }

void buffer_free(buffer_t *b, int wipe) {
  if (b->data && wipe) {
    volatile char *p = b->data;
    size_t i;
    for (i = 0; i < b->cap; i++) p[i] = 0;
  }
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
