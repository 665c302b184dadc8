/* API keys and service accounts as the organization's identities.  Both
 * are stored in the fixture document (store.c) beside the credentials they
 * authenticate with, and both keep their roles the way the API shows a
 * key's: [{orgId, roleName} | {groupId, roleName}], one entry per role.
 * Authorization (org.c) and the routes (api_keys.c, service_accounts.c)
 * read them through the functions here, so there is one notion of "what
 * an identity holds where". */
#include <stdio.h>
#include <string.h>

#include "server.h"

/* A fixture may write roles as {id: "ROLE" | ["ROLE", ...]} (the form the
 * test keys always had): an ORG_ role belongs to an organization, any
 * other to a project.  Rewritten in place into the list form. */
void identity_normalize_roles(json_t *ident) {
  json_t *map = json_object_get(ident, "roles"), *list, *v, *r;
  const char *id;
  size_t i;
  if (json_is_array(map)) return;
  list = json_array();
  json_object_foreach(map, id, v) {
    json_t *names = json_is_array(v) ? json_incref(v) : json_pack("[O]", v);
    json_array_foreach(names, i, r) {
      const char *name = json_string_value(r);
      if (!name) continue;
      json_array_append_new(list, json_pack("{s:s, s:s}", strncmp(name, "ORG_", 4) == 0 ? "orgId" : "groupId", id,
                                            "roleName", name));
    }
    json_decref(names);
  }
  json_object_set_new(ident, "roles", list);
}

static int in_scope(json_t *entry, const char *scope, const char *id) {
  const char *v = json_string_value(json_object_get(entry, scope));
  return v && strcmp(v, id) == 0;
}

json_t *identity_roles_in(json_t *ident, const char *scope, const char *id) {
  json_t *out = json_array(), *e;
  size_t i;
  json_array_foreach(json_object_get(ident, "roles"), i, e)
    if (in_scope(e, scope, id)) json_array_append(out, json_object_get(e, "roleName"));
  return out;
}

int identity_has_role(json_t *ident, const char *scope, const char *id, const char *role) {
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(ident, "roles"), i, e) {
    const char *r = json_string_value(json_object_get(e, "roleName"));
    if (in_scope(e, scope, id) && r && strcmp(r, role) == 0) return 1;
  }
  return 0;
}

/* Replaces what the identity holds in one organization or project. */
void identity_set_roles(json_t *ident, const char *scope, const char *id, json_t *roles) {
  json_t *list = json_object_get(ident, "roles"), *r;
  char keep[64];
  size_t i;
  snprintf(keep, sizeof keep, "%s", id); /* id may live in an entry removed below */
  for (i = json_array_size(list); i-- > 0;)
    if (in_scope(json_array_get(list, i), scope, keep)) json_array_remove(list, i);
  json_array_foreach(roles, i, r)
    json_array_append_new(list, json_pack("{s:s, s:O}", scope, keep, "roleName", r));
}

int identity_in_org(json_t *ident, json_t *org) {
  json_t *roles = identity_roles_in(ident, "orgId", json_string_value(json_object_get(org, "id")));
  int in = json_array_size(roles) > 0;
  json_decref(roles);
  return in;
}

int identity_project_of_org(const char *group_id, json_t *org) {
  json_t *p = group_id ? store_project(group_id) : NULL;
  return p && org_of_project(p) == org;
}

/* Its roles as one organization shows them: that org's and its projects'
 * (a fixture key may also hold roles in another organization). */
json_t *identity_roles_view(json_t *ident, json_t *org) {
  const char *oid = json_string_value(json_object_get(org, "id"));
  json_t *out = json_array(), *e;
  size_t i;
  json_array_foreach(json_object_get(ident, "roles"), i, e)
    if (in_scope(e, "orgId", oid) || identity_project_of_org(json_string_value(json_object_get(e, "groupId")), org))
      json_array_append_new(out, json_deep_copy(e));
  return out;
}

json_t *identity_find(const char *list, const char *key, const char *value, size_t *index) {
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(store_root(), list), i, e) {
    const char *v = json_string_value(json_object_get(e, key));
    if (v && value && strcmp(v, value) == 0) {
      if (index) *index = i;
      return e;
    }
  }
  return NULL;
}

/* Ids for fixture entries that leave them out: stable across reloads. */
void identity_fixed_id(char out[25], unsigned long kind, size_t n) {
  snprintf(out, 25, "%06lx%018lx", kind & 0xffffff, (unsigned long)n);
}
