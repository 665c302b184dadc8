/* Issue 12, point 4b: a secret buffer that grows must not leave its old
 * block unwiped in freed memory.  free() is interposed (-Wl,--wrap=free):
 * every block freed while a check is armed must be all zeros. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/buffer.h"

void __real_free(void *p);
void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);

#define TRACKED 64
static struct { void *p; size_t n; } blocks[TRACKED];
static int armed, dirty_frees, checked_frees;

static void track(void *p, size_t n) {
  int i;
  for (i = 0; i < TRACKED; i++)
    if (!blocks[i].p) { blocks[i].p = p; blocks[i].n = n; return; }
}

static size_t untrack(void *p) {
  int i;
  for (i = 0; i < TRACKED; i++)
    if (blocks[i].p == p) { size_t n = blocks[i].n; blocks[i].p = NULL; return n; }
  return 0;
}

void *__wrap_malloc(size_t n) {
  void *p = __real_malloc(n);
  if (p && armed) track(p, n);
  return p;
}

void *__wrap_realloc(void *p, size_t n) {
  /* A realloc that moves frees the old block as it is: check it too. */
  size_t old = p ? untrack(p) : 0;
  void *q;
  if (armed && old) {
    size_t i;
    const unsigned char *b = (const unsigned char *)p;
    checked_frees++;
    for (i = 0; i < old; i++)
      if (b[i]) { dirty_frees++; break; }
  }
  q = __real_realloc(p, n);
  if (q && armed) track(q, n);
  return q;
}

void __wrap_free(void *p) {
  size_t n = p ? untrack(p) : 0;
  if (armed && n) {
    size_t i;
    const unsigned char *b = (const unsigned char *)p;
    checked_frees++;
    for (i = 0; i < n; i++)
      if (b[i]) { dirty_frees++; break; }
  }
  __real_free(p);
}

int main(void) {
  buffer_t b;
  char chunk[700];
  int i;
  memset(&b, 0, sizeof b);
  b.secret = 1;
  memset(chunk, 'T', sizeof chunk); /* stands for a token arriving in chunks */
  armed = 1;
  for (i = 0; i < 20; i++)
    if (buffer_append(&b, chunk, sizeof chunk) != 0) return 2;
  buffer_clear(&b);
  buffer_free(&b, 0);
  armed = 0;
  printf("buffer_wipe: %d freed blocks checked, %d not wiped\n", checked_frees, dirty_frees);
  return checked_frees >= 3 && dirty_frees == 0 ? 0 : 1;
}
