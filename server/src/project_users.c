/* The MongoDB Cloud users of a project (media type 2025-02-19): a view of
 * the project's organization users (org.c) who hold roles in it.
 *
 *   GET    /groups/{g}/users[?itemsPerPage&pageNum&includeCount&username
 *                             &orgMembershipStatuses...&flattenTeams&includeOrgUsers]
 *   POST   /groups/{g}/users                     {username, roles} -> 201
 *   GET    /groups/{g}/users/{userId}
 *   DELETE /groups/{g}/users/{userId}            -> 204 (they stay in the org)
 *   POST   /groups/{g}/users/{userId}:addRole    {groupRole}
 *   POST   /groups/{g}/users/{userId}:removeRole {groupRole}
 *
 * Adding someone who is not in the organization invites them to it: a
 * PENDING org user with ORG_MEMBER.  A person invited through the legacy
 * invitations is not an org user, so is invisible here, and the reverse. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

/* The user as this project shows them: their fields, with roles = their
 * roles in the project (extra: roles from teams or the org role). */
static json_t *view(json_t *u, json_t *roles) {
  json_t *out = json_object();
  const char *k;
  json_t *v;
  json_object_foreach(u, k, v)
    if (strcmp(k, "roles") != 0 && strcmp(k, "teamIds") != 0) json_object_set(out, k, v);
  json_object_set(out, "roles", roles ? roles : json_array());
  return out;
}

static json_t *present(call_t *call, json_t *entry) {
  (void)call;
  return view(json_object_get(entry, "user"), json_object_get(entry, "roles"));
}

static void add_unique(json_t *list, json_t *values) {
  size_t i, j;
  json_t *v, *w;
  json_array_foreach(values, i, v) {
    int seen = 0;
    json_array_foreach(list, j, w) seen = seen || json_equal(v, w);
    if (!seen) json_array_append(list, v);
  }
}

/* What a user holds in this project: their own roles, with flattenTeams
 * their teams' roles too, and with includeOrgUsers what their org role
 * implies (ORG_OWNER: GROUP_OWNER, ORG_READ_ONLY: GROUP_READ_ONLY; this
 * server's choice, Atlas does not document the rendering).  A new
 * array, or NULL when they hold nothing here. */
static json_t *held_roles(call_t *call, json_t *u, int flatten, int include_org) {
  json_t *roles = json_array(), *own = org_user_project_roles(u, json_string_value(json_object_get(call->project, "id")), NULL);
  size_t i;
  json_t *t;
  if (own) add_unique(roles, own);
  if (flatten) {
    json_array_foreach(org_project_teams(call->project), i, t)
      if (org_user_in_team(u, json_string_value(json_object_get(t, "teamId"))))
        add_unique(roles, json_object_get(t, "roleNames"));
  }
  if (include_org) {
    json_t *implied = json_array();
    if (org_user_has_org_role(u, "ORG_OWNER")) json_array_append_new(implied, json_string("GROUP_OWNER"));
    if (org_user_has_org_role(u, "ORG_READ_ONLY")) json_array_append_new(implied, json_string("GROUP_READ_ONLY"));
    add_unique(roles, implied);
    json_decref(implied);
  }
  if (json_array_size(roles) == 0) {
    json_decref(roles);
    return NULL;
  }
  return roles;
}

/* Every user with roles in the project, any status, as the project shows
 * them (GET /__mock/state). */
json_t *project_users_view(json_t *project) {
  json_t *out = json_array(), *u, *org = org_of_project(project);
  const char *gid = json_string_value(json_object_get(project, "id"));
  size_t i;
  json_array_foreach(org_users(org), i, u) {
    json_t *roles = org_user_project_roles(u, gid, NULL);
    if (roles) json_array_append_new(out, view(u, roles));
  }
  return out;
}

static enum MHD_Result list(call_t *call) {
  status_filter_t filter;
  enum MHD_Result ret = MHD_NO;
  const char *username = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "username");
  int flatten = request_flag(call->c, "flattenTeams"), include_org = request_flag(call->c, "includeOrgUsers");
  json_t *matches, *u;
  size_t i;
  if (!request_statuses(call, &filter, &ret)) return ret;
  matches = json_array();
  json_array_foreach(org_users(call->org), i, u) {
    const char *name = json_string_value(json_object_get(u, "username"));
    json_t *roles;
    if (!request_status_wanted(&filter, org_user_status(u))) continue;
    if (username && (!name || strcasecmp(name, username) != 0)) continue;
    if (!(roles = held_roles(call, u, flatten, include_org))) continue;
    json_array_append_new(matches, json_pack("{s:O, s:o}", "user", u, "roles", roles));
  }
  return request_page(call, matches, present);
}

static enum MHD_Result add(call_t *call) {
  static const char *const allowed[] = { "roles", "username", NULL };
  enum MHD_Result ret = MHD_NO;
  const char *gid = json_string_value(json_object_get(call->project, "id"));
  json_t *body = request_read_object(call, &ret), *u;
  const char *username;
  if (!body) return ret;
  if (!request_only_fields(call, body, allowed, &ret) ||
      !request_check_roles(call, json_object_get(body, "roles"), "roles", 0, 0, &ret) ||
      !(username = request_email_field(call, body, "username", &ret))) {
    json_decref(body);
    return ret;
  }
  u = org_find_user(call->org, "username", username, NULL);
  if (u && org_user_member(u) && org_user_project_roles(u, gid, NULL)) {
    ret = FAIL(call, 409, "USER_ALREADY_IN_GROUP", "The user %s is already in the project.", username);
    json_decref(body);
    return ret;
  }
  /* Someone outside the organization (or whose org invitation expired or
   * was rejected) is invited to it. */
  if (!u || !org_user_member(u)) u = org_new_user(call->org, username, NULL);
  org_user_set_project_roles(u, gid, json_object_get(body, "roles"));
  json_decref(body);
  return request_success(call, 201, view(u, org_user_project_roles(u, gid, NULL)));
}

static enum MHD_Result change_role(call_t *call, json_t *u, int adding) {
  static const char *const allowed[] = { "groupRole", NULL };
  enum MHD_Result ret = MHD_NO;
  const char *gid = json_string_value(json_object_get(call->project, "id"));
  json_t *body = request_read_object(call, &ret), *roles, *v, *role;
  const char *r;
  size_t i, at = 0;
  int held = 0;
  if (!body) return ret;
  role = json_object_get(body, "groupRole");
  if (!request_only_fields(call, body, allowed, &ret)) {
    json_decref(body);
    return ret;
  }
  if (!role) {
    json_decref(body);
    return FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute groupRole was not specified.");
  }
  if (!request_check_role(call, role, "groupRole", 0, &ret)) {
    json_decref(body);
    return ret;
  }
  r = json_string_value(role);
  roles = org_user_project_roles(u, gid, NULL);
  json_array_foreach(roles, i, v)
    if (strcmp(json_string_value(v), r) == 0) { held = 1; at = i; }
  if (adding && !held) json_array_append(roles, role);
  if (!adding && held) {
    if (json_array_size(roles) == 1) {
      ret = FAIL(call, 400, "CANNOT_REMOVE_LAST_ROLE", "A user must have at least one role in the project; "
                 "add the new role before removing %s.", r);
      json_decref(body);
      return ret;
    }
    json_array_remove(roles, at);
  }
  json_decref(body);
  return request_success(call, 200, view(u, roles));
}

/* rest: what follows /users ("", "/{userId}" or "/{userId}:action"). */
enum MHD_Result project_users_handle(call_t *call, const char *rest) {
  char uid[64], action[32] = "";
  const char *colon, *gid = json_string_value(json_object_get(call->project, "id"));
  json_t *u;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) return list(call);
    if (strcmp(call->method, "POST") == 0) return add(call);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  rest++; /* the '/' */
  colon = strchr(rest, ':');
  if (strchr(rest, '/') || strlen(rest) >= sizeof uid)
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  snprintf(uid, sizeof uid, "%.*s", (int)(colon ? (size_t)(colon - rest) : strlen(rest)), rest);
  if (colon) snprintf(action, sizeof action, "%s", colon + 1);
  if (!request_is_hex24(uid)) return FAIL(call, 400, "INVALID_USER_ID", "An invalid user ID %s was specified.", uid);
  u = org_find_user(call->org, "id", uid, NULL);
  if (!u || !org_user_project_roles(u, gid, NULL))
    return FAIL(call, 404, "USER_NOT_FOUND", "No user with ID %s exists in the project.", uid);
  if (*action) {
    if (strcmp(call->method, "POST") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    if (strcmp(action, "addRole") == 0) return change_role(call, u, 1);
    if (strcmp(action, "removeRole") == 0) return change_role(call, u, 0);
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  }
  if (strcmp(call->method, "GET") == 0) return request_success(call, 200, view(u, org_user_project_roles(u, gid, NULL)));
  if (strcmp(call->method, "DELETE") == 0) {
    /* Out of the project, still in the organization. */
    org_user_set_project_roles(u, gid, NULL);
    return request_success(call, 204, NULL);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}
