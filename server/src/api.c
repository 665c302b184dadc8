/* The /api/atlas routes for project invitations, v2 and v1.0:
 *   GET    /groups/{groupId}/invites[?username=]     list (bare array)
 *   POST   /groups/{groupId}/invites                 create {roles, username}
 *   PATCH  /groups/{groupId}/invites                 update by username {roles, username}
 *   GET    /groups/{groupId}/invites/{invitationId}  one
 *   PATCH  /groups/{groupId}/invites/{invitationId}  update by id {roles}
 *   DELETE /groups/{groupId}/invites/{invitationId}  cancel (204)
 * In Atlas's order: authentication, (injected fault), version, path,
 * project and permission, then the body. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

#define V2_MEDIA "application/vnd.atlas.2023-01-01+json"


int api_flag(struct MHD_Connection *c, const char *name) {
  const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
  return v && strcmp(v, "true") == 0;
}

int api_is_hex24(const char *s, size_t len) {
  size_t i;
  if (len != 24) return 0;
  for (i = 0; i < len; i++)
    if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) return 0;
  return 1;
}

enum MHD_Result api_success(call_t *call, unsigned status, json_t *body) {
  const char *type = call->v1 ? "application/json" : call->media ? call->media : V2_MEDIA ";charset=utf-8";
  if (status == 204 && !call->envelope) return reply_raw(call->c, 204, NULL, "", 0, NULL, 1);
  if (call->envelope) body = json_pack("{s:i, s:o*}", "status", (int)status, "content", body);
  return reply_json(call->c, call->envelope ? 200 : status, body, type, call->pretty, 1);
}

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

int api_plausible_email(const char *s) {
  const char *at = strchr(s, '@');
  size_t i;
  for (i = 0; s[i]; i++)
    if ((unsigned char)s[i] <= 0x20) return 0;
  return at && at != s && !strchr(at + 1, '@') && strchr(at + 1, '.') && s[strlen(s) - 1] != '.';
}

/* Checks the content type and parses a JSON object body; on failure
 * queues the 400/415 and returns NULL with *ret set. */
json_t *api_read_object(call_t *call, enum MHD_Result *ret) {
  const char *type = MHD_lookup_connection_value(call->c, MHD_HEADER_KIND, "Content-Type");
  json_error_t e;
  json_t *body;
  if (!type || (strncasecmp(type, "application/json", 16) != 0 &&
                (strncasecmp(type, "application/vnd.atlas.", 22) != 0 || !strstr(type, "+json")))) {
    *ret = FAIL(call, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json or %s.", V2_MEDIA);
    return NULL;
  }
  body = json_loadb(call->req->body ? call->req->body : "", call->req->len, 0, &e);
  if (!json_is_object(body)) {
    json_decref(body);
    *ret = FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed.");
    return NULL;
  }
  return body;
}

/* One project role: 1, or 0 with the 400 queued. */
int api_check_role(call_t *call, json_t *v, const char *field, enum MHD_Result *ret) {
  const char *r = json_string_value(v);
  if (!r) { *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute %s specified.", field); return 0; }
  if (strncmp(r, "ORG_", 4) == 0) {
    *ret = FAIL(call, 400, "INVALID_ROLE_FOR_GROUP", "Role %s is not valid for a project.", r);
    return 0;
  }
  if (!store_role_known(r)) {
    *ret = FAIL(call, 400, "INVALID_ENUM_VALUE", "An invalid enumeration value %s was specified.", r);
    return 0;
  }
  return 1;
}

/* Checks body fields: only names in allowed (NULL-terminated), roles a
 * non-empty array of known project roles, username (when allowed) a
 * required email.  1, or 0 with the 400 queued. */
int api_check_fields(call_t *call, json_t *body, const char *const *allowed, int need_username, enum MHD_Result *ret) {
  json_t *roles, *v;
  const char *k;
  size_t i;
  json_object_foreach(body, k, v) {
    const char *const *a;
    for (a = allowed; *a; a++)
      if (strcmp(*a, k) == 0) break;
    if (!*a) {
      *ret = FAIL(call, 400, "INVALID_JSON_ATTRIBUTE", "Invalid attribute %s specified.", k);
      return 0;
    }
  }
  roles = json_object_get(body, "roles");
  if (!roles) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute roles was not specified.");
    return 0;
  }
  if (!json_is_array(roles) || json_array_size(roles) == 0) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute roles specified.");
    return 0;
  }
  json_array_foreach(roles, i, v)
    if (!api_check_role(call, v, "roles", ret)) return 0;
  if (!need_username) return 1;
  v = json_object_get(body, "username");
  if (!v) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute username was not specified.");
    return 0;
  }
  if (!json_is_string(v) || !api_plausible_email(json_string_value(v))) {
    *ret = FAIL(call, 400, "INVALID_EMAIL_ADDRESS", "The email address is invalid.");
    return 0;
  }
  return 1;
}

/* Parses and checks an invitation body; on failure queues the error and
 * returns NULL with *ret set. */
static json_t *read_body(call_t *call, int need_username, enum MHD_Result *ret) {
  static const char *const with_username[] = { "roles", "username", NULL };
  static const char *const roles_only[] = { "roles", NULL };
  json_t *body = api_read_object(call, ret);
  if (!body) return NULL;
  if (!api_check_fields(call, body, need_username ? with_username : roles_only, need_username, ret)) {
    json_decref(body);
    return NULL;
  }
  return body;
}

/* PATCH replaces the roles; it does not merge them. */
static enum MHD_Result update(call_t *call, json_t *inv, json_t *body) {
  json_object_set(inv, "roles", json_object_get(body, "roles"));
  json_decref(body);
  return api_success(call, 200, present(call, inv));
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
    return api_success(call, 200, list);
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
    return api_success(call, 200, present(call, inv));
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
  json_t *inv = find_invitation(call, "id", iid, &index), *body;
  if (!inv) return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource invitation %s.", iid);
  if (strcmp(call->method, "GET") == 0) return api_success(call, 200, present(call, inv));
  if (expired(inv))
    return FAIL(call, 400, "INVALID_INVITATION_ID", "Invitation %s has expired or was accepted.", iid);
  if (strcmp(call->method, "DELETE") == 0) {
    json_array_remove(json_object_get(call->project, "invitations"), index);
    return api_success(call, 204, NULL);
  }
  if (strcmp(call->method, "PATCH") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  if (!(body = read_body(call, 0, &ret))) return ret;
  return update(call, inv, body);
}

static int accepts_version(struct MHD_Connection *c) {
  const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  return accept && strstr(accept, V2_MEDIA) != NULL;
}

enum MHD_Result api_handle(struct MHD_Connection *c, const char *url, const char *method,
                           const request_t *req) {
  call_t call = { c, method, url, 0, 0, 0, NULL, req, NULL };
  const char *rest, *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  const char *gid, *slash, *iid = NULL, *role;
  char group[64], invitation[64];
  principal_t who = { NULL, NULL };
  enum MHD_Result ret;
  auth_result_t a;

  if (strncmp(url, "/api/atlas/v1.0/", 16) == 0) { call.v1 = 1; rest = url + 15; }
  else if (strncmp(url, "/api/atlas/v2/", 14) == 0) rest = url + 13;
  else return reply_api_error(c, 404, "RESOURCE_NOT_FOUND", 0, 0, "Cannot find resource %s.", url);
  call.envelope = api_flag(c, "envelope");
  call.pretty = api_flag(c, "pretty");

  /* Authentication comes before anything else, the body included. */
  if (authz && strncmp(authz, "Bearer ", 7) == 0) {
    if (oauth_verify_bearer(authz + 7, &who) != AUTH_OK)
      return reply_api_error(c, 401, "NOT_AUTHORIZED", 0, 0, "Invalid or expired access token.");
  } else if ((a = digest_verify(c, method, url, &who)) != AUTH_OK) {
    return digest_challenge(c, a == AUTH_STALE);
  }
  if (control_fault(c, method, url, &ret)) return ret;

  if (strncmp(rest, "/groups/", 8) != 0) return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  gid = rest + 8;
  slash = strchr(gid, '/');
  if (!slash || (size_t)(slash - gid) >= sizeof group)
    return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  memcpy(group, gid, (size_t)(slash - gid));
  group[slash - gid] = '\0';
  /* The MongoDB Cloud users of a project: their own resource and version. */
  if (strncmp(slash, "/users", 6) == 0 && (slash[6] == '\0' || slash[6] == '/')) {
    reply_deprecated = 0;
    if (call.v1 || !users_accepts_version(c))
      return reply_api_error(c, 406, "INVALID_VERSION_DATE", 0, 0, "Invalid accept header or version date.");
    if (!api_is_hex24(group, strlen(group)))
      return FAIL(&call, 400, "INVALID_GROUP_ID", "An invalid group ID %s was specified.", group);
    call.project = store_project(group);
    if (!call.project) return FAIL(&call, 404, "GROUP_NOT_FOUND", "No group with ID %s exists.", group);
    role = json_string_value(json_object_get(who.roles, group));
    if (!role || (strcmp(method, "GET") != 0 && strcmp(role, "GROUP_OWNER") != 0))
      return FAIL(&call, 401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action.");
    return users_handle(&call, slash + 6);
  }
  if (strncmp(slash, "/invites", 8) != 0 || (slash[8] != '\0' && slash[8] != '/'))
    return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  /* After the sunset (POST /__mock/sunset) every invitation call is gone. */
  if (control_sunset())
    return FAIL(&call, 410, "VERSION_GONE", "The API version for this resource has been removed; "
                "use the MongoDB Cloud Users resource of the project instead.");
  if (!call.v1 && !accepts_version(c))
    return reply_api_error(c, 406, "INVALID_VERSION_DATE", 0, 0, "Invalid accept header or version date.");
  if (slash[8] == '/') {
    snprintf(invitation, sizeof invitation, "%s", slash + 9);
    iid = invitation;
    if (strchr(iid, '/')) return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  }
  if (!api_is_hex24(group, strlen(group)))
    return FAIL(&call, 400, "INVALID_GROUP_ID", "An invalid group ID %s was specified.", group);
  if (iid && !api_is_hex24(iid, strlen(iid)))
    return FAIL(&call, 400, "INVALID_INVITATION_ID", "An invalid invitation ID %s was specified.", iid);
  call.project = store_project(group);
  if (!call.project) return FAIL(&call, 404, "GROUP_NOT_FOUND", "No group with ID %s exists.", group);
  role = json_string_value(json_object_get(who.roles, group));
  if (!role || (strcmp(method, "GET") != 0 && strcmp(role, "GROUP_OWNER") != 0))
    return FAIL(&call, 401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action.");
  return iid ? member(&call, iid) : collection(&call);
}
