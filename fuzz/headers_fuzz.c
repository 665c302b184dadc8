/* libFuzzer: the parsing of untrusted response bytes shared by both
 * transports: response header blocks into a Lua table
 * (response_head_push, response_head.c), and the trace's header
 * redaction (trace_headers over header_redact, header_rules.c): a
 * sensitive header's value must never survive redaction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <lualib.h>

#include "../src/buffer.h"
#include "../src/header_rules.h"
#include "../src/response_head.h"
#include "../src/trace_collect.h"

static lua_State *L;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  buffer_t out;
  size_t i;
  if (!L) L = luaL_newstate();
  memset(&out, 0, sizeof out);
  lua_settop(L, 0);
  response_head_push(L, (const char *)data, size);
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
  buffer_free(&out, 0);
  return 0;
}
