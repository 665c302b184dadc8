/* Validation of request arguments, run before any request is built.
 *
 * Every check returns either success or a (field, message) pair; the Lua
 * layer turns the pair into an error object.  Messages say what is wrong
 * and how to fix it, and name the offending value only when it is not a
 * secret (ids, usernames, team names and role names never are).
 *
 * Lua API (all return true, or nil, field, message):
 *   core.check_id(value, field)                     24 lowercase hex digits
 *   core.check_username(value, field)               plausible email address
 *   core.check_roles(value, field, extra_set, kind) non-empty unique known roles;
 *                                                   kind "project" (default) or "org"
 *   core.check_team_name(value, field)              a team's name
 *   core.check_body(schema, value, extra_set)       a whole body against a schema,
 *                                                   nested objects and lists included;
 *                                                   true, the body as JSON | nil, field, message
 * and core.project_roles(), core.org_roles(), core.suggest_role(s [, kind]).
 */
#include "schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "compat.h"

#define MESSAGE_MAX 640
#define FIELD_MAX 160
#define USERNAME_MAX 254  /* RFC 5321 path limit, what Atlas accepts */
#define TEAM_NAME_MAX 255 /* bytes; Atlas does not document a limit */
#define M_DEPTH 8         /* the deepest a body's objects nest (check_object's limit) */

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

/* Organization roles, from Atlas's documentation (the spec does not
 * enumerate them).  An extra_roles entry starting with ORG_ extends this
 * table; any other extends the project roles. */
static const char *const org_roles[] = {
  "ORG_OWNER", "ORG_GROUP_CREATOR", "ORG_BILLING_ADMIN", "ORG_BILLING_READ_ONLY",
  "ORG_STREAM_PROCESSING_ADMIN", "ORG_READ_ONLY", "ORG_MEMBER", NULL,
};

typedef enum { ROLES_PROJECT, ROLES_ORG } role_kind_t;

typedef struct {
  char field[FIELD_MAX]; /* path of the offending value, e.g. roles.orgRoles[2] */
  char message[MESSAGE_MAX];
} problem_t;

static int fail(problem_t *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(problem_t *p, const char *field, const char *fmt, ...) {
  va_list ap;
  snprintf(p->field, sizeof p->field, "%s", field);
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

/* "parent.name" or "parent[i]" (or just the name at the top).  A path too
 * long for the buffer is cut: it only names the field in a message. */
/* (Built by hand, not snprintf: every valid body walks these once per
 * field, on the per-call path.) */
static size_t put_text(char *out, size_t at, size_t outsz, const char *s) {
  size_t n = strlen(s);
  if (at >= outsz - 1) return at;
  if (n > outsz - 1 - at) n = outsz - 1 - at;
  memcpy(out + at, s, n);
  return at + n;
}

static void join_field(char *out, size_t outsz, const char *parent, const char *name) {
  size_t n = 0;
  if (parent && *parent) {
    n = put_text(out, n, outsz, parent);
    n = put_text(out, n, outsz, ".");
  }
  n = put_text(out, n, outsz, name);
  out[n] = '\0';
}

static void index_field(char *out, size_t outsz, const char *parent, size_t i) {
  char digits[24], *d = digits + sizeof digits - 1;
  size_t n;
  *d = '\0';
  do { *--d = (char)('0' + i % 10); i /= 10; } while (i && d > digits);
  n = put_text(out, 0, outsz, parent);
  n = put_text(out, n, outsz, "[");
  n = put_text(out, n, outsz, d);
  n = put_text(out, n, outsz, "]");
  out[n] = '\0';
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
    return fail(p, field, "%s must be the user's email address (a string), got %s",
                field, lua_type_label(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
#define SHOWN quote_value(s, len, shown, sizeof shown) /* only on a failure: it costs a copy */
  if (len == 0)
    return fail(p, field, "%s must be the user's email address, got an empty string", field);
  if (len > USERNAME_MAX)
    return fail(p, field, "%s is %zu bytes long; an email address has at most %d", field, len, USERNAME_MAX);
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f)
      return fail(p, field, "%s must not contain spaces or control characters (\"%s\")", field, SHOWN);
    if (c == '@') { ats++; at = i; }
  }
  if (ats != 1)
    return fail(p, field, "%s must be an email address with exactly one '@' (\"%s\")", field, SHOWN);
  if (at == 0)
    return fail(p, field, "%s has nothing before the '@' (\"%s\")", field, SHOWN);
  domain = s + at + 1;
  dot = memchr(domain, '.', len - at - 1);
  if (!dot || dot == domain || s[len - 1] == '.')
    return fail(p, field, "%s must have a domain with a dot after the '@', like user@example.com (\"%s\")",
                field, SHOWN);
  return 1;
#undef SHOWN
}

/* ---- team names ------------------------------------------------------ */

/* Length of a valid UTF-8 sequence starting at s (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  size_t len, i;
  unsigned cp;
  if (s[0] < 0x80) return 1;
  if ((s[0] & 0xe0) == 0xc0) { len = 2; cp = s[0] & 0x1f; }
  else if ((s[0] & 0xf0) == 0xe0) { len = 3; cp = s[0] & 0x0f; }
  else if ((s[0] & 0xf8) == 0xf0) { len = 4; cp = s[0] & 0x07; }
  else return 0;
  if (len > n) return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  /* overlong forms, surrogates and values past U+10FFFF are not text */
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

static int check_team_name(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i;
  const unsigned char *s;
  char shown[96];
  if (lua_type(L, idx) != LUA_TSTRING)
    return fail(p, field, "%s must be the team's name (a string), got %s", field, lua_type_label(L, idx));
  s = (const unsigned char *)lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
#define SHOWN quote_value((const char *)s, len, shown, sizeof shown) /* only on a failure */
  if (len == 0) return fail(p, field, "%s must be the team's name, got an empty string", field);
  if (len > TEAM_NAME_MAX)
    return fail(p, field, "%s is %zu bytes long; a team name here has at most %d", field, len, TEAM_NAME_MAX);
  for (i = 0; i < len;) {
    size_t n;
    if (s[i] < 0x20 || s[i] == 0x7f)
      return fail(p, field, "%s must not contain control characters such as tabs or newlines (\"%s\")", field, SHOWN);
    n = utf8_sequence(s + i, len - i);
    if (n == 0) return fail(p, field, "%s is not valid UTF-8 text (byte %zu)", field, i + 1);
    i += n;
  }
  if (isspace(s[0]) || isspace(s[len - 1]))
    return fail(p, field, "%s starts or ends with a space (\"%s\"); team names are matched exactly, so trim it",
                field, SHOWN);
  return 1;
#undef SHOWN
}

/* ---- roles ----------------------------------------------------------- */

static const char *const *role_table(role_kind_t kind) { return kind == ROLES_ORG ? org_roles : project_roles; }

static int in_table(const char *const *table, const char *s) {
  for (; *table; table++)
    if (strcmp(*table, s) == 0) return 1;
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

/* The closest known role of a kind, or NULL when nothing is close enough
 * to be a plausible typo.  Case is ignored, and a missing GROUP_ (or ORG_)
 * prefix is found. */
static const char *suggest_role(const char *s, role_kind_t kind) {
  const char *const *table = role_table(kind), *const *r;
  const char *best = NULL;
  size_t best_d = (size_t)-1, limit;
  char prefixed[64];
  if (strlen(s) < 40) {
    snprintf(prefixed, sizeof prefixed, "%s%s", kind == ROLES_ORG ? "ORG_" : "GROUP_", s);
    for (r = table; *r; r++)
      if (edit_distance(prefixed, *r) == 0) return *r;
  }
  for (r = table; *r; r++) {
    size_t d = edit_distance(s, *r);
    if (d < best_d) { best_d = d; best = *r; }
  }
  limit = strlen(s) / 4 + 1; /* about one edit per four characters */
  if (limit > 4) limit = 4;
  return best_d <= limit ? best : NULL;
}

static const char PROJECT_LIST[] =
  "GROUP_BACKUP_MANAGER, GROUP_CLUSTER_MANAGER, GROUP_DATA_ACCESS_ADMIN, GROUP_DATA_ACCESS_READ_ONLY, "
  "GROUP_DATA_ACCESS_READ_WRITE, GROUP_DATABASE_ACCESS_ADMIN, GROUP_OBSERVABILITY_VIEWER, GROUP_OWNER, "
  "GROUP_READ_ONLY, GROUP_SEARCH_INDEX_EDITOR, GROUP_STREAM_PROCESSING_OWNER";
static const char ORG_LIST[] =
  "ORG_OWNER, ORG_GROUP_CREATOR, ORG_BILLING_ADMIN, ORG_BILLING_READ_ONLY, ORG_STREAM_PROCESSING_ADMIN, "
  "ORG_READ_ONLY, ORG_MEMBER";

/* extra_idx: a table whose keys are additional accepted role names, or 0.
 * An extra name starting with ORG_ is an organization role. */
/* The path of a role for a message: list[index], or list itself. */
static const char *role_path(char *out, size_t outsz, const char *list, size_t index) {
  if (!index) return list;
  index_field(out, outsz, list, index);
  return out;
}

/* index: the role's place in its list (field[index]), or 0 for a role
 * that is the field itself; the path is only written out for a failure. */
static int check_role_at(lua_State *L, int idx, int extra_idx, const char *list, size_t index, role_kind_t kind,
                         problem_t *p) {
  char at[FIELD_MAX];
  const char *field = list;
  size_t len;
  /* the path is written out (field = list[index]) before the message */
#define FAIL_AT(...) (field = role_path(at, sizeof at, list, index), fail(p, field, __VA_ARGS__))
  const char *s, *hint;
  char shown[72];
  int org_named;
  if (lua_type(L, idx) != LUA_TSTRING)
    return FAIL_AT("%s must be a role name string such as \"%s\", got %s", field,
                kind == ROLES_ORG ? "ORG_MEMBER" : "GROUP_READ_ONLY", lua_type_label(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
  if (strlen(s) != len) /* embedded NUL */
    return FAIL_AT("%s contains a NUL byte; role names are plain ASCII", field);
  org_named = strncmp(s, "ORG_", 4) == 0;
  if (in_table(role_table(kind), s)) return 1;
  if (extra_idx && org_named == (kind == ROLES_ORG)) {
    int known;
    lua_pushvalue(L, idx);
    lua_rawget(L, extra_idx);
    known = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (known) return 1;
  }
  quote_value(s, len, shown, sizeof shown);
  if (kind == ROLES_PROJECT && org_named)
    return FAIL_AT("%s: \"%s\" is an organization role, not a project role; project roles are GROUP_ roles "
                "(e.g. GROUP_READ_ONLY), and organization roles are set with set_org_roles", field, shown);
  if (kind == ROLES_ORG && (in_table(project_roles, s) || strncmp(s, "GROUP_", 6) == 0))
    return FAIL_AT("%s: \"%s\" is a project role, not an organization role; organization roles are %s "
                "(project roles go in groupRoleAssignments, or use set_project_roles)", field, shown, ORG_LIST);
  hint = suggest_role(s, kind);
  if (hint)
    return FAIL_AT("%s: unknown %s role \"%s\"; did you mean %s?", field,
                kind == ROLES_ORG ? "organization" : "project", shown, hint);
  return FAIL_AT("%s: unknown %s role \"%s\"; known roles are %s (a newer role can be allowed with the "
              "client option extra_roles)", field, kind == ROLES_ORG ? "organization" : "project", shown,
              kind == ROLES_ORG ? ORG_LIST : PROJECT_LIST);
#undef FAIL_AT
}

static int check_role(lua_State *L, int idx, int extra_idx, const char *field, role_kind_t kind, problem_t *p) {
  return check_role_at(L, idx, extra_idx, field, 0, kind, p);
}

/* A sequence has exactly the keys 1..n: anything else means a set-like
 * table or holes, which would silently drop entries when encoded.
 * Returns n, or -1 with the problem filled. */
static long sequence_length(lua_State *L, int idx, const char *field, const char *example, problem_t *p) {
  size_t n, count = 0;
  idx = aa_absindex(L, idx);
  n = aa_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1); /* key stays for lua_next */
    count++;
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      fail(p, field, "%s must be a list (a sequence table), not a table with named keys; write %s", field, example);
      return -1;
    }
  }
  if (count != n) {
    fail(p, field, "%s must be a list without holes (found %zu values, length %zu)", field, count, n);
    return -1;
  }
  return (long)n;
}

static int check_roles(lua_State *L, int idx, int extra_idx, const char *field, role_kind_t kind, problem_t *p) {
  long n, i, j;
  char path[FIELD_MAX];
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, field, "%s must be a list of %s role names such as { \"%s\" }, got %s", field,
                kind == ROLES_ORG ? "organization" : "project", kind == ROLES_ORG ? "ORG_MEMBER" : "GROUP_READ_ONLY",
                lua_type_label(L, idx));
  n = sequence_length(L, idx, field, kind == ROLES_ORG ? "{ \"ORG_MEMBER\" }, not { ORG_MEMBER = true }"
                                                       : "{ \"GROUP_OWNER\" }, not { GROUP_OWNER = true }", p);
  if (n < 0) return 0;
  if (n == 0)
    return kind == ROLES_ORG
      ? fail(p, field, "%s must name at least one organization role; a member of an organization always holds one "
             "(ORG_MEMBER is the least)", field)
      : fail(p, field, "%s must name at least one role; PATCH replaces the roles, so list every role the user should "
             "end up with", field);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, (int)i);
    if (!check_role_at(L, -1, extra_idx, field, (size_t)i, kind, p)) { lua_pop(L, 1); return 0; }
    for (j = 1; j < i; j++) {
      int same;
      lua_rawgeti(L, idx, (int)j);
      same = lua_rawequal(L, -1, -2);
      lua_pop(L, 1);
      if (same) {
        char shown[72];
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        index_field(path, sizeof path, field, (size_t)i);
        quote_value(s, len, shown, sizeof shown);
        lua_pop(L, 1);
        return fail(p, path, "%s: role \"%s\" is listed twice (also at %s[%ld]); list each role once", path, shown,
                    field, j);
      }
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* A list of ids (may be empty: an empty teamIds resets them), each once. */
static int check_id_list(lua_State *L, int idx, const char *field, problem_t *p) {
  long n, i, j;
  char path[FIELD_MAX];
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, field, "%s must be a list of ids (24 hex digits each), got %s", field, lua_type_label(L, idx));
  if ((n = sequence_length(L, idx, field, "{ \"6b0c0ffee0c0ffee0c0ffe01\" }", p)) < 0) return 0;
  for (i = 1; i <= n; i++) {
    index_field(path, sizeof path, field, (size_t)i);
    lua_rawgeti(L, idx, (int)i);
    if (!check_id(L, -1, path, p)) { lua_pop(L, 1); return 0; }
    for (j = 1; j < i; j++) {
      int same;
      lua_rawgeti(L, idx, (int)j);
      same = lua_rawequal(L, -1, -2);
      lua_pop(L, 1);
      if (same) {
        char shown[32];
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        quote_value(s, len, shown, sizeof shown);
        lua_pop(L, 1);
        return fail(p, path, "%s: %s is listed twice (also at %s[%ld])", path, shown, field, j);
      }
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* A list of usernames (may be empty), each once; case does not make two
 * usernames different (the client compares them case-insensitively). */
static int check_username_list(lua_State *L, int idx, const char *field, problem_t *p) {
  long n, i, j;
  char path[FIELD_MAX];
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, field, "%s must be a list of usernames (email addresses), got %s", field, lua_type_label(L, idx));
  if ((n = sequence_length(L, idx, field, "{ \"ana@example.com\" }", p)) < 0) return 0;
  for (i = 1; i <= n; i++) {
    index_field(path, sizeof path, field, (size_t)i);
    lua_rawgeti(L, idx, (int)i);
    if (!check_username(L, -1, path, p)) { lua_pop(L, 1); return 0; }
    for (j = 1; j < i; j++) {
      const char *a, *b;
      int same;
      lua_rawgeti(L, idx, (int)j);
      a = lua_tostring(L, -1);
      b = lua_tostring(L, -2);
      same = a && b && strcasecmp(a, b) == 0;
      lua_pop(L, 1);
      if (same) {
        char shown[96];
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        quote_value(s, len, shown, sizeof shown);
        lua_pop(L, 1);
        return fail(p, path, "%s: %s is listed twice (also at %s[%ld]; usernames compare without case)", path, shown,
                    field, j);
      }
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* ---- bodies ---------------------------------------------------------- */

typedef enum {
  FIELD_ROLES,       /* project roles: non-empty, unique */
  FIELD_ROLE,        /* one project role */
  FIELD_ORG_ROLES,   /* organization roles: non-empty, unique */
  FIELD_ORG_ROLE,    /* one organization role */
  FIELD_USERNAME,    /* an email address */
  FIELD_USERNAMES,   /* a list of them (may be empty) */
  FIELD_ID,          /* 24 hex digits */
  FIELD_IDS,         /* a list of them (may be empty) */
  FIELD_TEAM_NAME,   /* a team's name */
  FIELD_OBJECT,      /* a nested object: sub */
  FIELD_OBJECT_LIST, /* a list of nested objects: sub (may be empty), unique by sub's key */
} field_kind_t;

typedef struct body_schema body_schema_t;

/* A schema's fields are listed in alphabetical order: the encoder writes
 * them in that order, so bodies have sorted keys (stable dry runs, traces
 * and tests). */
typedef struct {
  const char *name;
  field_kind_t kind;
  int required;
  const body_schema_t *sub;
} field_spec_t;

struct body_schema {
  const char *name;             /* the spec's schema name */
  const char *accepted;         /* for the unknown-field message */
  const char *unique_key;       /* in a list of these objects, a field no two may share */
  int need_one;                 /* at least one field must be given (a PATCH) */
  const body_schema_t *list_of; /* the body is a non-empty list of these objects, */
  const char *list_name;        /* called this in messages */
  field_spec_t fields[5];
};

static const body_schema_t group_role_assignment = {
  "GroupRoleAssignment", "groupId and groupRoles", "groupId", 0, NULL, NULL,
  { { "groupId", FIELD_ID, 1, NULL }, { "groupRoles", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t org_user_roles = {
  "OrgUserRolesRequest", "orgRoles and groupRoleAssignments", NULL, 0, NULL, NULL,
  { { "groupRoleAssignments", FIELD_OBJECT_LIST, 0, &group_role_assignment }, { "orgRoles", FIELD_ORG_ROLES, 1, NULL },
    { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t team_role_entry = {
  "TeamRole", "teamId and roleNames", "teamId", 0, NULL, NULL,
  { { "roleNames", FIELD_ROLES, 1, NULL }, { "teamId", FIELD_ID, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t schemas[] = {
  { "GroupInvitationRequest", "roles and username", NULL, 0, NULL, NULL,
    { { "roles", FIELD_ROLES, 1, NULL }, { "username", FIELD_USERNAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "GroupInvitationUpdateRequest", "roles (the invitation is named by its id)", NULL, 0, NULL, NULL,
    { { "roles", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Cloud Users (2025-02-19): the same fields as an invitation request. */
  { "GroupUserRequest", "roles and username", NULL, 0, NULL, NULL,
    { { "roles", FIELD_ROLES, 1, NULL }, { "username", FIELD_USERNAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "AddOrRemoveGroupRole", "groupRole (one project role)", NULL, 0, NULL, NULL,
    { { "groupRole", FIELD_ROLE, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Organization users (2025-02-19). */
  { "OrgUserRequest", "username, roles ({ orgRoles, groupRoleAssignments }) and teamIds", NULL, 0, NULL, NULL,
    { { "roles", FIELD_OBJECT, 1, &org_user_roles }, { "teamIds", FIELD_IDS, 0, NULL },
      { "username", FIELD_USERNAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* PATCH: only the fields given change; an empty list resets that field. */
  { "OrgUserUpdateRequest", "roles ({ orgRoles, groupRoleAssignments }), teamIds", NULL, 1, NULL, NULL,
    { { "roles", FIELD_OBJECT, 0, &org_user_roles }, { "teamIds", FIELD_IDS, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "AddOrRemoveOrgRole", "orgRole (one organization role)", NULL, 0, NULL, NULL,
    { { "orgRole", FIELD_ORG_ROLE, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Teams (2023-01-01) and their users (2025-02-19). */
  { "Team", "name and usernames", NULL, 0, NULL, NULL,
    { { "name", FIELD_TEAM_NAME, 1, NULL }, { "usernames", FIELD_USERNAMES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "TeamUpdate", "name (the team's new name)", NULL, 0, NULL, NULL,
    { { "name", FIELD_TEAM_NAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "AddOrRemoveUserFromTeam", "id (the user's id)", NULL, 0, NULL, NULL,
    { { "id", FIELD_ID, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Project teams (2023-01-01): the team is named by the path... */
  { "TeamRoleUpdate", "roleNames (the team is named by its id)", NULL, 0, NULL, NULL,
    { { "roleNames", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* ... or the body is a list of { teamId, roleNames }. */
  { "TeamRoleList", "a list of { teamId, roleNames }", NULL, 0, &team_role_entry, "teams", { { NULL, FIELD_ROLES, 0, NULL } } },
  { NULL, NULL, NULL, 0, NULL, NULL, { { NULL, FIELD_ROLES, 0, NULL } } },
};

static const body_schema_t *find_schema(const char *name) {
  const body_schema_t *s;
  for (s = schemas; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

static int check_object(lua_State *L, const body_schema_t *schema, int idx, int extra_idx, const char *path,
                        int depth, problem_t *p);

/* A list of objects of one schema; no two may share its unique key. */
static int check_object_list(lua_State *L, const body_schema_t *item, int idx, int extra_idx, const char *field,
                             int allow_empty, int depth, problem_t *p) {
  long n, i, j;
  char path[FIELD_MAX];
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, field, "%s must be a list of %s objects ({ %s }), got %s", field, item->name, item->accepted,
                lua_type_label(L, idx));
  if ((n = sequence_length(L, idx, field, "{ { ... }, { ... } }", p)) < 0) return 0;
  if (n == 0 && !allow_empty)
    return fail(p, field, "%s must hold at least one %s ({ %s })", field, item->name, item->accepted);
  for (i = 1; i <= n; i++) {
    index_field(path, sizeof path, field, (size_t)i);
    lua_rawgeti(L, idx, (int)i);
    if (!check_object(L, item, -1, extra_idx, path, depth + 1, p)) { lua_pop(L, 1); return 0; }
    if (item->unique_key) {
      lua_getfield(L, -1, item->unique_key);
      for (j = 1; j < i; j++) {
        int same;
        lua_rawgeti(L, idx, (int)j);
        lua_getfield(L, -1, item->unique_key);
        same = lua_rawequal(L, -1, -3);
        lua_pop(L, 2);
        if (same) {
          char shown[72] = "";
          size_t len;
          const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
          if (s) quote_value(s, len, shown, sizeof shown);
          lua_pop(L, 2);
          return fail(p, path, "%s: %s \"%s\" is listed twice (also at %s[%ld]); give each once", path,
                      item->unique_key, shown, field, j);
        }
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  return 1;
}

static int check_field(lua_State *L, const field_spec_t *f, int idx, int extra_idx, const char *path, int depth,
                       problem_t *p) {
  switch (f->kind) {
  case FIELD_ROLES: return check_roles(L, idx, extra_idx, path, ROLES_PROJECT, p);
  case FIELD_ORG_ROLES: return check_roles(L, idx, extra_idx, path, ROLES_ORG, p);
  case FIELD_ROLE: return check_role(L, idx, extra_idx, path, ROLES_PROJECT, p);
  case FIELD_ORG_ROLE: return check_role(L, idx, extra_idx, path, ROLES_ORG, p);
  case FIELD_USERNAME: return check_username(L, idx, path, p);
  case FIELD_USERNAMES: return check_username_list(L, idx, path, p);
  case FIELD_ID: return check_id(L, idx, path, p);
  case FIELD_IDS: return check_id_list(L, idx, path, p);
  case FIELD_TEAM_NAME: return check_team_name(L, idx, path, p);
  case FIELD_OBJECT: return check_object(L, f->sub, idx, extra_idx, path, depth + 1, p);
  default: return check_object_list(L, f->sub, idx, extra_idx, path, 1, depth + 1, p);
  }
}

/* path: where this object sits ("" for the body itself). */
static int check_object(lua_State *L, const body_schema_t *schema, int idx, int extra_idx, const char *path,
                        int depth, problem_t *p) {
  const field_spec_t *f;
  char child[FIELD_MAX];
  const char *where = *path ? path : "body";
  int given = 0;
  idx = aa_absindex(L, idx);
  if (depth > M_DEPTH) return fail(p, where, "%s is nested too deeply", where);
  if (!lua_checkstack(L, 8)) return fail(p, where, "%s is nested too deeply", where);
  if (lua_type(L, idx) != LUA_TTABLE)
    return fail(p, where, "%s must be a table with %s, got %s", *path ? path : "the request body", schema->accepted,
                lua_type_label(L, idx));
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
        join_field(child, sizeof child, path, shown);
        lua_pop(L, 1);
        return fail(p, child, "unknown field \"%s\": %s accepts only %s", shown, schema->name, schema->accepted);
      }
    } else {
      lua_pop(L, 1);
      return fail(p, where, "%s must have only named fields (%s), not list entries", *path ? path : "the request body",
                  schema->accepted);
    }
  }
  for (f = schema->fields; f->name; f++) {
    int ok;
    join_field(child, sizeof child, path, f->name);
    lua_getfield(L, idx, f->name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      if (!f->required) continue;
      return fail(p, child, "%s is required: %s needs %s", child, schema->name, schema->accepted);
    }
    given++;
    ok = check_field(L, f, -1, extra_idx, child, depth, p);
    lua_pop(L, 1);
    if (!ok) return 0;
  }
  if (schema->need_one && given == 0)
    return fail(p, where, "%s has nothing to change: give at least one of %s", *path ? path : "the request body",
                schema->accepted);
  return 1;
}

static int check_body(lua_State *L, const body_schema_t *schema, int idx, int extra_idx, problem_t *p) {
  if (schema->list_of) return check_object_list(L, schema->list_of, idx, extra_idx, schema->list_name, 0, 0, p);
  return check_object(L, schema, idx, extra_idx, "", 0, p);
}


/* ---- encoding (after validation) --------------------------------------
 * A valid body is written as JSON here, in the schema's (alphabetical)
 * field order, empty lists as [].  One walk writes into a buffer that only
 * counts what does not fit: a body that fits the stack buffer (nearly all
 * of them) takes one pass; a bigger one a second pass into a buffer of
 * exactly the counted size.  No string-buffer operation happens while the
 * walk pushes and pops values, and nothing malloc'd is ever held (the big
 * buffer is a userdata: a raise cannot leak it). */

typedef struct {
  char *data;
  size_t cap, n; /* n counts every byte, written or not */
} out_t;

static void put_byte(out_t *o, char c) {
  if (o->n < o->cap) o->data[o->n] = c;
  o->n++;
}

static void put_bytes(out_t *o, const char *s, size_t len) {
  if (o->n < o->cap) memcpy(o->data + o->n, s, len <= o->cap - o->n ? len : o->cap - o->n);
  o->n += len;
}

static void emit_string(out_t *o, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t i, run = 0;
  put_byte(o, '"');
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f) continue;
    put_bytes(o, s + run, i - run); /* the plain run before it */
    run = i + 1;
    if (c == '"' || c == '\\') {
      put_byte(o, '\\');
      put_byte(o, (char)c);
    } else {
      char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
      put_bytes(o, esc, sizeof esc);
    }
  }
  put_bytes(o, s + run, len - run);
  put_byte(o, '"');
}

static void emit_object(lua_State *L, const body_schema_t *schema, int idx, out_t *o);

/* The value at the top of the stack, of a field's kind. */
static void emit_value(lua_State *L, const field_spec_t *f, out_t *o) {
  int idx = lua_gettop(L);
  size_t len, i, count;
  const char *s;
  switch (f->kind) {
  case FIELD_OBJECT: emit_object(L, f->sub, idx, o); return;
  case FIELD_ROLE: case FIELD_ORG_ROLE: case FIELD_USERNAME: case FIELD_ID: case FIELD_TEAM_NAME:
    s = lua_tolstring(L, idx, &len);
    emit_string(o, s, len);
    return;
  default: /* a list: of strings, or of objects */
    count = aa_rawlen(L, idx);
    put_byte(o, '[');
    for (i = 1; i <= count; i++) {
      if (i > 1) put_byte(o, ',');
      lua_rawgeti(L, idx, (int)i);
      if (f->kind == FIELD_OBJECT_LIST) {
        emit_object(L, f->sub, lua_gettop(L), o);
      } else {
        s = lua_tolstring(L, -1, &len);
        emit_string(o, s, len);
      }
      lua_pop(L, 1);
    }
    put_byte(o, ']');
  }
}

static void emit_object(lua_State *L, const body_schema_t *schema, int idx, out_t *o) {
  const field_spec_t *f;
  int first = 1;
  put_byte(o, '{');
  for (f = schema->fields; f->name; f++) {
    lua_getfield(L, idx, f->name);
    if (!lua_isnil(L, -1)) {
      if (!first) put_byte(o, ',');
      first = 0;
      emit_string(o, f->name, strlen(f->name));
      put_byte(o, ':');
      emit_value(L, f, o);
    }
    lua_pop(L, 1);
  }
  put_byte(o, '}');
}

static void emit_body(lua_State *L, const body_schema_t *schema, int idx, out_t *o) {
  if (schema->list_of) {
    field_spec_t list = { "", FIELD_OBJECT_LIST, 1, NULL };
    list.sub = schema->list_of;
    lua_pushvalue(L, idx);
    emit_value(L, &list, o);
    lua_pop(L, 1);
    return;
  }
  emit_object(L, schema, idx, o);
}

/* Pushes the JSON text of a valid body. */
static void push_body_json(lua_State *L, const body_schema_t *schema, int idx) {
  char small[1024];
  out_t o;
  size_t need;
  idx = aa_absindex(L, idx);
  luaL_checkstack(L, 2 * M_DEPTH + 8, "body nested too deeply");
  o.data = small;
  o.cap = sizeof small;
  o.n = 0;
  emit_body(L, schema, idx, &o);
  if (o.n <= o.cap) {
    lua_pushlstring(L, small, o.n);
    return;
  }
  need = o.n;
  o.data = (char *)lua_newuserdata(L, need); /* scratch, collected */
  o.cap = need;
  o.n = 0;
  emit_body(L, schema, idx, &o);
  lua_pushlstring(L, o.data, o.n);
  lua_remove(L, -2);
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

static role_kind_t role_kind_arg(lua_State *L, int idx) {
  static const char *const kinds[] = { "project", "org", NULL };
  return luaL_checkoption(L, idx, "project", kinds) == 1 ? ROLES_ORG : ROLES_PROJECT;
}

static int l_check_id(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "id");
  return push_result(L, check_id(L, 1, field, &p), &p);
}

/* core.id_path(head, id1, name1, piece1 [, id2, name2, piece2 ...])
 *   -> head .. id1 .. piece1 .. id2 .. piece2 ... | nil, field, message
 * A request path whose parameters are all ids: each checked (ids need no
 * escaping once checked) and the path joined in one step. */
static int l_id_path(lua_State *L) {
  problem_t p;
  luaL_Buffer b;
  int i, n = lua_gettop(L);
  luaL_argcheck(L, n >= 4 && (n - 1) % 3 == 0, n, "head, then id, name, piece triples");
  for (i = 2; i <= n; i += 3) {
    luaL_checkstring(L, i + 2); /* the piece after it */
    if (!check_id(L, i, luaL_checkstring(L, i + 1), &p)) return push_result(L, 0, &p);
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

static int l_check_username(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "username");
  return push_result(L, check_username(L, 1, field, &p), &p);
}

static int l_check_team_name(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "teamName");
  return push_result(L, check_team_name(L, 1, field, &p), &p);
}

static int l_check_roles(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "roles");
  int extra = extra_roles_index(L, 3);
  role_kind_t kind = role_kind_arg(L, 4);
  return push_result(L, check_roles(L, 1, extra, field, kind, &p), &p);
}

/* The schema named at idx: a name, or the handle core.body_schema gave
 * for it (a light userdata: no lookup by name per call). */
static const body_schema_t *schema_arg(lua_State *L, int idx) {
  const body_schema_t *schema;
  if (lua_type(L, idx) == LUA_TLIGHTUSERDATA) {
    const body_schema_t *s = (const body_schema_t *)lua_touserdata(L, idx);
    for (schema = schemas; schema->name; schema++) /* one of ours, or refused */
      if (schema == s) return schema;
    luaL_argerror(L, idx, "unknown body schema");
  }
  schema = find_schema(luaL_checkstring(L, idx));
  if (!schema) luaL_argerror(L, idx, "unknown body schema");
  return schema;
}

/* core.body_schema(name) -> the schema's handle for check_body */
static int l_body_schema(lua_State *L) {
  lua_pushlightuserdata(L, (void *)schema_arg(L, 1));
  return 1;
}

/* true, the body as JSON | nil, field, message */
static int l_check_body(lua_State *L) {
  problem_t p;
  const body_schema_t *schema = schema_arg(L, 1);
  int extra = extra_roles_index(L, 3);
  lua_settop(L, 3);
  if (!check_body(L, schema, 2, extra, &p)) return push_result(L, 0, &p);
  lua_pushboolean(L, 1);
  push_body_json(L, schema, 2);
  return 2;
}

static int push_table(lua_State *L, const char *const *table) {
  int i = 0;
  lua_newtable(L);
  for (; *table; table++) {
    lua_pushstring(L, *table);
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

static int l_project_roles(lua_State *L) { return push_table(L, project_roles); }
static int l_org_roles(lua_State *L) { return push_table(L, org_roles); }

static int l_suggest_role(lua_State *L) {
  const char *hint = suggest_role(luaL_checkstring(L, 1), role_kind_arg(L, 2));
  if (hint) lua_pushstring(L, hint);
  else lua_pushnil(L);
  return 1;
}

void schema_register(lua_State *L, int module_index) {
  static const luaL_Reg fns[] = {
    { "check_id", l_check_id },
    { "id_path", l_id_path },
    { "check_username", l_check_username },
    { "check_team_name", l_check_team_name },
    { "check_roles", l_check_roles },
    { "check_body", l_check_body },
    { "body_schema", l_body_schema },
    { "project_roles", l_project_roles },
    { "org_roles", l_org_roles },
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
