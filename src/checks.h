/* The value checks run before any request is built: ids, usernames, team
 * names, roles, and lists of each.  Each returns 1, or 0 with the problem
 * filled (problem.h); messages name the field and the fix, and show the
 * offending value only when it is not a secret (ids, usernames, team
 * names and role names never are). */
#ifndef ATLAS_ADMIN_CHECKS_H
#define ATLAS_ADMIN_CHECKS_H

#include <stddef.h>

#include <lua.h>

#include "problem.h"
#include "roles.h"

/* 24 lowercase hexadecimal digits. */
int check_id(lua_State *L, int idx, const char *field, problem_t *p);

/* A plausible email address in printable ASCII (Atlas usernames are
 * email addresses; a character outside ASCII can look like another). */
int check_username(lua_State *L, int idx, const char *field, problem_t *p);

/* A team's name: UTF-8 text without controls, invisible or confusable
 * characters, Latin letters mixed with Cyrillic or Greek ones, and not
 * "." or "..". */
int check_team_name(lua_State *L, int idx, const char *field, problem_t *p);

/* One role of a kind, or one of extra_idx's keys (a table, or 0). */
int check_role(lua_State *L, int idx, int extra_idx, const char *field, role_kind_t kind, problem_t *p);

/* A sequence has exactly the keys 1..n: anything else means a set-like
 * table or holes, which would silently drop entries when encoded.
 * Returns n, or -1 with the problem filled (example: what to write). */
long check_sequence(lua_State *L, int idx, const char *field, const char *example, problem_t *p);

/* Lists, each entry once: roles (non-empty), ids and usernames (may be
 * empty: an empty teamIds resets them; usernames compare without case). */
int check_roles(lua_State *L, int idx, int extra_idx, const char *field, role_kind_t kind, problem_t *p);
int check_id_list(lua_State *L, int idx, const char *field, problem_t *p);
int check_username_list(lua_State *L, int idx, const char *field, problem_t *p);

/* An optional table of extra role names (keys) at idx, or 0. */
int check_extra_roles_arg(lua_State *L, int idx);

/* core.check_id(value [, field]) (a path parameter's check: an id, or the
 * form of a parameter named clientId or ipAddress), core.check_username, core.check_team_name,
 * core.check_roles(value [, field [, extra_set [, kind]]]):
 * true | nil, field, message */
void checks_register(lua_State *L, int module_index);

#endif
