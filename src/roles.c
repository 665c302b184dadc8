/* Role tables, built from ROLES (roles.h), and role suggestions. */
#include "roles.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "compat.h"

/* Picks a kind's entries out of ROLES: ONLY_<want>_<kind>(x) is x when
 * the kinds match, nothing otherwise. */
#define ONLY_PROJECT_PROJECT(x) x
#define ONLY_PROJECT_ORG(x)
#define ONLY_ORG_PROJECT(x)
#define ONLY_ORG_ORG(x) x

#define COMMA ,
#define PROJECT_NAME(kind, name) ONLY_PROJECT_##kind(#name COMMA)
#define ORG_NAME(kind, name) ONLY_ORG_##kind(#name COMMA)
#define PROJECT_TEXT(kind, name) ONLY_PROJECT_##kind(", " #name)
#define ORG_TEXT(kind, name) ONLY_ORG_##kind(", " #name)

static const char *const project_roles[] = { ROLES(PROJECT_NAME) NULL };
static const char *const org_roles[] = { ROLES(ORG_NAME) NULL };

/* Each text starts with ", " (skipped when used). */
static const char project_text[] = "" ROLES(PROJECT_TEXT);
static const char org_text[] = "" ROLES(ORG_TEXT);

const char *const *role_table(role_kind_t kind) { return kind == ROLES_ORG ? org_roles : project_roles; }

const char *role_list_text(role_kind_t kind) { return (kind == ROLES_ORG ? org_text : project_text) + 2; }

int role_known(role_kind_t kind, const char *s) {
  const char *const *table;
  for (table = role_table(kind); *table; table++)
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

const char *role_suggest(const char *s, role_kind_t kind) {
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

role_kind_t role_kind_arg(lua_State *L, int idx) {
  static const char *const kinds[] = { "project", "org", NULL };
  return luaL_checkoption(L, idx, "project", kinds) == 1 ? ROLES_ORG : ROLES_PROJECT;
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
  const char *hint = role_suggest(luaL_checkstring(L, 1), role_kind_arg(L, 2));
  if (hint) lua_pushstring(L, hint);
  else lua_pushnil(L);
  return 1;
}

void roles_register(lua_State *L, int module_index) {
  static const luaL_Reg fns[] = {
    { "project_roles", l_project_roles }, { "org_roles", l_org_roles }, { "suggest_role", l_suggest_role },
    { NULL, NULL },
  };
  const luaL_Reg *f;
  module_index = aa_absindex(L, module_index);
  for (f = fns; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, module_index, f->name);
  }
}
