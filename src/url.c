/* URL pieces through libcurl, so the Lua layer never hand-writes
 * percent-encoding.
 *
 *   core.url_escape(s) -> s percent-encoded for a path segment or a query
 *                         value (every byte but A-Z a-z 0-9 - . _ ~)
 */
#include "url.h"

#include <string.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "compat.h"

#define ESCAPE_MAX 65536

static int l_url_escape(lua_State *L) {
  size_t len, out_len;
  const char *s = luaL_checklstring(L, 1, &len);
  char *scratch, *escaped;
  luaL_argcheck(L, len < ESCAPE_MAX, 1, "value too long to escape");
  /* Scratch space as userdata first (a raise here leaks nothing); the
   * escaped form is at most three bytes per input byte. */
  scratch = (char *)lua_newuserdata(L, 3 * len + 1);
  escaped = curl_easy_escape(NULL, s, (int)len); /* a NULL handle is allowed */
  if (!escaped) return luaL_error(L, "atlas-admin: out of memory");
  out_len = strlen(escaped);
  memcpy(scratch, escaped, out_len); /* out_len <= 3 * len by construction */
  curl_free(escaped);                /* freed before anything that can raise */
  lua_pushlstring(L, scratch, out_len);
  return 1;
}

void url_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_url_escape);
  lua_setfield(L, module_index, "url_escape");
}
