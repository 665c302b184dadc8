/* atlas_admin.core: the C half of atlas-admin.
 *
 * One area per file: schema.c (validation), credential.c (secrets),
 * transport.c (libcurl), trace_collect.c (its traces, redacted), oauth.c
 * (service-account tokens over it), multi.c (batches over libcurl multi),
 * url.c (escaping).  This file only initialises libcurl once per process
 * and assembles the module table; nothing here does I/O.
 */
#include <pthread.h>

#include <curl/curl.h>
#include <lauxlib.h>
#include <lua.h>

#include "clock.h"
#include "compat.h"
#include "credential.h"
#include "digest_auth.h"
#include "hash.h"
#include "multi.h"
#include "oauth.h"
#include "schema.h"
#include "transport.h"
#include "url.h"

#if defined(__GNUC__)
#define EXPORT __attribute__((visibility("default")))
#else
#define EXPORT
#endif

EXPORT int luaopen_atlas_admin_core(lua_State *L);

/* curl_global_init is process-wide, not thread-safe and not reference
 * counted before libcurl 7.84; the module may be opened by several Lua
 * states on several threads (nginx thread pools, embedders), so it runs
 * exactly once, under pthread_once.  These two are the only mutable
 * statics of the core besides transport.c's atomic counter. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void) { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); }

int luaopen_atlas_admin_core(lua_State *L) {
  curl_version_info_data *info;
  pthread_once(&curl_once, init_curl);
  if (curl_init_result != CURLE_OK)
    return luaL_error(L, "atlas-admin: curl_global_init failed: %s", curl_easy_strerror(curl_init_result));
  lua_newtable(L);
  schema_register(L, -1);
  credential_register(L, -1);
  transport_register(L, -1);
  oauth_register(L); /* adds transport:oauth */
  multi_register(L, -1);
  url_register(L, -1);
  clock_register(L, -1);
  digest_auth_register(L, -1);
  hash_register(L, -1);
  info = curl_version_info(CURLVERSION_NOW);
  lua_pushstring(L, info->version);
  lua_setfield(L, -2, "libcurl_version");
  lua_pushboolean(L, (info->features & CURL_VERSION_SSL) != 0);
  lua_setfield(L, -2, "tls");
  return 1;
}
