/* Issue 12, point 5: an out-of-memory error raised while the core pushes a
 * token response must not leave the service account's Basic credentials
 * (or the form) on the easy handle for the next API request.
 *
 * A Lua state whose allocator fails at the Nth allocation after arming
 * runs transport:oauth(...) for N = 1, 2, ...; after each failed attempt
 * the same transport sends an API request to a loopback stub that records
 * any "Authorization: Basic" it sees.  Prints a summary and exits non-zero
 * on a leaked credential or when no attempt failed after the transfer
 * (the case under test).
 *
 *   oom_oauth <path of the built core's directory>   (e.g. build/lua54) */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "http_stub.h"

static long countdown = -1; /* <0: never fail */

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (countdown >= 0 && nsize > (ptr ? osize : 0)) {
    if (countdown == 0) return NULL;
    countdown--;
  }
  return realloc(ptr, nsize);
}

static const char *SCRIPT =
    "local core = require 'atlas_admin.core'\n"
    "local url = ...\n"
    "local sa = assert(core.credential('service_account', 'mdb_sa_id_stub', 'mdb_sa_sk_stub'))\n"
    "local t = core.transport({ timeout = 5 }, sa)\n"
    "return t, sa, url\n";

int main(int argc, char **argv) {
  http_stub_t stub;
  lua_State *L;
  char url[128], cpath[1024];
  int n, failed_after_transfer = 0, failed_before = 0, succeeded = 0;
  if (argc < 2) return 2;
  if (stub_start(&stub) != 0) { perror("stub"); return 2; }
  snprintf(url, sizeof url, "http://127.0.0.1:%d", stub.port);
  L = lua_newstate(failing_alloc, NULL);
  luaL_openlibs(L);
  snprintf(cpath, sizeof cpath, "package.cpath = '%s/?.so;' .. package.cpath", argv[1]);
  if (luaL_dostring(L, cpath) != 0) { fprintf(stderr, "%s\n", lua_tostring(L, -1)); return 2; }
  if (luaL_loadstring(L, SCRIPT) != 0) { fprintf(stderr, "%s\n", lua_tostring(L, -1)); return 2; }
  lua_pushfstring(L, "%s", url);
  if (lua_pcall(L, 1, 3, 0) != 0) { fprintf(stderr, "%s\n", lua_tostring(L, -1)); return 2; }
  /* stack: transport, sa, url */
  for (n = 0; n < 400; n++) {
    int before = stub.token_requests, rc, basic_before = stub.basic_on_api;
    lua_getfield(L, 1, "oauth");
    lua_pushvalue(L, 1);
    lua_pushfstring(L, "%s/api/oauth/token", url);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "token");
    countdown = n; /* the (n+1)th allocation from here fails */
    rc = lua_pcall(L, 4, 5, 0);
    countdown = -1;
    if (rc == LUA_OK) {
      succeeded++;
      lua_pop(L, 5);
      if (succeeded > 3) break; /* past the last allocation of the call */
      continue;
    }
    lua_pop(L, 1);
    if (stub.token_requests > before) failed_after_transfer++;
    else failed_before++;
    /* The next API request on the same handle must carry no Basic credentials. */
    lua_getfield(L, 1, "send");
    lua_pushvalue(L, 1);
    lua_pushliteral(L, "GET");
    lua_pushfstring(L, "%s/api/atlas/v2/next", url);
    lua_newtable(L);
    if (lua_pcall(L, 4, 4, 0) != LUA_OK) {
      fprintf(stderr, "send failed: %s\n", lua_tostring(L, -1));
      return 1;
    }
    lua_pop(L, 4);
    if (stub.basic_on_api > basic_before) {
      fprintf(stderr, "LEAK: after an allocation failure at step %d, the next API request carried Basic credentials\n", n);
      return 1;
    }
  }
  printf("oom_oauth: %d failures before the transfer, %d after it, %d successes; no Basic credentials on API requests\n",
         failed_before, failed_after_transfer, succeeded);
  lua_close(L);
  return failed_after_transfer > 0 ? 0 : 3;
}
