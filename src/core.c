/* atlas_admin.core: the C half of atlas-admin.
 *
 * One area per file.  Validation: roles.c (the role table), checks.c (ids,
 * usernames, team names, role lists; codepoints.c says which characters
 * a name may not hold), body.c (request bodies: schemas, checks, JSON),
 * id_path.c (paths joined from checked ids), problem.c (what a failed
 * check reports).  HTTP: transport.c (libcurl), header_rules.c (which
 * request headers may be sent, which values are redacted),
 * response_head.c (response heads into tables; both transports),
 * trace_collect.c (traces, redacted), oauth.c (service-account tokens),
 * multi.c (batches over libcurl multi), url.c (escaping).  Secrets:
 * credential.c.  This file only initialises libcurl once per process
 * and assembles the module table; nothing here does I/O.
 */
#include <pthread.h>

#include <curl/curl.h>
#include <lauxlib.h>
#include <lua.h>

#include "body.h"
#include "checks.h"
#include "clock.h"
#include "compat.h"
#include "credential.h"
#include "digest_auth.h"
#include "hash.h"
#include "header_rules.h"
#include "id_path.h"
#include "identity_checks.h"
#include "multi.h"
#include "oauth.h"
#include "response_head.h"
#include "roles.h"
#include "secret_body.h"
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
  roles_register(L, -1);
  checks_register(L, -1);
  body_register(L, -1);
  id_path_register(L, -1);
  identity_checks_register(L, -1);
  secret_body_register(L, -1);
  credential_register(L, -1);
  transport_register(L, -1);
  header_rules_register(L, -1);
  response_head_register(L, -1);
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
