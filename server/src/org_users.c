/* The MongoDB Cloud users of an organization (media type 2025-02-19):
 *
 *   GET    /orgs/{o}/users[?itemsPerPage&pageNum&includeCount&username&orgMembershipStatuses...]
 *   POST   /orgs/{o}/users                     {username, roles: {orgRoles, groupRoleAssignments}, teamIds} -> 201
 *   GET    /orgs/{o}/users/{userId}[?orgMembershipStatuses...]
 *   PATCH  /orgs/{o}/users/{userId}            {roles, teamIds}: only the fields given
 *   DELETE /orgs/{o}/users/{userId}            -> 204 (out of every project and team too)
 *   POST   /orgs/{o}/users/{userId}:addRole    {orgRole}
 *   POST   /orgs/{o}/users/{userId}:removeRole {orgRole} (never the last one)
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

#define MAX_USERS_PER_TEAM 250

static json_t *present(call_t *call, json_t *u) {
  (void)call;
  return json_deep_copy(u);
}

/* roles: {orgRoles (non-empty), groupRoleAssignments: [{groupId, groupRoles}]}.
 * Every project must belong to this organization. */
static int check_roles_request(call_t *call, json_t *roles, enum MHD_Result *ret) {
  static const char *const allowed[] = { "orgRoles", "groupRoleAssignments", NULL };
  static const char *const assignment_fields[] = { "groupId", "groupRoles", NULL };
  json_t *assignments, *a;
  size_t i;
  if (!json_is_object(roles)) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute roles specified.");
    return 0;
  }
  if (!request_only_fields(call, roles, allowed, ret) ||
      !request_check_roles(call, json_object_get(roles, "orgRoles"), "roles.orgRoles", 1, 0, ret))
    return 0;
  assignments = json_object_get(roles, "groupRoleAssignments");
  if (!assignments) return 1;
  if (!json_is_array(assignments)) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute roles.groupRoleAssignments specified.");
    return 0;
  }
  json_array_foreach(assignments, i, a) {
    const char *gid = json_string_value(json_object_get(a, "groupId"));
    json_t *p;
    if (!json_is_object(a) || !request_only_fields(call, a, assignment_fields, ret)) {
      if (!json_is_object(a)) *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute roles.groupRoleAssignments specified.");
      return 0;
    }
    if (!request_is_hex24(gid)) {
      *ret = FAIL(call, 400, "INVALID_GROUP_ID", "An invalid group ID %s was specified.", gid ? gid : "(none)");
      return 0;
    }
    p = store_project(gid);
    if (!p || org_of_project(p) != call->org) {
      *ret = FAIL(call, 404, "GROUP_NOT_FOUND", "No group with ID %s exists in this organization.", gid);
      return 0;
    }
    if (!request_check_roles(call, json_object_get(a, "groupRoles"), "roles.groupRoleAssignments.groupRoles", 0, 1, ret))
      return 0;
  }
  return 1;
}

/* teamIds: unique ids of this organization's teams, each with room. */
static int check_team_ids(call_t *call, json_t *ids, json_t *u, enum MHD_Result *ret) {
  size_t i, j;
  json_t *id;
  if (!json_is_array(ids)) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute teamIds specified.");
    return 0;
  }
  json_array_foreach(ids, i, id) {
    const char *t = json_string_value(id);
    if (!request_is_hex24(t)) {
      *ret = FAIL(call, 400, "INVALID_TEAM_ID", "An invalid team ID %s was specified.", t ? t : "(not a string)");
      return 0;
    }
    for (j = 0; j < i; j++)
      if (json_equal(json_array_get(ids, j), id)) {
        *ret = FAIL(call, 400, "DUPLICATE_VALUES", "Attribute teamIds lists %s twice.", t);
        return 0;
      }
    if (!org_find_team(call->org, "id", t, NULL)) {
      *ret = FAIL(call, 404, "TEAM_NOT_FOUND", "No team with ID %s exists in this organization.", t);
      return 0;
    }
    if ((!u || !org_user_in_team(u, t)) && org_team_size(call->org, t) >= MAX_USERS_PER_TEAM) {
      *ret = FAIL(call, 400, "MAX_USERS_PER_TEAM_EXCEEDED", "Team %s already has %d users.", t, MAX_USERS_PER_TEAM);
      return 0;
    }
  }
  return 1;
}

/* Applies {roles, teamIds} to a user: each field given replaces what the
 * user had (an empty list resets it); a field left out is kept.  Inside
 * roles, orgRoles is always given (required); groupRoleAssignments left
 * out keeps the project roles (this server's reading of the spec's
 * "only include the fields you wish to update"). */
static void apply(json_t *u, json_t *body) {
  json_t *roles = json_object_get(body, "roles"), *teams = json_object_get(body, "teamIds"), *a, *stored;
  size_t i;
  if (roles) {
    stored = json_object_get(u, "roles");
    json_object_set_new(stored, "orgRoles", json_copy(json_object_get(roles, "orgRoles")));
    if (json_object_get(roles, "groupRoleAssignments")) {
      json_t *kept = json_array();
      json_array_foreach(json_object_get(roles, "groupRoleAssignments"), i, a)
        if (json_array_size(json_object_get(a, "groupRoles")) > 0) json_array_append_new(kept, json_deep_copy(a));
      json_object_set_new(stored, "groupRoleAssignments", kept);
    }
  }
  if (teams) json_object_set_new(u, "teamIds", json_copy(teams));
}

static enum MHD_Result list(call_t *call) {
  status_filter_t filter;
  enum MHD_Result ret = MHD_NO;
  const char *username = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "username");
  json_t *matches, *u;
  size_t i;
  if (!request_statuses(call, &filter, &ret)) return ret;
  matches = json_array();
  json_array_foreach(org_users(call->org), i, u) {
    const char *name = json_string_value(json_object_get(u, "username"));
    if (!request_status_wanted(&filter, org_user_status(u))) continue;
    if (username && (!name || strcasecmp(name, username) != 0)) continue;
    json_array_append(matches, u);
  }
  return request_page(call, matches, present);
}

static enum MHD_Result create(call_t *call) {
  static const char *const allowed[] = { "roles", "teamIds", "username", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_object(call, &ret), *u, *roles;
  const char *username;
  if (!body) return ret;
  roles = json_object_get(body, "roles");
  if (!request_only_fields(call, body, allowed, &ret) || !(username = request_email_field(call, body, "username", &ret))) {
    json_decref(body);
    return ret;
  }
  if (!roles) {
    json_decref(body);
    return FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute roles was not specified.");
  }
  if (!check_roles_request(call, roles, &ret) ||
      (json_object_get(body, "teamIds") && !check_team_ids(call, json_object_get(body, "teamIds"), NULL, &ret))) {
    json_decref(body);
    return ret;
  }
  u = org_find_user(call->org, "username", username, NULL);
  /* A conflict if and only if there is a PENDING or ACTIVE user; an
   * expired or rejected one is replaced (the spec's words). */
  if (u && org_user_member(u)) {
    ret = FAIL(call, 409, "USER_ALREADY_IN_ORG", "The user %s is already in the organization.", username);
    json_decref(body);
    return ret;
  }
  u = org_new_user(call->org, username, json_object_get(roles, "orgRoles"));
  apply(u, body);
  json_decref(body);
  return request_success(call, 201, present(call, u));
}

static enum MHD_Result update(call_t *call, json_t *u) {
  static const char *const allowed[] = { "roles", "teamIds", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_object(call, &ret);
  if (!body) return ret;
  if (!request_only_fields(call, body, allowed, &ret) ||
      (json_object_get(body, "roles") && !check_roles_request(call, json_object_get(body, "roles"), &ret)) ||
      (json_object_get(body, "teamIds") && !check_team_ids(call, json_object_get(body, "teamIds"), u, &ret))) {
    json_decref(body);
    return ret;
  }
  apply(u, body);
  json_decref(body);
  return request_success(call, 200, present(call, u));
}

static enum MHD_Result change_role(call_t *call, json_t *u, int adding) {
  static const char *const allowed[] = { "orgRole", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_object(call, &ret), *roles = org_user_org_roles(u), *role, *v;
  const char *r;
  size_t i, at = 0;
  int held = 0;
  if (!body) return ret;
  role = json_object_get(body, "orgRole");
  if (!request_only_fields(call, body, allowed, &ret)) {
    json_decref(body);
    return ret;
  }
  if (!role) {
    json_decref(body);
    return FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute orgRole was not specified.");
  }
  if (!request_check_role(call, role, "orgRole", 1, &ret)) {
    json_decref(body);
    return ret;
  }
  r = json_string_value(role);
  json_array_foreach(roles, i, v)
    if (strcmp(json_string_value(v), r) == 0) { held = 1; at = i; }
  /* Adding a held role or removing a missing one changes nothing (this
   * server's choice: it makes both calls safe to resend). */
  if (adding && !held) json_array_append(roles, role);
  if (!adding && held) {
    if (json_array_size(roles) == 1) {
      ret = FAIL(call, 400, "CANNOT_REMOVE_LAST_ROLE", "A user must have at least one organization role; "
                 "add the new role before removing %s.", r);
      json_decref(body);
      return ret;
    }
    json_array_remove(roles, at);
  }
  json_decref(body);
  return request_success(call, 200, present(call, u));
}

/* rest: what follows /users ("", "/{userId}" or "/{userId}:action"). */
enum MHD_Result org_users_handle(call_t *call, const char *rest) {
  char uid[64], action[32] = "";
  const char *colon;
  size_t index = 0;
  json_t *u;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) return list(call);
    if (strcmp(call->method, "POST") == 0) return create(call);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  rest++;
  colon = strchr(rest, ':');
  if (strchr(rest, '/') || strlen(rest) >= sizeof uid)
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  snprintf(uid, sizeof uid, "%.*s", (int)(colon ? (size_t)(colon - rest) : strlen(rest)), rest);
  if (colon) snprintf(action, sizeof action, "%s", colon + 1);
  if (!request_is_hex24(uid)) return FAIL(call, 400, "INVALID_USER_ID", "An invalid user ID %s was specified.", uid);
  u = org_find_user(call->org, "id", uid, &index);
  if (!u) return FAIL(call, 404, "USER_NOT_FOUND", "No user with ID %s exists in the organization.", uid);
  if (*action) {
    if (strcmp(call->method, "POST") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    if (strcmp(action, "addRole") == 0) return change_role(call, u, 1);
    if (strcmp(action, "removeRole") == 0) return change_role(call, u, 0);
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  }
  if (strcmp(call->method, "GET") == 0) {
    status_filter_t filter;
    enum MHD_Result ret = MHD_NO;
    if (!request_statuses(call, &filter, &ret)) return ret;
    /* Like the listing: ACTIVE and PENDING unless statuses say otherwise. */
    if (!request_status_wanted(&filter, org_user_status(u)))
      return FAIL(call, 404, "USER_NOT_FOUND", "No user with ID %s and these statuses exists in the organization.", uid);
    return request_success(call, 200, present(call, u));
  }
  if (strcmp(call->method, "PATCH") == 0) return update(call, u);
  if (strcmp(call->method, "DELETE") == 0) {
    org_remove_user(call->org, index);
    return request_success(call, 204, NULL);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}
