/* A growable byte buffer owned by a userdata (freed by its close/__gc). */
#ifndef ATLAS_ADMIN_BUFFER_H
#define ATLAS_ADMIN_BUFFER_H

#include <stddef.h>

typedef struct {
  char *data;
  size_t len, cap;
  int secret; /* may hold a secret: never leave a copy behind in freed memory */
} buffer_t;

/* Appends n bytes; returns 0 on success, -1 when memory runs out (the
 * buffer is left as it was).  Never raises: it runs inside libcurl
 * callbacks.  A secret buffer grows by allocate-copy-wipe-free, because
 * realloc may free the old block without wiping it. */
int buffer_append(buffer_t *b, const char *s, size_t n);
/* Empties the buffer; a secret buffer's used bytes are wiped. */
void buffer_clear(buffer_t *b);
/* Frees the memory, wiping it first when the buffer is secret or wipe is
 * set. */
void buffer_free(buffer_t *b, int wipe);
/* Overwrites n bytes with zeros in a way the compiler may not drop. */
void buffer_wipe_bytes(void *p, size_t n);

#endif
