/* Request paths whose parameters are all ids, checked and joined in one
 * step (the client's per-call path builder).
 *
 * core.id_path(head, id1, name1, piece1 [, id2, name2, piece2 ...])
 *   -> head .. id1 .. piece1 .. id2 .. piece2 ... | nil, field, message
 * Each id is checked (ids need no escaping once checked) under its name:
 * a name with a form of its own (clientId, ipAddress) is checked as that
 * (identity_checks.h check_path_param). */
#include "id_path.h"

#include <string.h>

#include <lauxlib.h>

#include "checks.h"
#include "identity_checks.h"
#include "compat.h"
#include "problem.h"

static int l_id_path(lua_State *L) {
  problem_t p;
  luaL_Buffer b;
  int i, n = lua_gettop(L);
  luaL_argcheck(L, n >= 4 && (n - 1) % 3 == 0, n, "head, then id, name, piece triples");
  for (i = 2; i <= n; i += 3) {
    luaL_checkstring(L, i + 2); /* the piece after it */
    if (!check_path_param(L, i, luaL_checkstring(L, i + 1), &p)) return problem_push(L, 0, &p);
  }
  luaL_checkstring(L, 1);
  {
    char small[512]; /* a path fits: joined here, pushed once */
    size_t at = 0;
    for (i = 1; i <= n; i++) {
      size_t len;
      const char *s;
      if (i % 3 == 0) continue; /* a name: 3, 6, 9, ... */
      s = lua_tolstring(L, i, &len);
      if (len > sizeof small - at) break;
      memcpy(small + at, s, len);
      at += len;
    }
    if (i > n) {
      lua_pushlstring(L, small, at);
      return 1;
    }
  }
  luaL_buffinit(L, &b); /* a long one (a long base URL) */
  for (i = 1; i <= n; i++) {
    size_t len;
    const char *s;
    if (i % 3 == 0) continue;
    s = lua_tolstring(L, i, &len);
    luaL_addlstring(&b, s, len);
  }
  luaL_pushresult(&b);
  return 1;
}

void id_path_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_id_path);
  lua_setfield(L, module_index, "id_path");
}
