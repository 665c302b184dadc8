/* The organization model behind every route.  An organization holds its
 * users and teams; a project belongs to one organization and holds its
 * teams' roles (and its legacy invitations).  A person is one org user:
 * their org roles, their project roles (roles.groupRoleAssignments) and
 * their teams (teamIds) live on that one record, so
 *   - a project's Cloud users are a view of the org users with roles there,
 *   - removing an org user removes them from every project and team,
 *   - deleting a team removes it from every project and from its members.
 * Stored users have the API's own shape (OrgUserResponse). */
#include <string.h>
#include <strings.h>

#include "server.h"

json_t *org_of_project(json_t *project) {
  const char *id = json_string_value(json_object_get(project, "orgId"));
  return id ? store_org(id) : NULL;
}

json_t *org_users(json_t *org) { return json_object_get(org, "users"); }
json_t *org_teams(json_t *org) { return json_object_get(org, "teams"); }

/* The user whose key ("id", or "username" compared case-insensitively:
 * Atlas does not document the case handling of usernames) is value. */
json_t *org_find_user(json_t *org, const char *key, const char *value, size_t *index) {
  size_t i;
  json_t *u;
  json_array_foreach(org_users(org), i, u) {
    const char *v = json_string_value(json_object_get(u, key));
    if (v && strcasecmp(v, value) == 0) {
      if (index) *index = i;
      return u;
    }
  }
  return NULL;
}

const char *org_user_status(json_t *u) { return json_string_value(json_object_get(u, "orgMembershipStatus")); }

/* ACTIVE or PENDING: in the organization.  An expired or rejected
 * invitation leaves the person outside it (Atlas: USER_NOT_IN_ORG). */
int org_user_member(json_t *u) {
  const char *s = org_user_status(u);
  return s && (strcmp(s, "ACTIVE") == 0 || strcmp(s, "PENDING") == 0);
}

json_t *org_user_org_roles(json_t *u) { return json_object_get(json_object_get(u, "roles"), "orgRoles"); }

int org_user_has_org_role(json_t *u, const char *role) {
  size_t i;
  json_t *r;
  json_array_foreach(org_user_org_roles(u), i, r)
    if (strcmp(json_string_value(r), role) == 0) return 1;
  return 0;
}

static json_t *assignments_of(json_t *u) { return json_object_get(json_object_get(u, "roles"), "groupRoleAssignments"); }

/* The user's own roles in a project (an array), or NULL when none. */
json_t *org_user_project_roles(json_t *u, const char *group_id, size_t *index) {
  size_t i;
  json_t *a;
  json_array_foreach(assignments_of(u), i, a) {
    const char *g = json_string_value(json_object_get(a, "groupId"));
    json_t *roles = json_object_get(a, "groupRoles");
    if (g && strcmp(g, group_id) == 0 && json_array_size(roles) > 0) {
      if (index) *index = i;
      return roles;
    }
  }
  return NULL;
}

/* Gives the user exactly these roles in the project (NULL or empty: none). */
void org_user_set_project_roles(json_t *u, const char *group_id, json_t *roles) {
  size_t index;
  json_t *assignments = assignments_of(u);
  if (org_user_project_roles(u, group_id, &index)) json_array_remove(assignments, index);
  if (roles && json_array_size(roles) > 0)
    json_array_append_new(assignments, json_pack("{s:s, s:O}", "groupId", group_id, "groupRoles", roles));
}

/* A new pending org user (an invitation to the organization), replacing an
 * expired or rejected one with the same username.  org_roles (borrowed)
 * NULL: ORG_MEMBER, what Atlas gives someone invited through a project.
 * Returns the user (borrowed). */
json_t *org_new_user(json_t *org, const char *username, json_t *org_roles) {
  size_t index;
  char id[25];
  json_t *u;
  if ((u = org_find_user(org, "username", username, &index)) && !org_user_member(u))
    json_array_remove(org_users(org), index);
  store_random_hex(id, 12);
  u = json_pack("{s:s, s:s, s:s, s:{s:o, s:[]}, s:[]}", "id", id, "username", username, "orgMembershipStatus",
                "PENDING", "roles", "orgRoles", org_roles ? json_copy(org_roles) : json_pack("[s]", "ORG_MEMBER"),
                "groupRoleAssignments", "teamIds");
  store_fill_user(u);
  json_array_append_new(org_users(org), u);
  return u;
}

json_t *org_find_team(json_t *org, const char *key, const char *value, size_t *index) {
  size_t i;
  json_t *t;
  json_array_foreach(org_teams(org), i, t) {
    const char *v = json_string_value(json_object_get(t, key));
    if (v && strcmp(v, value) == 0) {
      if (index) *index = i;
      return t;
    }
  }
  return NULL;
}

static int list_index(json_t *list, const char *value) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v)
    if (json_is_string(v) && strcmp(json_string_value(v), value) == 0) return (int)i;
  return -1;
}

int org_user_in_team(json_t *u, const char *team_id) {
  return list_index(json_object_get(u, "teamIds"), team_id) >= 0;
}

void org_user_join_team(json_t *u, const char *team_id) {
  if (!org_user_in_team(u, team_id)) json_array_append_new(json_object_get(u, "teamIds"), json_string(team_id));
}

void org_user_leave_team(json_t *u, const char *team_id) {
  int i = list_index(json_object_get(u, "teamIds"), team_id);
  if (i >= 0) json_array_remove(json_object_get(u, "teamIds"), (size_t)i);
}

size_t org_team_size(json_t *org, const char *team_id) {
  size_t i, n = 0;
  json_t *u;
  json_array_foreach(org_users(org), i, u)
    if (org_user_member(u) && org_user_in_team(u, team_id)) n++;
  return n;
}

json_t *org_project_teams(json_t *project) { return json_object_get(project, "teams"); }

json_t *org_project_team(json_t *project, const char *team_id, size_t *index) {
  size_t i;
  json_t *t;
  json_array_foreach(org_project_teams(project), i, t) {
    const char *v = json_string_value(json_object_get(t, "teamId"));
    if (v && strcmp(v, team_id) == 0) {
      if (index) *index = i;
      return t;
    }
  }
  return NULL;
}

/* Deleting a team takes it off every project and every member. */
void org_delete_team(json_t *org, size_t index) {
  const char *id = json_string_value(json_object_get(json_array_get(org_teams(org), index), "id"));
  char team_id[64];
  size_t i, k;
  json_t *u, *p;
  snprintf(team_id, sizeof team_id, "%s", id ? id : "");
  json_array_foreach(org_users(org), i, u) org_user_leave_team(u, team_id);
  json_array_foreach(json_object_get(store_root(), "projects"), i, p)
    if (org_project_team(p, team_id, &k)) json_array_remove(org_project_teams(p), k);
  json_array_remove(org_teams(org), index);
}

/* Removing a person from the organization removes their project roles and
 * team memberships with them: they live on the one record. */
void org_remove_user(json_t *org, size_t index) { json_array_remove(org_users(org), index); }

/* The projects of an organization, in fixture order (a new array). */
json_t *org_projects(json_t *org) {
  const char *id = json_string_value(json_object_get(org, "id"));
  json_t *out = json_array(), *p;
  size_t i;
  json_array_foreach(json_object_get(store_root(), "projects"), i, p) {
    const char *o = json_string_value(json_object_get(p, "orgId"));
    if (id && o && strcmp(o, id) == 0) json_array_append(out, p);
  }
  return out;
}

/* What the caller may do in a project: its own project role, or the one
 * its organization role implies (an ORG_OWNER is Project Owner of every
 * project of the org; ORG_READ_ONLY reads them all).  NULL: nothing. */
const char *org_caller_project_role(const principal_t *who, json_t *project) {
  json_t *org = org_of_project(project);
  const char *gid = json_string_value(json_object_get(project, "id"));
  const char *oid = org ? json_string_value(json_object_get(org, "id")) : NULL;
  json_t *own;
  const char *role = NULL;
  if (oid && identity_has_role(who->identity, "orgId", oid, "ORG_OWNER")) return "GROUP_OWNER";
  own = identity_roles_in(who->identity, "groupId", gid);
  if (json_array_size(own) > 0)
    /* any role but Project Owner reads only, as far as these routes go */
    role = identity_has_role(who->identity, "groupId", gid, "GROUP_OWNER") ? "GROUP_OWNER" : "GROUP_READ_ONLY";
  json_decref(own);
  if (role) return role;
  if (oid && identity_has_role(who->identity, "orgId", oid, "ORG_READ_ONLY")) return "GROUP_READ_ONLY";
  return NULL;
}

/* ORG_OWNER when held, else ORG_READ_ONLY, else whichever org role the
 * caller has there (reads only); NULL: none. */
const char *org_caller_org_role(const principal_t *who, json_t *org) {
  const char *oid = json_string_value(json_object_get(org, "id"));
  json_t *roles;
  int any;
  if (identity_has_role(who->identity, "orgId", oid, "ORG_OWNER")) return "ORG_OWNER";
  if (identity_has_role(who->identity, "orgId", oid, "ORG_READ_ONLY")) return "ORG_READ_ONLY";
  roles = identity_roles_in(who->identity, "orgId", oid);
  any = json_array_size(roles) > 0;
  json_decref(roles);
  return any ? "ORG_MEMBER" : NULL;
}
