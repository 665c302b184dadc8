/* An organization's teams (2023-01-01) and their users (2025-02-19):
 *
 *   GET    /orgs/{o}/teams                      page of {id, name, links}
 *   POST   /orgs/{o}/teams                      {name, usernames} -> 200 {id, name, usernames, links}
 *   GET    /orgs/{o}/teams/byName/{teamName}
 *   GET    /orgs/{o}/teams/{teamId}
 *   PATCH  /orgs/{o}/teams/{teamId}             {name}: rename
 *   DELETE /orgs/{o}/teams/{teamId}             -> 204 (off every project and member too)
 *   GET    /orgs/{o}/teams/{teamId}/users       page of org users (2025-02-19)
 *   POST   /orgs/{o}/teams/{teamId}:addUser     {id} (2025-02-19)
 *   POST   /orgs/{o}/teams/{teamId}:removeUser  {id} (2025-02-19)
 *
 * Members are the users whose teamIds hold the team (org.c).  Creating a
 * team (a 2023-01-01 call) takes ACTIVE members only, as Atlas's older
 * team calls do; :addUser (2025-02-19) also takes pending ones. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

#define MAX_TEAMS_PER_ORG 250
#define MAX_USERS_PER_TEAM 250
#define NAME_MAX_BYTES 255

static json_t *team_json(call_t *call, json_t *t) {
  char href[512];
  const char *id = json_string_value(json_object_get(t, "id"));
  snprintf(href, sizeof href, "%s/api/atlas/v2/orgs/%s/teams/%s", config.base_url,
           json_string_value(json_object_get(call->org, "id")), id);
  return json_pack("{s:O, s:O, s:[{s:s, s:s}]}", "id", json_object_get(t, "id"), "name", json_object_get(t, "name"),
                   "links", "href", href, "rel", "self");
}

static json_t *present_team(call_t *call, json_t *t) { return team_json(call, t); }

static json_t *present_user(call_t *call, json_t *u) {
  (void)call;
  return json_deep_copy(u);
}

/* A team name: a non-empty string of printable characters, not too long. */
static int check_name(call_t *call, json_t *v, enum MHD_Result *ret) {
  const char *s = json_string_value(v);
  size_t i;
  if (!v) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute name was not specified.");
    return 0;
  }
  if (!s || !*s || strlen(s) > NAME_MAX_BYTES) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute name specified.");
    return 0;
  }
  for (i = 0; s[i]; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
      *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute name specified.");
      return 0;
    }
  return 1;
}

static int name_taken(call_t *call, const char *name, json_t *except) {
  json_t *t = org_find_team(call->org, "name", name, NULL);
  return t && t != except;
}

static enum MHD_Result create(call_t *call) {
  static const char *const allowed[] = { "name", "usernames", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_object(call, &ret), *usernames, *v, *team, *out, *names;
  char id[25], missing[1024] = "";
  size_t i;
  if (!body) return ret;
  if (!request_only_fields(call, body, allowed, &ret) || !check_name(call, json_object_get(body, "name"), &ret)) {
    json_decref(body);
    return ret;
  }
  usernames = json_object_get(body, "usernames");
  if (!json_is_array(usernames) || json_array_size(usernames) > MAX_USERS_PER_TEAM) {
    json_decref(body);
    return usernames ? FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute usernames specified.")
                     : FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute usernames was not specified.");
  }
  json_array_foreach(usernames, i, v) {
    const char *name = json_string_value(v);
    json_t *u;
    if (!name || !request_plausible_email(name)) {
      json_decref(body);
      return FAIL(call, 400, "INVALID_EMAIL_ADDRESS", "The email address is invalid.");
    }
    u = org_find_user(call->org, "username", name, NULL);
    if (!u || strcmp(org_user_status(u), "ACTIVE") != 0) {
      size_t n = strlen(missing);
      snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "", name);
    }
  }
  if (*missing) {
    ret = FAIL(call, 400, "USER_NOT_IN_ORG", "These users are not active members of the organization: %s.", missing);
    json_decref(body);
    return ret;
  }
  if (name_taken(call, json_string_value(json_object_get(body, "name")), NULL)) {
    ret = FAIL(call, 409, "DUPLICATE_TEAM_NAME", "A team named %s already exists in the organization.",
               json_string_value(json_object_get(body, "name")));
    json_decref(body);
    return ret;
  }
  if (json_array_size(org_teams(call->org)) >= MAX_TEAMS_PER_ORG) {
    json_decref(body);
    return FAIL(call, 400, "MAX_TEAMS_PER_ORG_EXCEEDED", "An organization has at most %d teams.", MAX_TEAMS_PER_ORG);
  }
  store_random_hex(id, 12);
  team = json_pack("{s:s, s:O}", "id", id, "name", json_object_get(body, "name"));
  json_array_append_new(org_teams(call->org), team);
  names = json_array();
  json_array_foreach(usernames, i, v) {
    json_t *u = org_find_user(call->org, "username", json_string_value(v), NULL);
    org_user_join_team(u, id);
    json_array_append(names, json_object_get(u, "username"));
  }
  json_decref(body);
  out = team_json(call, team);
  json_object_set_new(out, "usernames", names);
  return request_success(call, 200, out);
}

static enum MHD_Result rename_team(call_t *call, json_t *team) {
  static const char *const allowed[] = { "name", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_object(call, &ret);
  if (!body) return ret;
  if (!request_only_fields(call, body, allowed, &ret) || !check_name(call, json_object_get(body, "name"), &ret)) {
    json_decref(body);
    return ret;
  }
  if (name_taken(call, json_string_value(json_object_get(body, "name")), team)) {
    ret = FAIL(call, 409, "DUPLICATE_TEAM_NAME", "A team named %s already exists in the organization.",
               json_string_value(json_object_get(body, "name")));
    json_decref(body);
    return ret;
  }
  json_object_set(team, "name", json_object_get(body, "name"));
  json_decref(body);
  return request_success(call, 200, team_json(call, team));
}

static enum MHD_Result list_users(call_t *call, json_t *team) {
  status_filter_t filter;
  enum MHD_Result ret = MHD_NO;
  const char *username = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "username");
  const char *user_id = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "userId");
  const char *tid = json_string_value(json_object_get(team, "id"));
  json_t *matches, *u;
  size_t i;
  if (!request_statuses(call, &filter, &ret)) return ret;
  matches = json_array();
  json_array_foreach(org_users(call->org), i, u) {
    if (!org_user_in_team(u, tid) || !request_status_wanted(&filter, org_user_status(u))) continue;
    if (username && strcasecmp(json_string_value(json_object_get(u, "username")), username) != 0) continue;
    if (user_id && strcmp(json_string_value(json_object_get(u, "id")), user_id) != 0) continue;
    json_array_append(matches, u);
  }
  return request_page(call, matches, present_user);
}

/* :addUser / :removeUser {id}. */
static enum MHD_Result change_member(call_t *call, json_t *team, int adding) {
  static const char *const allowed[] = { "id", NULL };
  enum MHD_Result ret = MHD_NO;
  const char *tid = json_string_value(json_object_get(team, "id")), *uid;
  json_t *body = request_read_object(call, &ret), *u;
  if (!body) return ret;
  if (!request_only_fields(call, body, allowed, &ret)) {
    json_decref(body);
    return ret;
  }
  uid = json_string_value(json_object_get(body, "id"));
  if (!json_object_get(body, "id")) ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute id was not specified.");
  else if (!request_is_hex24(uid)) ret = FAIL(call, 400, "INVALID_USER_ID", "An invalid user ID was specified.");
  else if (!(u = org_find_user(call->org, "id", uid, NULL)))
    ret = FAIL(call, 404, "USER_NOT_FOUND", "No user with ID %s exists in the organization.", uid);
  else if (adding && !org_user_member(u))
    /* An expired or rejected org invitation is not membership: invite again first. */
    ret = FAIL(call, 400, "USER_NOT_IN_ORG", "User %s is not in the organization (their invitation %s); invite "
               "them to the organization again first.", json_string_value(json_object_get(u, "username")),
               strcmp(org_user_status(u), "INVITATION_EXPIRED") == 0 ? "expired" : "was rejected");
  else if (adding && !org_user_in_team(u, tid) && org_team_size(call->org, tid) >= MAX_USERS_PER_TEAM)
    ret = FAIL(call, 400, "MAX_USERS_PER_TEAM_EXCEEDED", "A team has at most %d users.", MAX_USERS_PER_TEAM);
  else {
    /* Adding a member or removing a non-member changes nothing (this
     * server's choice: both calls are then safe to resend). */
    if (adding) org_user_join_team(u, tid);
    else org_user_leave_team(u, tid);
    ret = request_success(call, 200, present_user(call, u));
  }
  json_decref(body);
  return ret;
}

/* rest: what follows /teams. */
enum MHD_Result teams_handle(call_t *call, const char *rest) {
  char tid[64], action[32] = "";
  const char *colon, *sub;
  size_t index = 0, n;
  json_t *team;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) {
      json_t *all = json_array(), *t;
      size_t i;
      json_array_foreach(org_teams(call->org), i, t) json_array_append(all, t);
      return request_page(call, all, present_team);
    }
    if (strcmp(call->method, "POST") == 0) return create(call);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  rest++;
  if (strncmp(rest, "byName/", 7) == 0) {
    /* The name is the rest of the (decoded) path: it may hold anything. */
    if (strcmp(call->method, "GET") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    team = org_find_team(call->org, "name", rest + 7, NULL);
    if (!team) return FAIL(call, 404, "TEAM_NOT_FOUND", "No team named %s exists in the organization.", rest + 7);
    return request_success(call, 200, team_json(call, team));
  }
  n = strcspn(rest, "/:");
  if (n >= sizeof tid) return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  memcpy(tid, rest, n);
  tid[n] = '\0';
  colon = rest[n] == ':' ? rest + n : NULL;
  sub = rest[n] == '/' ? rest + n : NULL;
  if (colon) snprintf(action, sizeof action, "%s", colon + 1);
  if (!request_is_hex24(tid)) return FAIL(call, 400, "INVALID_TEAM_ID", "An invalid team ID %s was specified.", tid);
  team = org_find_team(call->org, "id", tid, &index);
  if (!team) return FAIL(call, 404, "TEAM_NOT_FOUND", "No team with ID %s exists in the organization.", tid);
  if (sub || *action) {
    /* The team's users exist only at 2025-02-19. */
    if (!request_accepts_version(call->c, USERS_VERSION, 0))
      return reply_api_error(call->c, 406, "INVALID_VERSION_DATE", 0, 0, "Invalid accept header or version date.");
    snprintf(call->media, sizeof call->media, "%s", USERS_MEDIA);
    if (sub && strcmp(sub, "/users") == 0 && strcmp(call->method, "GET") == 0) return list_users(call, team);
    if (*action && strcmp(call->method, "POST") == 0 && strcmp(action, "addUser") == 0) return change_member(call, team, 1);
    if (*action && strcmp(call->method, "POST") == 0 && strcmp(action, "removeUser") == 0) return change_member(call, team, 0);
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  }
  if (strcmp(call->method, "GET") == 0) return request_success(call, 200, team_json(call, team));
  if (strcmp(call->method, "PATCH") == 0) return rename_team(call, team);
  if (strcmp(call->method, "DELETE") == 0) {
    org_delete_team(call->org, index);
    return request_success(call, 204, NULL);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}
