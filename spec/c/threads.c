/* Issue 12, point 6: the module opened by several Lua states on several
 * threads at once (curl_global_init must run once; the open-handle count
 * must stay exact).  Each thread opens its own state, requires the core,
 * creates and closes transports; then a last state checks that the
 * process-wide count of open transports is back to zero.
 *
 *   threads <path of the built core's directory> [threads] [rounds] */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const char *dir;
static int rounds = 50;

static const char *SCRIPT =
    "local core = require 'atlas_admin.core'\n"
    "local cred = assert(core.credential('digest', 'abcdefgh', 'secret-key'))\n"
    "local rounds = ...\n"
    "for _ = 1, rounds do\n"
    "  local t = {}\n"
    "  for i = 1, 4 do t[i] = core.transport({ timeout = 1, user_agent = 'threads' }, cred) end\n"
    "  for i = 1, 4 do t[i]:close() end\n"
    "end\n"
    "return core.libcurl_version\n";

static int run_state(void) {
  char cpath[1024];
  int ok;
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  snprintf(cpath, sizeof cpath, "package.cpath = '%s/?.so;' .. package.cpath", dir);
  ok = luaL_dostring(L, cpath) == 0 && luaL_loadstring(L, SCRIPT) == 0;
  if (ok) {
    lua_pushinteger(L, rounds);
    ok = lua_pcall(L, 1, 1, 0) == 0;
  }
  if (!ok) fprintf(stderr, "thread: %s\n", lua_tostring(L, -1));
  lua_close(L);
  return ok;
}

static void *worker(void *arg) {
  *(int *)arg = run_state();
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 2 ? atoi(argv[2]) : 8, i, good = 0, open_after;
  pthread_t th[64];
  int results[64];
  lua_State *L;
  char cpath[1024];
  if (argc < 2 || n < 1 || n > 64) return 2;
  dir = argv[1];
  if (argc > 3) rounds = atoi(argv[3]);
  for (i = 0; i < n; i++) pthread_create(&th[i], NULL, worker, &results[i]);
  for (i = 0; i < n; i++) {
    pthread_join(th[i], NULL);
    good += results[i];
  }
  L = luaL_newstate();
  luaL_openlibs(L);
  snprintf(cpath, sizeof cpath, "package.cpath = '%s/?.so;' .. package.cpath", dir);
  if (luaL_dostring(L, cpath) != 0 || luaL_dostring(L, "return require('atlas_admin.core').open_transports()") != 0) {
    fprintf(stderr, "%s\n", lua_tostring(L, -1));
    return 2;
  }
  open_after = (int)lua_tointeger(L, -1);
  lua_close(L);
  printf("threads: %d of %d states ok, %d transports open after all closed\n", good, n, open_after);
  return good == n && open_after == 0 ? 0 : 1;
}
