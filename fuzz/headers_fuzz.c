/* libFuzzer: the transport's parsing of untrusted response bytes:
 * response header blocks into a Lua table (push_headers, reached by
 * including transport.c: it is static), and the trace's header redaction
 * (trace_headers, trace_collect.c): a sensitive header's value must never
 * survive redaction. */
#include "../src/transport.c"

#include <lualib.h>

static lua_State *L;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  buffer_t head, out;
  size_t i;
  if (!L) L = luaL_newstate();
  memset(&head, 0, sizeof head);
  memset(&out, 0, sizeof out);
  if (buffer_append(&head, (const char *)data, size) != 0) return 0;
  lua_settop(L, 0);
  push_headers(L, &head);
  lua_settop(L, 0);
  trace_headers(&out, (const char *)data, size, 1 << 20);
  /* after redaction, no line names Authorization with a value other than the marker */
  for (i = 0; i < out.len; i++) {
    const char *line = out.data + i;
    size_t left = out.len - i;
    if ((i == 0 || out.data[i - 1] == '\n') && left > 14 && strncasecmp(line, "authorization:", 14) == 0) {
      const char *eol = memchr(line, '\n', left);
      size_t n = eol ? (size_t)(eol - line) : left;
      if (n < 14 + 1 + sizeof REDACTED - 1 || memcmp(line + 15, REDACTED, sizeof REDACTED - 1) != 0) abort();
    }
  }
  buffer_free(&head, 0);
  buffer_free(&out, 0);
  return 0;
}
