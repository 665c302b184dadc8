/* Request bodies: each schema's fields (the spec's names), checked as a
 * whole (nested objects and lists included) and, once valid, written as
 * JSON in one walk.
 *
 * Lua API:
 *   core.body_schema(name)                     -> a handle for check_body
 *   core.check_body(schema, value, extra_set)  -> true, the body as JSON
 *                                                 | nil, field, message
 */
#include "body.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "checks.h"
#include "identity_checks.h"
#include "compat.h"
#include "problem.h"

#define M_DEPTH 8 /* the deepest a body's objects nest (check_object's limit) */

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
  /* The programmatic identities (identity_checks.h): */
  FIELD_KEY_DESC,     /* an API key's desc */
  FIELD_ACCOUNT_NAME, /* a service account's name */
  FIELD_ACCOUNT_DESC, /* a service account's description */
  FIELD_HOURS,        /* secretExpiresAfterHours: a whole number, sent as a JSON number */
  FIELD_IP,           /* one IPv4 or IPv6 address */
  FIELD_CIDR,         /* one CIDR block */
} field_kind_t;

/* What a schema needs of its optional fields. */
enum { NEED_NONE, NEED_ANY /* at least one (a PATCH) */, NEED_EXACTLY_ONE /* one of them, not two */ };

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
  int need_one;                 /* NEED_ANY, NEED_EXACTLY_ONE of the fields, or NEED_NONE */
  const body_schema_t *list_of; /* the body is a non-empty list of these objects, */
  const char *list_name;        /* called this in messages, */
  long max_items;               /* with at most this many (0: no limit) */
  field_spec_t fields[5];
};

static const body_schema_t group_role_assignment = {
  "GroupRoleAssignment", "groupId and groupRoles", "groupId", 0, NULL, NULL, 0,
  { { "groupId", FIELD_ID, 1, NULL }, { "groupRoles", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t org_user_roles = {
  "OrgUserRolesRequest", "orgRoles and groupRoleAssignments", NULL, 0, NULL, NULL, 0,
  { { "groupRoleAssignments", FIELD_OBJECT_LIST, 0, &group_role_assignment }, { "orgRoles", FIELD_ORG_ROLES, 1, NULL },
    { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t team_role_entry = {
  "TeamRole", "teamId and roleNames", "teamId", 0, NULL, NULL, 0,
  { { "roleNames", FIELD_ROLES, 1, NULL }, { "teamId", FIELD_ID, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

/* An access-list entry: one address or one block (the spec: "a value for
 * this parameter or ipAddress, but not for both"). */
static const body_schema_t key_access_entry = {
  "UserAccessListRequest", "ipAddress or cidrBlock (one of them)", NULL, NEED_EXACTLY_ONE, NULL, NULL, 0,
  { { "cidrBlock", FIELD_CIDR, 0, NULL }, { "ipAddress", FIELD_IP, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t account_access_entry = {
  "ServiceAccountIPAccessListEntry", "ipAddress or cidrBlock (one of them)", NULL, NEED_EXACTLY_ONE, NULL, NULL, 0,
  { { "cidrBlock", FIELD_CIDR, 0, NULL }, { "ipAddress", FIELD_IP, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t key_project_roles = {
  "UserAccessRoleAssignment", "roles (project roles)", NULL, 0, NULL, NULL, 0,
  { { "roles", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } },
};

static const body_schema_t schemas[] = {
  { "GroupInvitationRequest", "roles and username", NULL, 0, NULL, NULL, 0,
    { { "roles", FIELD_ROLES, 1, NULL }, { "username", FIELD_USERNAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "GroupInvitationUpdateRequest", "roles (the invitation is named by its id)", NULL, 0, NULL, NULL, 0,
    { { "roles", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Cloud Users (2025-02-19): the same fields as an invitation request. */
  { "GroupUserRequest", "roles and username", NULL, 0, NULL, NULL, 0,
    { { "roles", FIELD_ROLES, 1, NULL }, { "username", FIELD_USERNAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "AddOrRemoveGroupRole", "groupRole (one project role)", NULL, 0, NULL, NULL, 0,
    { { "groupRole", FIELD_ROLE, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Organization users (2025-02-19). */
  { "OrgUserRequest", "username, roles ({ orgRoles, groupRoleAssignments }) and teamIds", NULL, 0, NULL, NULL, 0,
    { { "roles", FIELD_OBJECT, 1, &org_user_roles }, { "teamIds", FIELD_IDS, 0, NULL },
      { "username", FIELD_USERNAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* PATCH: only the fields given change; an empty list resets that field. */
  { "OrgUserUpdateRequest", "roles ({ orgRoles, groupRoleAssignments }), teamIds", NULL, 1, NULL, NULL, 0,
    { { "roles", FIELD_OBJECT, 0, &org_user_roles }, { "teamIds", FIELD_IDS, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "AddOrRemoveOrgRole", "orgRole (one organization role)", NULL, 0, NULL, NULL, 0,
    { { "orgRole", FIELD_ORG_ROLE, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Teams (2023-01-01) and their users (2025-02-19). */
  { "Team", "name and usernames", NULL, 0, NULL, NULL, 0,
    { { "name", FIELD_TEAM_NAME, 1, NULL }, { "usernames", FIELD_USERNAMES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "TeamUpdate", "name (the team's new name)", NULL, 0, NULL, NULL, 0,
    { { "name", FIELD_TEAM_NAME, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "AddOrRemoveUserFromTeam", "id (the user's id)", NULL, 0, NULL, NULL, 0,
    { { "id", FIELD_ID, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Project teams (2023-01-01): one TeamRole (team_role_entry, found by
   * find_schema too: the PATCH of one team carries the path's teamId), or
   * a list of them. */
  { "TeamRoleList", "a list of { teamId, roleNames }", NULL, 0, &team_role_entry, "teams", 0, { { NULL, FIELD_ROLES, 0, NULL } } },
  /* Organization API keys (2023-01-01): org roles, a desc of 1..250. */
  { "CreateAtlasOrganizationApiKey", "desc and roles (organization roles)", NULL, 0, NULL, NULL, 0,
    { { "desc", FIELD_KEY_DESC, 1, NULL }, { "roles", FIELD_ORG_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "UpdateAtlasOrganizationApiKey", "desc, roles (organization roles)", NULL, NEED_ANY, NULL, NULL, 0,
    { { "desc", FIELD_KEY_DESC, 0, NULL }, { "roles", FIELD_ORG_ROLES, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "UserAccessListRequestList", "a list of { ipAddress } or { cidrBlock }", NULL, 0, &key_access_entry, "entries", 0,
    { { NULL, FIELD_ROLES, 0, NULL } } },
  /* A key's project roles: the assignment is a JSON array of { roles }. */
  { "UserAccessRoleAssignmentList", "a list of { roles }", NULL, 0, &key_project_roles, "assignments", 0,
    { { NULL, FIELD_ROLES, 0, NULL } } },
  { "UpdateAtlasProjectApiKey", "desc, roles (project roles)", NULL, NEED_ANY, NULL, NULL, 0,
    { { "desc", FIELD_KEY_DESC, 0, NULL }, { "roles", FIELD_ROLES, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  /* Service accounts (2024-08-05). */
  { "OrgServiceAccountRequest", "name, description, roles (organization roles) and secretExpiresAfterHours", NULL, 0,
    NULL, NULL, 0,
    { { "description", FIELD_ACCOUNT_DESC, 1, NULL }, { "name", FIELD_ACCOUNT_NAME, 1, NULL },
      { "roles", FIELD_ORG_ROLES, 1, NULL }, { "secretExpiresAfterHours", FIELD_HOURS, 1, NULL },
      { NULL, FIELD_ROLES, 0, NULL } } },
  { "OrgServiceAccountUpdateRequest", "name, description, roles (organization roles)", NULL, NEED_ANY, NULL, NULL, 0,
    { { "description", FIELD_ACCOUNT_DESC, 0, NULL }, { "name", FIELD_ACCOUNT_NAME, 0, NULL },
      { "roles", FIELD_ORG_ROLES, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "ServiceAccountSecretRequest", "secretExpiresAfterHours", NULL, 0, NULL, NULL, 0,
    { { "secretExpiresAfterHours", FIELD_HOURS, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "ServiceAccountIPAccessList", "a list of { ipAddress } or { cidrBlock }", NULL, 0, &account_access_entry, "entries",
    200, { { NULL, FIELD_ROLES, 0, NULL } } },
  { "GroupServiceAccountRoleAssignment", "roles (project roles)", NULL, 0, NULL, NULL, 0,
    { { "roles", FIELD_ROLES, 1, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { "GroupServiceAccountUpdateRequest", "name, description, roles (project roles)", NULL, NEED_ANY, NULL, NULL, 0,
    { { "description", FIELD_ACCOUNT_DESC, 0, NULL }, { "name", FIELD_ACCOUNT_NAME, 0, NULL },
      { "roles", FIELD_ROLES, 0, NULL }, { NULL, FIELD_ROLES, 0, NULL } } },
  { NULL, NULL, NULL, 0, NULL, NULL, 0, { { NULL, FIELD_ROLES, 0, NULL } } },
};

/* Schemas a body may be besides those of the table: entries of a list
 * body that are also sent alone. */
static const body_schema_t *const entry_schemas[] = { &team_role_entry, NULL };

static const body_schema_t *find_schema(const char *name) {
  const body_schema_t *s, *const *e;
  for (s = schemas; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  for (e = entry_schemas; *e; e++)
    if (strcmp((*e)->name, name) == 0) return *e;
  return NULL;
}

/* s if it is one of the schemas here, else NULL. */
static const body_schema_t *known_schema(const body_schema_t *s) {
  const body_schema_t *schema, *const *e;
  for (schema = schemas; schema->name; schema++)
    if (schema == s) return s;
  for (e = entry_schemas; *e; e++)
    if (*e == s) return s;
  return NULL;
}

static int check_object(lua_State *L, const body_schema_t *schema, int idx, int extra_idx, const char *path,
                        int depth, problem_t *p);

/* A list of objects of one schema; no two may share its unique key. */
static int check_object_list(lua_State *L, const body_schema_t *item, int idx, int extra_idx, const char *field,
                             int allow_empty, long max_items, int depth, problem_t *p) {
  long n, i, j;
  char path[FIELD_MAX];
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return problem_fail(p, field, "%s must be a list of %s objects ({ %s }), got %s", field, item->name, item->accepted,
                problem_type(L, idx));
  if ((n = check_sequence(L, idx, field, "{ { ... }, { ... } }", p)) < 0) return 0;
  if (n == 0 && !allow_empty)
    return problem_fail(p, field, "%s must hold at least one %s ({ %s })", field, item->name, item->accepted);
  if (max_items > 0 && n > max_items)
    return problem_fail(p, field, "%s holds %ld entries; Atlas takes at most %ld in one request: send them in parts",
                        field, n, max_items);
  for (i = 1; i <= n; i++) {
    problem_index_field(path, sizeof path, field, (size_t)i);
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
          if (s) problem_quote(s, len, shown, sizeof shown);
          lua_pop(L, 2);
          return problem_fail(p, path, "%s: %s \"%s\" is listed twice (also at %s[%ld]); give each once", path,
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
  case FIELD_KEY_DESC: return check_key_desc(L, idx, path, p);
  case FIELD_ACCOUNT_NAME: return check_account_name(L, idx, path, p);
  case FIELD_ACCOUNT_DESC: return check_account_description(L, idx, path, p);
  case FIELD_HOURS: return check_secret_hours(L, idx, path, p);
  case FIELD_IP: return check_ip_address(L, idx, path, p);
  case FIELD_CIDR: return check_cidr_block(L, idx, path, p);
  default: return check_object_list(L, f->sub, idx, extra_idx, path, 1, 0, depth + 1, p);
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
  if (depth > M_DEPTH) return problem_fail(p, where, "%s is nested too deeply", where);
  if (!lua_checkstack(L, 8)) return problem_fail(p, where, "%s is nested too deeply", where);
  if (lua_type(L, idx) != LUA_TTABLE)
    return problem_fail(p, where, "%s must be a table with %s, got %s", *path ? path : "the request body", schema->accepted,
                problem_type(L, idx));
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
        problem_quote(kk, len, shown, sizeof shown);
        problem_join_field(child, sizeof child, path, shown);
        lua_pop(L, 1);
        return problem_fail(p, child, "unknown field \"%s\": %s accepts only %s", shown, schema->name, schema->accepted);
      }
    } else {
      lua_pop(L, 1);
      return problem_fail(p, where, "%s must have only named fields (%s), not list entries", *path ? path : "the request body",
                  schema->accepted);
    }
  }
  for (f = schema->fields; f->name; f++) {
    int ok;
    problem_join_field(child, sizeof child, path, f->name);
    lua_getfield(L, idx, f->name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      if (!f->required) continue;
      return problem_fail(p, child, "%s is required: %s needs %s", child, schema->name, schema->accepted);
    }
    given++;
    ok = check_field(L, f, -1, extra_idx, child, depth, p);
    lua_pop(L, 1);
    if (!ok) return 0;
  }
  if (schema->need_one == NEED_ANY && given == 0)
    return problem_fail(p, where, "%s has nothing to change: give at least one of %s", *path ? path : "the request body",
                schema->accepted);
  if (schema->need_one == NEED_EXACTLY_ONE && given != 1)
    return problem_fail(p, where, given ? "%s gives both fields: give %s, not both (one entry each)"
                                        : "%s is empty: give %s", *path ? path : "the request body", schema->accepted);
  return 1;
}

static int check_body(lua_State *L, const body_schema_t *schema, int idx, int extra_idx, problem_t *p) {
  if (schema->list_of)
    return check_object_list(L, schema->list_of, idx, extra_idx, schema->list_name, 0, schema->max_items, 0, p);
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
  case FIELD_KEY_DESC: case FIELD_ACCOUNT_NAME: case FIELD_ACCOUNT_DESC: case FIELD_IP: case FIELD_CIDR:
    s = lua_tolstring(L, idx, &len);
    emit_string(o, s, len);
    return;
  case FIELD_HOURS: { /* checked: a whole number within int32 */
    char num[24];
    int n = snprintf(num, sizeof num, "%ld", (long)lua_tonumber(L, idx));
    put_bytes(o, num, (size_t)n);
    return;
  }
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

/* The schema named at idx: a name, or the handle core.body_schema gave
 * for it (a light userdata: no lookup by name per call). */
static const body_schema_t *schema_arg(lua_State *L, int idx) {
  const body_schema_t *schema;
  if (lua_type(L, idx) == LUA_TLIGHTUSERDATA) {
    schema = known_schema((const body_schema_t *)lua_touserdata(L, idx)); /* one of ours, or refused */
    if (schema) return schema;
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
  int extra = check_extra_roles_arg(L, 3);
  lua_settop(L, 3);
  if (!check_body(L, schema, 2, extra, &p)) return problem_push(L, 0, &p);
  lua_pushboolean(L, 1);
  push_body_json(L, schema, 2);
  return 2;
}

void body_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_check_body);
  lua_setfield(L, module_index, "check_body");
  lua_pushcfunction(L, l_body_schema);
  lua_setfield(L, module_index, "body_schema");
}
