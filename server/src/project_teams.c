/* The teams of a project and their roles (2023-01-01):
 *
 *   GET    /groups/{g}/teams              page of {teamId, roleNames, links}
 *   POST   /groups/{g}/teams              [{teamId, roleNames}, ...] -> 200 page of the teams added
 *   GET    /groups/{g}/teams/{teamId}
 *   PATCH  /groups/{g}/teams/{teamId}     {roleNames}: replaces them -> 200 page of that team
 *   DELETE /groups/{g}/teams/{teamId}     -> 204
 *
 * A team's roles apply to every member (org.c reads them for who reaches
 * what).  At most 100 teams per project. */
#include <stdio.h>
#include <string.h>

#include "server.h"

#define MAX_TEAMS_PER_PROJECT 100

static json_t *team_role_json(call_t *call, json_t *entry) {
  char href[512];
  snprintf(href, sizeof href, "%s/api/atlas/v2/groups/%s/teams/%s", config.base_url,
           json_string_value(json_object_get(call->project, "id")), json_string_value(json_object_get(entry, "teamId")));
  return json_pack("{s:O, s:O, s:[{s:s, s:s}]}", "teamId", json_object_get(entry, "teamId"), "roleNames",
                   json_object_get(entry, "roleNames"), "links", "href", href, "rel", "self");
}

static json_t *present(call_t *call, json_t *entry) { return team_role_json(call, entry); }

/* One {teamId, roleNames} (roleNames only when the team is in the path). */
static int check_entry(call_t *call, json_t *e, int with_team_id, enum MHD_Result *ret) {
  static const char *const both[] = { "roleNames", "teamId", NULL };
  const char *tid = json_string_value(json_object_get(e, "teamId"));
  if (!json_is_object(e)) {
    *ret = FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: each team must be an object.");
    return 0;
  }
  if (!request_only_fields(call, e, both, ret)) return 0;
  if (with_team_id) {
    if (!json_object_get(e, "teamId")) {
      *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute teamId was not specified.");
      return 0;
    }
    if (!request_is_hex24(tid)) {
      *ret = FAIL(call, 400, "INVALID_TEAM_ID", "An invalid team ID was specified.");
      return 0;
    }
    if (!org_find_team(call->org, "id", tid, NULL)) {
      *ret = FAIL(call, 404, "TEAM_NOT_FOUND", "No team with ID %s exists in the project's organization.", tid);
      return 0;
    }
  }
  return request_check_roles(call, json_object_get(e, "roleNames"), "roleNames", 0, 0, ret);
}

static enum MHD_Result add(call_t *call) {
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_json(call, &ret), *e, *added;
  size_t i, j;
  if (!body) return ret;
  if (!json_is_array(body) || json_array_size(body) == 0) {
    json_decref(body);
    return FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: the body must be a non-empty array of teams.");
  }
  json_array_foreach(body, i, e) {
    const char *tid;
    if (!check_entry(call, e, 1, &ret)) {
      json_decref(body);
      return ret;
    }
    tid = json_string_value(json_object_get(e, "teamId"));
    for (j = 0; j < i; j++)
      if (strcmp(json_string_value(json_object_get(json_array_get(body, j), "teamId")), tid) == 0) {
        json_decref(body);
        return FAIL(call, 400, "DUPLICATE_VALUES", "Team %s is listed twice.", tid);
      }
    /* Atlas does not document this case; this server answers 409. */
    if (org_project_team(call->project, tid, NULL)) {
      ret = FAIL(call, 409, "TEAM_ALREADY_IN_GROUP", "Team %s is already in the project.", tid);
      json_decref(body);
      return ret;
    }
  }
  if (json_array_size(org_project_teams(call->project)) + json_array_size(body) > MAX_TEAMS_PER_PROJECT) {
    json_decref(body);
    return FAIL(call, 400, "MAX_TEAMS_PER_GROUP_EXCEEDED", "A project has at most %d teams.", MAX_TEAMS_PER_PROJECT);
  }
  added = json_array();
  json_array_foreach(body, i, e) {
    json_t *entry = json_pack("{s:O, s:O}", "teamId", json_object_get(e, "teamId"), "roleNames",
                              json_object_get(e, "roleNames"));
    json_array_append_new(org_project_teams(call->project), entry);
    json_array_append(added, entry);
  }
  json_decref(body);
  return request_page(call, added, present);
}

/* rest: what follows /teams. */
enum MHD_Result project_teams_handle(call_t *call, const char *rest) {
  enum MHD_Result ret = MHD_NO;
  size_t index = 0;
  json_t *entry;
  const char *tid;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) {
      json_t *all = json_array(), *t;
      size_t i;
      json_array_foreach(org_project_teams(call->project), i, t) json_array_append(all, t);
      return request_page(call, all, present);
    }
    if (strcmp(call->method, "POST") == 0) return add(call);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  tid = rest + 1;
  if (strchr(tid, '/') || strchr(tid, ':'))
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (!request_is_hex24(tid)) return FAIL(call, 400, "INVALID_TEAM_ID", "An invalid team ID %s was specified.", tid);
  entry = org_project_team(call->project, tid, &index);
  if (!entry) return FAIL(call, 404, "NOT_IN_GROUP", "Team %s is not in the project.", tid);
  if (strcmp(call->method, "GET") == 0) return request_success(call, 200, team_role_json(call, entry));
  if (strcmp(call->method, "DELETE") == 0) {
    json_array_remove(org_project_teams(call->project), index);
    return request_success(call, 204, NULL);
  }
  if (strcmp(call->method, "PATCH") == 0) {
    json_t *body = request_read_object(call, &ret), *page;
    if (!body) return ret;
    if (!check_entry(call, body, 0, &ret)) {
      json_decref(body);
      return ret;
    }
    {
      const char *given = json_string_value(json_object_get(body, "teamId"));
      if (given && strcmp(given, tid) != 0) {
        json_decref(body);
        return FAIL(call, 400, "INVALID_TEAM_ID", "teamId in the body does not match the path.");
      }
    }
    json_object_set(entry, "roleNames", json_object_get(body, "roleNames"));
    json_decref(body);
    page = json_array();
    json_array_append(page, entry);
    return request_page(call, page, present);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}
