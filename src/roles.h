/* The roles this client knows, from one table (ROLES below): the Lua
 * lists (core.project_roles, core.org_roles), the checks' lookups and the
 * "known roles are ..." texts are all built from it, so a role is added
 * in one line. */
#ifndef ATLAS_ADMIN_ROLES_H
#define ATLAS_ADMIN_ROLES_H

#include <lua.h>

/* X(kind, NAME), kind PROJECT or ORG, in the order the lists show them.
 * Project roles: the eleven of the spec (2025 revision, the last that had
 * the enum).  Organization roles: from Atlas's documentation (the spec
 * does not enumerate them).  Roles Atlas adds later are accepted through
 * the client's extra_roles option rather than by editing this table: an
 * extra role starting with ORG_ extends the organization roles, any other
 * the project roles. */
#define ROLES(X)                                                                                  \
  X(PROJECT, GROUP_BACKUP_MANAGER) X(PROJECT, GROUP_CLUSTER_MANAGER)                              \
  X(PROJECT, GROUP_DATA_ACCESS_ADMIN) X(PROJECT, GROUP_DATA_ACCESS_READ_ONLY)                     \
  X(PROJECT, GROUP_DATA_ACCESS_READ_WRITE) X(PROJECT, GROUP_DATABASE_ACCESS_ADMIN)                \
  X(PROJECT, GROUP_OBSERVABILITY_VIEWER) X(PROJECT, GROUP_OWNER)                                  \
  X(PROJECT, GROUP_READ_ONLY) X(PROJECT, GROUP_SEARCH_INDEX_EDITOR)                               \
  X(PROJECT, GROUP_STREAM_PROCESSING_OWNER)                                                       \
  X(ORG, ORG_OWNER) X(ORG, ORG_GROUP_CREATOR) X(ORG, ORG_BILLING_ADMIN) X(ORG, ORG_BILLING_READ_ONLY) \
  X(ORG, ORG_STREAM_PROCESSING_ADMIN) X(ORG, ORG_READ_ONLY) X(ORG, ORG_MEMBER)

typedef enum { ROLES_PROJECT, ROLES_ORG } role_kind_t;

/* The kind's role names, NULL-terminated. */
const char *const *role_table(role_kind_t kind);

/* "A, B, C": the kind's roles for a message. */
const char *role_list_text(role_kind_t kind);

/* Whether s is one of the kind's roles. */
int role_known(role_kind_t kind, const char *s);

/* The closest role of a kind, or NULL when nothing is close enough to be
 * a plausible typo.  Case is ignored, and a missing GROUP_ (or ORG_)
 * prefix is found. */
const char *role_suggest(const char *s, role_kind_t kind);

/* "project" (default) or "org" at idx. */
role_kind_t role_kind_arg(lua_State *L, int idx);

/* core.project_roles(), core.org_roles(), core.suggest_role(s [, kind]) */
void roles_register(lua_State *L, int module_index);

#endif
