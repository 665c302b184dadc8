/* Credential objects.
 *
 * core.credential(kind, id, secret) -> credential | nil, field, message
 *   kind: "digest" (id = public key, secret = private key),
 *         "bearer" (id ignored, secret = access token),
 *         "service_account" (id = client id, secret = client secret).
 *
 * Why a userdata: the secret must not be reachable from Lua once handed
 * over (no field to print, no pairs() to walk), tostring() must redact it,
 * and the bytes are wiped when the object is collected.  The storage is the
 * userdata block itself, so nothing is malloc'd and nothing can leak.
 */
#include "credential.h"

#include <string.h>

#include <lauxlib.h>

#include "compat.h"

#define SECRET_MAX 16384 /* an OAuth access token is a few KB at most */

static const struct {
  const char *name;
  credential_kind_t kind;
  const char *id_label;     /* NULL: the kind has no id */
  const char *secret_label;
  const char *id_env;
  const char *secret_env;
} kinds[] = {
  { "digest", CREDENTIAL_DIGEST, "public key", "private key",
    "MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY" },
  { "bearer", CREDENTIAL_BEARER, NULL, "access token", NULL, "MONGODB_ATLAS_ACCESS_TOKEN" },
  { "service_account", CREDENTIAL_SERVICE_ACCOUNT, "client id", "client secret",
    "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET" },
  { NULL, 0, NULL, NULL, NULL, NULL },
};

const char *credential_kind_name(credential_kind_t kind) {
  int i;
  for (i = 0; kinds[i].name; i++)
    if (kinds[i].kind == kind) return kinds[i].name;
  return "unknown";
}

credential_t *credential_check(lua_State *L, int idx) {
  return (credential_t *)luaL_checkudata(L, idx, CREDENTIAL_MT);
}

/* Credentials travel in HTTP headers: a control character would let a
 * value inject a header, and spaces are never part of a real key. */
static int printable_token(const char *s, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7f) return 0;
  }
  return 1;
}

/* Pushes nil, field, message and returns 3.  The message never includes
 * the value: it may be a secret. */
static int reject(lua_State *L, const char *field, const char *label, const char *env,
                  const char *what) {
  lua_pushnil(L);
  lua_pushstring(L, field);
  if (env)
    lua_pushfstring(L, "%s %s (pass it explicitly or set %s)", label, what, env);
  else
    lua_pushfstring(L, "%s %s", label, what);
  return 3;
}

static int check_part(lua_State *L, int idx, const char *field, const char *label,
                      const char *env) {
  size_t len;
  const char *s;
  if (lua_type(L, idx) != LUA_TSTRING) {
    return lua_isnoneornil(L, idx) ? reject(L, field, label, env, "is missing")
                                   : reject(L, field, label, NULL, "must be a string");
  }
  s = lua_tolstring(L, idx, &len);
  if (len == 0) return reject(L, field, label, env, "is empty");
  if (len > SECRET_MAX) return reject(L, field, label, NULL, "is too long to be real");
  if (!printable_token(s, len))
    return reject(L, field, label, NULL,
                  "contains spaces, control or non-ASCII characters; check for a stray newline or quote");
  return 0;
}

static int l_credential(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  size_t id_len = 0, secret_len, i;
  const char *id = "", *secret;
  int n;
  for (i = 0; kinds[i].name; i++)
    if (strcmp(kinds[i].name, name) == 0) break;
  if (!kinds[i].name) return luaL_argerror(L, 1, "unknown credential kind");
  if (kinds[i].id_label) {
    if ((n = check_part(L, 2, "auth.id", kinds[i].id_label, kinds[i].id_env))) return n;
    id = lua_tolstring(L, 2, &id_len);
  }
  if ((n = check_part(L, 3, "auth.secret", kinds[i].secret_label, kinds[i].secret_env))) return n;
  secret = lua_tolstring(L, 3, &secret_len);

  credential_push(L, kinds[i].kind, id, id_len, secret, secret_len); /* checked above */
  return 1;
}

int credential_push(lua_State *L, credential_kind_t kind, const char *id, size_t id_len,
                    const char *secret, size_t secret_len) {
  credential_t *c;
  if (secret_len == 0 || secret_len > SECRET_MAX || !printable_token(secret, secret_len) ||
      id_len > SECRET_MAX || !printable_token(id, id_len))
    return -1;
  c = (credential_t *)lua_newuserdata(L, sizeof *c + id_len + 1 + secret_len + 1);
  c->kind = kind;
  c->id_len = id_len;
  c->secret_len = secret_len;
  memcpy(c->data, id, id_len);
  c->data[id_len] = '\0';
  memcpy(c->data + id_len + 1, secret, secret_len);
  c->data[id_len + 1 + secret_len] = '\0';
  luaL_getmetatable(L, CREDENTIAL_MT);
  lua_setmetatable(L, -2);
  return 0;
}

/* Wipes the secret so it does not linger in freed memory (core dumps). */
static int l_gc(lua_State *L) {
  credential_t *c = credential_check(L, 1);
  volatile char *p = c->data;
  size_t i, n = c->id_len + 1 + c->secret_len + 1;
  for (i = 0; i < n; i++) p[i] = 0;
  c->secret_len = 0;
  return 0;
}

static int l_tostring(lua_State *L) {
  credential_t *c = credential_check(L, 1);
  switch (c->kind) {
  case CREDENTIAL_DIGEST:
    lua_pushfstring(L, "atlas.digest(public key %s, private key <redacted>)", credential_id(c));
    break;
  case CREDENTIAL_SERVICE_ACCOUNT:
    lua_pushfstring(L, "atlas.service_account(client id %s, client secret <redacted>)", credential_id(c));
    break;
  default:
    lua_pushliteral(L, "atlas.bearer(access token <redacted>)");
  }
  return 1;
}

static int l_kind(lua_State *L) {
  lua_pushstring(L, credential_kind_name(credential_check(L, 1)->kind));
  return 1;
}

/* The public half (public key or client id); nil for a bearer token. */
static int l_id(lua_State *L) {
  credential_t *c = credential_check(L, 1);
  if (c->kind == CREDENTIAL_BEARER) lua_pushnil(L);
  else lua_pushlstring(L, credential_id(c), c->id_len);
  return 1;
}

/* core.credential_kind(v): the kind name if v is a credential, else nil.
 * (The metatable is locked, so Lua code cannot tell by itself.) */
static int l_kind_of(lua_State *L) {
  credential_t *c = (credential_t *)aa_testudata(L, 1, CREDENTIAL_MT);
  if (c) lua_pushstring(L, credential_kind_name(c->kind));
  else lua_pushnil(L);
  return 1;
}

void credential_register(lua_State *L, int module_index) {
  static const luaL_Reg methods[] = { { "kind", l_kind }, { "id", l_id }, { NULL, NULL } };
  static const luaL_Reg meta[] = { { "__gc", l_gc }, { "__tostring", l_tostring }, { NULL, NULL } };
  module_index = aa_absindex(L, module_index);
  aa_newclass(L, CREDENTIAL_MT, methods, meta);
  lua_pushcfunction(L, l_credential);
  lua_setfield(L, module_index, "credential");
  lua_pushcfunction(L, l_kind_of);
  lua_setfield(L, module_index, "credential_kind");
}
