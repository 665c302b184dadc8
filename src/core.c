/* atlas_admin.core: the C half of atlas-admin.
 *
 * One area per file: schema.c (validation), credential.c (secrets),
 * transport.c (libcurl), url.c (escaping).  This file only initialises libcurl once per
 * process and assembles the module table; nothing here does I/O.
 */
#include <curl/curl.h>
#include <lauxlib.h>
#include <lua.h>

#include "compat.h"
#include "credential.h"
#include "schema.h"
#include "transport.h"
#include "url.h"

#if defined(__GNUC__)
#define EXPORT __attribute__((visibility("default")))
#else
#define EXPORT
#endif

EXPORT int luaopen_atlas_admin_core(lua_State *L);

int luaopen_atlas_admin_core(lua_State *L) {
  /* curl_global_init is process-wide and not reference counted before
   * 7.84; a module loaded into several Lua states must call it once. */
  static int curl_ready = 0;
  curl_version_info_data *info;
  if (!curl_ready) {
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
      return luaL_error(L, "atlas-admin: curl_global_init failed: %s", curl_easy_strerror(rc));
    curl_ready = 1;
  }
  lua_newtable(L);
  schema_register(L, -1);
  credential_register(L, -1);
  transport_register(L, -1);
  url_register(L, -1);
  info = curl_version_info(CURLVERSION_NOW);
  lua_pushstring(L, info->version);
  lua_setfield(L, -2, "libcurl_version");
  lua_pushboolean(L, (info->features & CURL_VERSION_SSL) != 0);
  lua_setfield(L, -2, "tls");
  return 1;
}
