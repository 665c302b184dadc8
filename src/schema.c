/* Validation of request arguments, run before any request is built.
 *
 * Every check returns either success or a (field, message) pair; the Lua
 * layer turns the pair into an error object.  Messages say what is wrong
 * and how to fix it, and name the offending value only when it is not a
 * secret (ids, usernames and role names never are).
 *
 * Lua API (all return true, or nil, field, message):
 *   core.check_id(value, field)                 24 lowercase hex digits
 *   core.check_username(value, field)           plausible email address
 *   core.check_roles(value, field, extra_set)   non-empty unique known roles
 *   core.check_body(schema, value, extra_set)   whole body against a schema
 */
#include "schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "compat.h"

#define MESSAGE_MAX 512
#define USERNAME_MAX 254 /* RFC 5321 path limit, what Atlas accepts */

/* The eleven project roles of the spec (2025 revision, the last that had
 * the enum).  Roles Atlas adds later are accepted through the client's
 * extra_roles option rather than by editing this list. */
static const char *const project_roles[] = {
  "GROUP_BACKUP_MANAGER",        "GROUP_CLUSTER_MANAGER",
  "GROUP_DATA_ACCESS_ADMIN",     "GROUP_DATA_ACCESS_READ_ONLY",
  "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_DATABASE_ACCESS_ADMIN",
  "GROUP_OBSERVABILITY_VIEWER",  "GROUP_OWNER",
  "GROUP_READ_ONLY",             "GROUP_SEARCH_INDEX_EDITOR",
  "GROUP_STREAM_PROCESSING_OWNER", NULL,
};

typedef struct {
  const char *field; /* path of the offending value, e.g. roles[2] */
  char message[MESSAGE_MAX];
} problem_t;

static int fail(problem_t *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(problem_t *p, const char *field, const char *fmt, ...) {
  va_list ap;
  p->field = field;
  va_start(ap, fmt);
  vsnprintf(p->message, sizeof p->message, fmt, ap);
  va_end(ap);
  return 0;
}

/* Writes a short, printable rendering of an untrusted string for use in a
 * message: control bytes become '?', long values are cut. */
static const char *quote_value(const char *s, size_t len, char *out, size_t outsz) {
  size_t i, n = 0, limit = outsz - 4; /* room for "..." and NUL */
  for (i = 0; i < len && n < limit; i++)
    out[n++] = (s[i] >= 0x20 && s[i] != 0x7f) ? s[i] : '?';
  if (i < len) { memcpy(out + n, "...", 3); n += 3; }
  out[n] = '\0';
  return out;
}

static const char *lua_type_label(lua_State *L, int idx) {
  return lua_typename(L, lua_type(L, idx));
}

/* ---- ids ------------------------------------------------------------- */

static int check_id(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i;
  const char *s;
  char shown[64];
  if (lua_type(L, idx) != LUA_TSTRING)
    return fail(p, field, "%s must be a string of 24 lowercase hexadecimal digits, got %s",
                field, lua_type_label(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
  if (len != 24)
    return fail(p, field, "%s must be exactly 24 lowercase hexadecimal digits, got %zu characters (\"%s\")",
                field, len, quote_value(s, len, shown, sizeof shown));
  for (i = 0; i < len; i++) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) continue;
    if (c >= 'A' && c <= 'F')
      return fail(p, field, "%s must use lowercase hexadecimal digits; write it in lowercase (\"%s\")",
                  field, quote_value(s, len, shown, sizeof shown));
    return fail(p, field, "%s must contain only hexadecimal digits 0-9a-f; character %zu is not one (\"%s\")",
                field, i + 1, quote_value(s, len, shown, sizeof shown));
  }
  return 1;
}

/* ---- username -------------------------------------------------------- */

static int check_username(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i, at = 0, ats = 0;
  const char *s, *domain, *dot;
  char shown[96];
  if (lua_type(L, idx) != LUA_TSTRING)
    return fail(p, field, "%s must be the invited user's email address (a string), got %s",
                field, lua_type_label(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
  quote_value(s, len, shown, sizeof shown);
  if (len == 0)
    return fail(p, field, "%s must be the invited user's email address, got an empty string", field);
  if (len > USERNAME_MAX)
    return fail(p, field, "%s is %zu bytes long; an email address has at most %d", field, len, USERNAME_MAX);
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f)
      return fail(p, field, "%s must not contain spaces or control characters (\"%s\")", field, shown);
    if (c == '@') { ats++; at = i; }
  }
  if (ats != 1)
    return fail(p, field, "%s must be an email address with exactly one '@' (\"%s\")", field, shown);
  if (at == 0)
    return fail(p, field, "%s has nothing before the '@' (\"%s\")", field, shown);
  domain = s + at + 1;
  dot = memchr(domain, '.', len - at - 1);
  if (!dot || dot == domain || s[len - 1] == '.')
    return fail(p, field, "%s must have a domain with a dot after the '@', like user@example.com (\"%s\")",
                field, shown);
  return 1;
}

/* ---- roles ----------------------------------------------------------- */

static int is_project_role(const char *s) {
  const char *const *r;
  for (r = project_roles; *r; r++)
    if (strcmp(*r, s) == 0) return 1;
  return 0;
}

/* Optimal string alignment distance (Levenshtein plus adjacent swaps),
 * on short ASCII role names; longer inputs are not worth a suggestion. */
static size_t edit_distance(const char *a, const char *b) {
  enum { N = 48 };
  size_t la = strlen(a), lb = strlen(b), i, j;
  size_t d[N + 1][N + 1];
  if (la > N || lb > N) return (size_t)-1;
  for (i = 0; i <= la; i++) d[i][0] = i;
  for (j = 0; j <= lb; j++) d[0][j] = j;
  for (i = 1; i <= la; i++) {
    for (j = 1; j <= lb; j++) {
      size_t cost = toupper((unsigned char)a[i - 1]) != b[j - 1];
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && toupper((unsigned char)a[i - 1]) == b[j - 2] &&
          toupper((unsigned char)a[i - 2]) == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

/* The closest known role, or NULL when nothing is close enough to be a
 * plausible typo.  Case is ignored, and a missing GROUP_ prefix is found. */
static const char *suggest_role(const char *s) {
  const char *const *r;
  const char *best = NULL;
  size_t best_d = (size_t)-1, limit;
  char prefixed[64];
  if (strlen(s) < 40) {
    snprintf(prefixed, sizeof prefixed, "GROUP_%s", s);
    for (r = project_roles; *r; r++)
      if (edit_distance(prefixed, *r) == 0) return *r;
  }
  for (r = project_roles; *r; r++) {
    size_t d = edit_distance(s, *r);
    if (d < best_d) { best_d = d; best = *r; }
  }
  limit = strlen(s) / 4 + 1; /* about one edit per four characters */
  if (limit > 4) limit = 4;
  return best_d <= limit ? best : NULL;
}

/* extra_idx: a table whose keys are additional accepted role names, or 0. */
static int check_role(lua_State *L, int idx, int extra_idx, const char *field,
                      problem_t *p) {
  size_t len;
  const char *s, *hint;
  char shown[72];
  if (lua_type(L, idx) != LUA_TSTRING)
    return fail(p, field, "%s must be a role name string such as \"GROUP_READ_ONLY\", got %s",
                field, lua_type_label(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
  quote_value(s, len, shown, sizeof shown);
  if (strlen(s) != len) /* embedded NUL */
    return fail(p, field, "%s contains a NUL byte; role names are plain ASCII", field);
  if (is_project_role(s)) return 1;
  if (extra_idx) {
    int known;
    lua_pushvalue(L, idx);
    lua_rawget(L, extra_idx);
    known = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (known) return 1;
  }
  if (strncmp(s, "ORG_", 4) == 0)
    return fail(p, field, "%s: \"%s\" is an organization role, not a project role; "
                "invitations to a project take GROUP_ roles (e.g. GROUP_READ_ONLY)", field, shown);
  hint = suggest_role(s);
  if (hint)
    return fail(p, field, "%s: unknown project role \"%s\"; did you mean %s?", field, shown, hint);
  return fail(p, field, "%s: unknown project role \"%s\"; known roles are GROUP_BACKUP_MANAGER, "
              "GROUP_CLUSTER_MANAGER, GROUP_DATA_ACCESS_ADMIN, GROUP_DATA_ACCESS_READ_ONLY, "
              "GROUP_DATA_ACCESS_READ_WRITE, GROUP_DATABASE_ACCESS_ADMIN, GROUP_OBSERVABILITY_VIEWER, "
              "GROUP_OWNER, GROUP_READ_ONLY, GROUP_SEARCH_INDEX_EDITOR, GROUP_STREAM_PROCESSING_OWNER "
              "(a newer role can be allowed with the client option extra_roles)", field, shown);
}

/* Field names like roles[2] must outlive the check; they are kept in a
 * buffer owned by the caller. */
typedef struct {
  char path[64];
} field_path_t;

static int check_roles(lua_State *L, int idx, int extra_idx, const char *field,
                       problem_t *p, field_path_t *fp) {
  size_t n, i, count = 0;
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, field, "%s must be a list of project role names such as { \"GROUP_READ_ONLY\" }, got %s",
                field, lua_type_label(L, idx));
  n = aa_rawlen(L, idx);
  /* A sequence has exactly the keys 1..n: anything else means a set-like
   * table or holes, which would silently drop roles when encoded. */
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1); /* key stays for lua_next */
    count++;
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return fail(p, field, "%s must be a list (a sequence table), not a table with named keys; "
                  "write { \"GROUP_OWNER\" }, not { GROUP_OWNER = true }", field);
    }
  }
  if (count != n)
    return fail(p, field, "%s must be a list without holes (found %zu values, length %zu)", field, count, n);
  if (n == 0)
    return fail(p, field, "%s must name at least one role; PATCH replaces the roles, so list every role the user should end up with",
                field);
  for (i = 1; i <= n; i++) {
    size_t j;
    snprintf(fp->path, sizeof fp->path, "%s[%zu]", field, i);
    lua_rawgeti(L, idx, (int)i);
    if (!check_role(L, -1, extra_idx, fp->path, p)) { lua_pop(L, 1); return 0; }
    for (j = 1; j < i; j++) {
      int same;
      lua_rawgeti(L, idx, (int)j);
      same = lua_rawequal(L, -1, -2);
      lua_pop(L, 1);
      if (same) {
        char shown[72];
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        lua_pop(L, 1);
        return fail(p, fp->path, "%s: role \"%s\" is listed twice (also at %s[%zu]); list each role once",
                    fp->path, quote_value(s, len, shown, sizeof shown), field, j);
      }
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* ---- bodies ---------------------------------------------------------- */

typedef enum { FIELD_ROLES, FIELD_USERNAME, FIELD_ROLE } field_kind_t;

typedef struct {
  const char *name;
  field_kind_t kind;
  int required;
} field_spec_t;

typedef struct {
  const char *name;      /* the spec's schema name */
  const char *accepted;  /* for the unknown-field message */
  field_spec_t fields[4];
} body_schema_t;

static const body_schema_t schemas[] = {
  { "GroupInvitationRequest", "roles and username",
    { { "roles", FIELD_ROLES, 1 }, { "username", FIELD_USERNAME, 1 }, { NULL, FIELD_ROLES, 0 } } },
  { "GroupInvitationUpdateRequest", "roles (the invitation is named by its id)",
    { { "roles", FIELD_ROLES, 1 }, { NULL, FIELD_ROLES, 0 } } },
  /* Cloud Users (2025-02-19): the same fields as an invitation request. */
  { "GroupUserRequest", "roles and username",
    { { "roles", FIELD_ROLES, 1 }, { "username", FIELD_USERNAME, 1 }, { NULL, FIELD_ROLES, 0 } } },
  { "AddOrRemoveGroupRole", "groupRole (one project role)",
    { { "groupRole", FIELD_ROLE, 1 }, { NULL, FIELD_ROLES, 0 } } },
  { NULL, NULL, { { NULL, FIELD_ROLES, 0 } } },
};

static const body_schema_t *find_schema(const char *name) {
  const body_schema_t *s;
  for (s = schemas; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

static int check_body(lua_State *L, const body_schema_t *schema, int idx, int extra_idx,
                      problem_t *p, field_path_t *fp) {
  const field_spec_t *f;
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, "body", "the request body must be a table with %s, got %s",
                schema->accepted, lua_type_label(L, idx));
  /* Unknown fields first: a misspelt field name explains a "missing" one. */
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    int known = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      for (f = schema->fields; f->name; f++)
        if (strcmp(f->name, k) == 0) { known = 1; break; }
      if (!known) {
        char shown[64];
        size_t len;
        const char *kk = lua_tolstring(L, -1, &len);
        quote_value(kk, len, shown, sizeof shown);
        snprintf(fp->path, sizeof fp->path, "%s", shown);
        lua_pop(L, 1);
        return fail(p, fp->path, "unknown field \"%s\": %s accepts only %s",
                    shown, schema->name, schema->accepted);
      }
    } else {
      lua_pop(L, 1);
      return fail(p, "body", "the request body must have only named fields (%s), not list entries",
                  schema->accepted);
    }
  }
  for (f = schema->fields; f->name; f++) {
    int ok;
    lua_getfield(L, idx, f->name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      if (!f->required) continue;
      return fail(p, f->name, "%s is required: %s needs %s", f->name, schema->name, schema->accepted);
    }
    switch (f->kind) {
    case FIELD_ROLES: ok = check_roles(L, -1, extra_idx, f->name, p, fp); break;
    case FIELD_ROLE: ok = check_role(L, -1, extra_idx, f->name, p); break;
    default: ok = check_username(L, -1, f->name, p);
    }
    lua_pop(L, 1);
    if (!ok) return 0;
  }
  return 1;
}

/* ---- Lua bindings ---------------------------------------------------- */

static int push_result(lua_State *L, int ok, const problem_t *p) {
  if (ok) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushstring(L, p->field);
  lua_pushstring(L, p->message);
  return 3;
}

/* An optional table of extra role names (keys) at idx, or 0. */
static int extra_roles_index(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  return aa_absindex(L, idx);
}

static int l_check_id(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "id");
  return push_result(L, check_id(L, 1, field, &p), &p);
}

static int l_check_username(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "username");
  return push_result(L, check_username(L, 1, field, &p), &p);
}

static int l_check_roles(lua_State *L) {
  problem_t p;
  field_path_t fp;
  const char *field = luaL_optstring(L, 2, "roles");
  int extra = extra_roles_index(L, 3);
  return push_result(L, check_roles(L, 1, extra, field, &p, &fp), &p);
}

static int l_check_body(lua_State *L) {
  problem_t p;
  field_path_t fp;
  const char *name = luaL_checkstring(L, 1);
  int extra = extra_roles_index(L, 3);
  const body_schema_t *schema = find_schema(name);
  if (!schema) return luaL_argerror(L, 1, "unknown body schema");
  return push_result(L, check_body(L, schema, 2, extra, &p, &fp), &p);
}

static int l_project_roles(lua_State *L) {
  const char *const *r;
  int i = 0;
  lua_newtable(L);
  for (r = project_roles; *r; r++) {
    lua_pushstring(L, *r);
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

static int l_suggest_role(lua_State *L) {
  const char *hint = suggest_role(luaL_checkstring(L, 1));
  if (hint) lua_pushstring(L, hint);
  else lua_pushnil(L);
  return 1;
}

void schema_register(lua_State *L, int module_index) {
  static const luaL_Reg fns[] = {
    { "check_id", l_check_id },
    { "check_username", l_check_username },
    { "check_roles", l_check_roles },
    { "check_body", l_check_body },
    { "project_roles", l_project_roles },
    { "suggest_role", l_suggest_role },
    { NULL, NULL },
  };
  const luaL_Reg *f;
  module_index = aa_absindex(L, module_index);
  for (f = fns; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, module_index, f->name);
  }
}
