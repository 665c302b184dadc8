/* Credential objects.
 *
 * core.credential(kind, id, secret) -> credential | nil, field, message
 *   kind: "digest" (id = public key, secret = private key),
 *         "bearer" (id ignored, secret = access token),
 *         "service_account" (id = client id, secret = client secret),
 *         "created_secret" (id ignored, secret = what Atlas returned once:
 *         an API key's private key, a service account secret; the
 *         transport makes these itself, secret_body.c).
 * secret:reveal()           -> the secret as a Lua string (created secrets only)
 * secret:write_file(path)   -> true | nil, message: a new file, mode 0600,
 *                              never over an existing one (created secrets only)
 *
 * Why a userdata: the secret must not be reachable from Lua once handed
 * over (no field to print, no pairs() to walk), tostring() must redact it,
 * and the bytes are wiped when the object is collected.  The storage is the
 * userdata block itself, so nothing is malloc'd and nothing can leak.
 */
#include "credential.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
  { "created_secret", CREDENTIAL_CREATED_SECRET, NULL, "secret", NULL, NULL },
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
  case CREDENTIAL_CREATED_SECRET:
    lua_pushliteral(L, "atlas.secret(<redacted>: secret:reveal() or secret:write_file(path))");
    break;
  default:
    lua_pushliteral(L, "atlas.bearer(access token <redacted>)");
  }
  return 1;
}

/* ---- created secrets: the one way to read, the one way to store ------- */

static credential_t *check_created(lua_State *L, const char *method) {
  credential_t *c = credential_check(L, 1);
  if (c->kind != CREDENTIAL_CREATED_SECRET)
    luaL_error(L, "atlas-admin: %s is for a secret Atlas returned on create; a client's credential is never read "
               "back", method);
  if (c->secret_len == 0) luaL_error(L, "atlas-admin: this secret was wiped");
  return c;
}

static int l_reveal(lua_State *L) {
  credential_t *c = check_created(L, "reveal");
  lua_pushlstring(L, credential_secret(c), c->secret_len);
  return 1;
}

/* Writes all of n bytes; 0, or -1 with errno set. */
static int write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The directory entry of a new file outlives a crash only once its
 * directory is synced too: best effort (some file systems refuse). */
static void sync_parent(const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  int fd;
  if (!slash) memcpy(dir, ".", 2);
  else if (n == 0) memcpy(dir, "/", 2);
  else if (n < sizeof dir) {
    memcpy(dir, path, n);
    dir[n] = '\0';
  } else return;
  fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

static int write_failed(lua_State *L, const char *path, const char *what, int err) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s: %s", path, what, strerror(err));
  return 2;
}

/* secret:write_file(path): a new file (O_EXCL: an existing file, or a
 * symbolic link planted at the name, is refused), mode 0600 whatever the
 * umask, the secret and a newline, synced before true is returned.  A
 * file that could not be written whole is removed. */
static int l_write_file(lua_State *L) {
  credential_t *c = check_created(L, "write_file");
  size_t len;
  const char *path = luaL_checklstring(L, 2, &len);
  int fd, err;
  if (len == 0 || strlen(path) != len) {
    lua_pushnil(L);
    lua_pushliteral(L, "the secret file's path must be a non-empty string without NUL bytes");
    return 2;
  }
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    err = errno;
    if (err == EEXIST) {
      lua_pushnil(L);
      lua_pushfstring(L, "%s exists: a secret is only ever written to a new file (never over one); choose another "
                      "path or remove that file first", path);
      return 2;
    }
    return write_failed(L, path, "cannot create the secret file", err);
  }
  if (fchmod(fd, 0600) != 0 || write_all(fd, credential_secret(c), c->secret_len) != 0 || write_all(fd, "\n", 1) != 0 ||
      fsync(fd) != 0) {
    err = errno;
    close(fd);
    unlink(path);
    return write_failed(L, path, "cannot write the secret file (removed)", err);
  }
  if (close(fd) != 0) {
    err = errno;
    unlink(path);
    return write_failed(L, path, "cannot write the secret file (removed)", err);
  }
  sync_parent(path);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_kind(lua_State *L) {
  lua_pushstring(L, credential_kind_name(credential_check(L, 1)->kind));
  return 1;
}

/* The public half (public key or client id); nil for a bearer token. */
static int l_id(lua_State *L) {
  credential_t *c = credential_check(L, 1);
  if (c->kind == CREDENTIAL_BEARER || c->kind == CREDENTIAL_CREATED_SECRET) lua_pushnil(L);
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
  static const luaL_Reg methods[] = { { "kind", l_kind }, { "id", l_id }, { "reveal", l_reveal },
                                       { "write_file", l_write_file }, { NULL, NULL } };
  static const luaL_Reg meta[] = { { "__gc", l_gc }, { "__tostring", l_tostring }, { NULL, NULL } };
  module_index = aa_absindex(L, module_index);
  aa_newclass(L, CREDENTIAL_MT, methods, meta);
  lua_pushcfunction(L, l_credential);
  lua_setfield(L, module_index, "credential");
  lua_pushcfunction(L, l_kind_of);
  lua_setfield(L, module_index, "credential_kind");
}
