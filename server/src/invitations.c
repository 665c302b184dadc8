/* Legacy project invitations (deprecated; sunset 2027-07-01), v2 and v1.0:
 *   GET    /groups/{groupId}/invites[?username=]     list (bare array)
 *   POST   /groups/{groupId}/invites                 create {roles, username}
 *   PATCH  /groups/{groupId}/invites                 update by username {roles, username}
 *   GET    /groups/{groupId}/invites/{invitationId}  one
 *   PATCH  /groups/{groupId}/invites/{invitationId}  update by id {roles}
 *   DELETE /groups/{groupId}/invites/{invitationId}  cancel (204)
 * A person invited this way is not an org user: the Cloud Users, org
 * users and team routes do not see them, and the reverse, as in Atlas. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

/* A copy of a stored invitation as the API shows it. */
static json_t *present(call_t *call, json_t *inv) {
  json_t *out = json_deep_copy(inv);
  char href[512];
  snprintf(href, sizeof href, "%s/api/atlas/%s/groups/%s/invites/%s", config.base_url, call->v1 ? "v1.0" : "v2",
           json_string_value(json_object_get(inv, "groupId")), json_string_value(json_object_get(inv, "id")));
  json_object_set_new(out, "links", json_pack("[{s:s, s:s}]", "href", href, "rel", "self"));
  return out;
}

static int expired(json_t *inv) {
  char now[32];
  const char *e = json_string_value(json_object_get(inv, "expiresAt"));
  store_iso_time(time(NULL), now);
  return e && strcmp(e, now) < 0;
}

static json_t *find_invitation(call_t *call, const char *key, const char *value, size_t *index) {
  size_t i;
  json_t *inv;
  json_array_foreach(json_object_get(call->project, "invitations"), i, inv) {
    const char *v = json_string_value(json_object_get(inv, key));
    /* Usernames are email addresses; Atlas does not document their case
     * handling, so this server (like the client) matches them
     * case-insensitively.  Ids are lowercase hex either way. */
    if (v && strcasecmp(v, value) == 0) {
      if (index) *index = i;
      return inv;
    }
  }
  return NULL;
}

/* Parses and checks an invitation body: roles (a non-empty list of project
 * roles), and username (an email) when need_username.  On failure queues
 * the error and returns NULL with *ret set. */
static json_t *read_body(call_t *call, int need_username, enum MHD_Result *ret) {
  static const char *const with_username[] = { "roles", "username", NULL };
  static const char *const roles_only[] = { "roles", NULL };
  json_t *body = request_read_object(call, ret);
  if (!body) return NULL;
  if (!request_only_fields(call, body, need_username ? with_username : roles_only, ret) ||
      !request_check_roles(call, json_object_get(body, "roles"), "roles", 0, 0, ret) ||
      (need_username && !request_email_field(call, body, "username", ret))) {
    json_decref(body);
    return NULL;
  }
  return body;
}

/* PATCH replaces the roles; it does not merge them. */
static enum MHD_Result update(call_t *call, json_t *inv, json_t *body) {
  json_object_set(inv, "roles", json_object_get(body, "roles"));
  json_decref(body);
  return request_success(call, 200, present(call, inv));
}

static enum MHD_Result collection(call_t *call) {
  enum MHD_Result ret = MHD_NO;
  json_t *body, *inv;
  const char *username;
  size_t i, index = 0;
  if (strcmp(call->method, "GET") == 0) {
    const char *filter = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "username");
    json_t *list = json_array();
    json_array_foreach(json_object_get(call->project, "invitations"), i, inv) {
      const char *u = json_string_value(json_object_get(inv, "username"));
      if (!filter || (u && strcasecmp(u, filter) == 0)) json_array_append_new(list, present(call, inv));
    }
    return request_success(call, 200, list);
  }
  if (strcmp(call->method, "PATCH") != 0 && strcmp(call->method, "POST") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  if (!(body = read_body(call, 1, &ret))) return ret;
  username = json_string_value(json_object_get(body, "username"));
  inv = find_invitation(call, "username", username, &index);
  if (strcmp(call->method, "POST") == 0) {
    char id[25], created[32];
    /* Inviting someone again replaces their pending invitation. */
    if (inv) json_array_remove(json_object_get(call->project, "invitations"), index);
    store_random_hex(id, 12);
    store_iso_time(time(NULL), created);
    inv = json_pack("{s:s, s:s, s:O, s:O, s:s, s:O, s:s}", "id", id, "createdAt", created, "groupId",
                    json_object_get(call->project, "id"), "groupName", json_object_get(call->project, "name"),
                    "inviterUsername", "admin@example.com", "roles", json_object_get(body, "roles"), "username",
                    username);
    store_iso_time(time(NULL) + 30 * 86400, created);
    json_object_set_new(inv, "expiresAt", json_string(created));
    json_array_append_new(json_object_get(call->project, "invitations"), inv);
    json_decref(body);
    return request_success(call, 200, present(call, inv));
  }
  /* username belongs to body: answer before releasing it. */
  if (!inv || expired(inv)) {
    ret = !inv ? FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource invitation for %s.", username)
               : FAIL(call, 400, "INVALID_INVITATION_ID", "The invitation for %s has expired.", username);
    json_decref(body);
    return ret;
  }
  return update(call, inv, body);
}

static enum MHD_Result member(call_t *call, const char *iid) {
  enum MHD_Result ret = MHD_NO;
  size_t index = 0;
  json_t *inv, *body;
  if (!request_is_hex24(iid))
    return FAIL(call, 400, "INVALID_INVITATION_ID", "An invalid invitation ID %s was specified.", iid);
  inv = find_invitation(call, "id", iid, &index);
  if (!inv) return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource invitation %s.", iid);
  if (strcmp(call->method, "GET") == 0) return request_success(call, 200, present(call, inv));
  if (expired(inv))
    return FAIL(call, 400, "INVALID_INVITATION_ID", "Invitation %s has expired or was accepted.", iid);
  if (strcmp(call->method, "DELETE") == 0) {
    json_array_remove(json_object_get(call->project, "invitations"), index);
    return request_success(call, 204, NULL);
  }
  if (strcmp(call->method, "PATCH") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  if (!(body = read_body(call, 0, &ret))) return ret;
  return update(call, inv, body);
}

/* rest: what follows /invites ("" or "/{invitationId}"). */
enum MHD_Result invitations_handle(call_t *call, const char *rest) {
  /* After the sunset (POST /__mock/sunset) every invitation call is gone. */
  if (control_sunset())
    return FAIL(call, 410, "VERSION_GONE", "The API version for this resource has been removed; "
                "use the MongoDB Cloud Users resource of the project instead.");
  if (*rest == '\0') return collection(call);
  if (strchr(rest + 1, '/') || strchr(rest + 1, ':'))
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  return member(call, rest + 1);
}
