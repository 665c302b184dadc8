/* A growable byte buffer owned by a userdata (freed by its close/__gc). */
#ifndef ATLAS_ADMIN_BUFFER_H
#define ATLAS_ADMIN_BUFFER_H

#include <stddef.h>

typedef struct {
  char *data;
  size_t len, cap;
} buffer_t;

/* Appends n bytes; returns 0 on success, -1 when memory runs out (the
 * buffer is left as it was).  Never raises: it runs inside libcurl
 * callbacks. */
int buffer_append(buffer_t *b, const char *s, size_t n);
void buffer_clear(buffer_t *b);
/* Frees the memory, wiping it first when wipe is set (it may hold a
 * bearer token or a response with secrets). */
void buffer_free(buffer_t *b, int wipe);

#endif
