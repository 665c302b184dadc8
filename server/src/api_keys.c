/* An organization's API keys and their project assignments (2023-01-01):
 *
 *   GET    /orgs/{o}/apiKeys                     page of keys (ApiKeyUserDetails)
 *   POST   /orgs/{o}/apiKeys                     {desc, roles: [org roles]} -> 200 the key, privateKey whole (once)
 *   GET    /orgs/{o}/apiKeys/{apiUserId}
 *   PATCH  /orgs/{o}/apiKeys/{apiUserId}         {desc?, roles?}: roles replace its org roles
 *   DELETE /orgs/{o}/apiKeys/{apiUserId}         -> 204 (out of every project too: its roles live on it)
 *   .../apiKeys/{apiUserId}/accessList[/{address}]   access_lists.c; reading needs ORG_OWNER or the key itself
 *   GET    /groups/{g}/apiKeys                   page of the keys assigned to the project
 *   POST   /groups/{g}/apiKeys                   {desc, roles: [project roles]}: a new org key (ORG_MEMBER),
 *                                                assigned -> 200, privateKey whole (once)
 *   POST   /groups/{g}/apiKeys/{apiUserId}       [{roles}] -> 204 (400 API_KEY_ALREADY_IN_GROUP when assigned)
 *   PATCH  /groups/{g}/apiKeys/{apiUserId}       {roles?, desc?}: roles replace its project roles -> 200 the key
 *   DELETE /groups/{g}/apiKeys/{apiUserId}       -> 204
 *
 * A key is stored with its credentials (public_key, private_key: digest.c
 * authenticates with them), its id, desc, roles (identities.c) and
 * accessList.  It belongs to the organizations where it holds an org role
 * (the fixture's test keys hold one in both orgs; an Atlas key belongs to
 * one).  The private key is shown whole only in the answer that creates
 * it, and masked in every later one, as Atlas does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define MAX_KEYS_PER_ORG 500
#define DESC_MAX 250

/* Fixture defaults: an id, a description and an access list. */
void api_keys_load(json_t *key, size_t index) {
  char id[25];
  identity_normalize_roles(key);
  if (!json_is_string(json_object_get(key, "id"))) {
    identity_fixed_id(id, 0xa91e1d, index + 1);
    json_object_set_new(key, "id", json_string(id));
  }
  if (!json_is_string(json_object_get(key, "desc"))) {
    char desc[64];
    snprintf(desc, sizeof desc, "API key %s", json_string_value(json_object_get(key, "public_key")));
    json_object_set_new(key, "desc", json_string(desc));
  }
  access_list_of(key);
}

/* Atlas masks all but the last 12 characters (the UUID's last group). */
static json_t *masked(const char *private_key) {
  char out[64];
  size_t n = private_key ? strlen(private_key) : 0;
  snprintf(out, sizeof out, "********-****-****-%s", n > 12 ? private_key + n - 12 : "");
  return json_string(out);
}

static json_t *key_view(call_t *call, json_t *key, int reveal) {
  char href[512];
  const char *pk = json_string_value(json_object_get(key, "private_key"));
  snprintf(href, sizeof href, "%s/api/atlas/v2/orgs/%s/apiKeys/%s", config.base_url,
           json_string_value(json_object_get(call->org, "id")), json_string_value(json_object_get(key, "id")));
  return json_pack("{s:O, s:O, s:O, s:o, s:o, s:[{s:s, s:s}]}", "id", json_object_get(key, "id"), "desc",
                   json_object_get(key, "desc"), "publicKey", json_object_get(key, "public_key"), "privateKey",
                   reveal ? json_string(pk ? pk : "") : masked(pk), "roles", identity_roles_view(key, call->org),
                   "links", "href", href, "rel", "self");
}

static json_t *present(call_t *call, json_t *key) { return key_view(call, key, 0); }

/* Every key of the organization, masked (GET /__mock/state). */
json_t *api_keys_view_all(json_t *org) {
  call_t call;
  json_t *out = json_array(), *k;
  size_t i;
  memset(&call, 0, sizeof call);
  call.org = org;
  json_array_foreach(json_object_get(store_root(), "api_keys"), i, k)
    if (identity_in_org(k, org)) json_array_append_new(out, key_view(&call, k, 0));
  return out;
}

static json_t *org_keys(json_t *org) {
  json_t *out = json_array(), *k;
  size_t i;
  json_array_foreach(json_object_get(store_root(), "api_keys"), i, k)
    if (identity_in_org(k, org)) json_array_append(out, k);
  return out;
}

/* The organization's key with this id, or NULL with the 400/404 queued. */
static json_t *find_key(call_t *call, const char *id, size_t *index, enum MHD_Result *ret) {
  json_t *key;
  if (!request_is_hex24(id)) {
    /* The 8-character public key is the usual mistake (ATLAS.md). */
    *ret = FAIL(call, 400, "PATH_PARAM_PARSE_ERROR", "One or more path parameter in the request URI %s is malformed: "
                "apiUserId is the key's 24-hexadecimal id, not its public key.", call->url);
    return NULL;
  }
  key = identity_find("api_keys", "id", id, index);
  if (!key || !identity_in_org(key, call->org)) {
    *ret = FAIL(call, 404, "API_KEY_NOT_FOUND", "No API key with ID %s exists in the organization.", id);
    return NULL;
  }
  return key;
}

/* A new key in the organization with these org roles (and project roles
 * in the call's project when project_roles): its credentials are random. */
static json_t *new_key(call_t *call, const char *desc, json_t *org_roles, json_t *project_roles) {
  static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
  char id[25], hex[33], public_key[9], private_key[37];
  json_t *key;
  size_t i;
  store_random_hex(id, 12);
  do {
    store_random_hex(hex, 8);
    for (i = 0; i < 8; i++) {
      char byte[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
      public_key[i] = letters[strtoul(byte, NULL, 16) % 26];
    }
    public_key[8] = '\0';
  } while (store_api_key(public_key));
  store_random_hex(hex, 16);
  snprintf(private_key, sizeof private_key, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
  key = json_pack("{s:s, s:s, s:s, s:s, s:[], s:[]}", "id", id, "desc", desc, "public_key", public_key,
                  "private_key", private_key, "roles", "accessList");
  identity_set_roles(key, "orgId", json_string_value(json_object_get(call->org, "id")), org_roles);
  if (project_roles)
    identity_set_roles(key, "groupId", json_string_value(json_object_get(call->project, "id")), project_roles);
  json_array_append_new(json_object_get(store_root(), "api_keys"), key);
  return key;
}

/* {desc, roles}: both required (create) or at least one (update). */
static json_t *read_key_body(call_t *call, int org_roles, int create, enum MHD_Result *ret) {
  static const char *const allowed[] = { "desc", "roles", NULL };
  json_t *body = request_read_object(call, ret), *roles;
  if (!body) return NULL;
  roles = json_object_get(body, "roles");
  if (!request_only_fields(call, body, allowed, ret) ||
      !request_string_field(call, body, "desc", DESC_MAX, create, 0, ret) ||
      ((create || roles) && !request_check_roles(call, roles, "roles", org_roles, 0, ret))) {
    json_decref(body);
    return NULL;
  }
  if (!create && !json_string_value(json_object_get(body, "desc")) && !roles) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "Give desc, roles or both.");
    json_decref(body);
    return NULL;
  }
  return body;
}

static enum MHD_Result create(call_t *call, int in_project) {
  enum MHD_Result ret = MHD_NO;
  json_t *body = read_key_body(call, !in_project, 1, &ret), *keys, *member, *key;
  if (!body) return ret;
  keys = org_keys(call->org);
  if (json_array_size(keys) >= MAX_KEYS_PER_ORG) {
    json_decref(keys);
    json_decref(body);
    return FAIL(call, 400, "MAX_API_KEYS_PER_ORG_EXCEEDED", "An organization has at most %d API keys.", MAX_KEYS_PER_ORG);
  }
  json_decref(keys);
  /* A key created for a project is an org key with Organization Member. */
  member = json_pack("[s]", "ORG_MEMBER");
  key = new_key(call, json_string_value(json_object_get(body, "desc")), in_project ? member : json_object_get(body, "roles"),
                in_project ? json_object_get(body, "roles") : NULL);
  json_decref(member);
  json_decref(body);
  return request_success(call, 200, key_view(call, key, 1));
}

static enum MHD_Result update(call_t *call, json_t *key, int in_project) {
  enum MHD_Result ret = MHD_NO;
  json_t *body = read_key_body(call, !in_project, 0, &ret), *roles;
  if (!body) return ret;
  if (json_string_value(json_object_get(body, "desc"))) json_object_set(key, "desc", json_object_get(body, "desc"));
  if ((roles = json_object_get(body, "roles"))) {
    if (in_project) identity_set_roles(key, "groupId", json_string_value(json_object_get(call->project, "id")), roles);
    else identity_set_roles(key, "orgId", json_string_value(json_object_get(call->org, "id")), roles);
  }
  json_decref(body);
  return request_success(call, 200, key_view(call, key, 0));
}

/* Only the key itself or an Organization Owner reads a key's access list
 * (ATLAS.md: 401 API_KEY_ACCESS_LIST_ACCESS_DENIED for ORG_READ_ONLY). */
static enum MHD_Result access_list(call_t *call, json_t *key, const char *rest) {
  const char *role = org_caller_org_role(&call->who, call->org);
  if (call->who.identity != key && (!role || strcmp(role, "ORG_OWNER") != 0))
    return FAIL(call, 401, "API_KEY_ACCESS_LIST_ACCESS_DENIED",
                "API key access lists are only accessible by the API key or by a user administrator.");
  return access_list_handle(call, key, &ACCESS_API_KEY, rest);
}

/* rest: what follows /orgs/{o}/apiKeys. */
enum MHD_Result api_keys_org_handle(call_t *call, const char *rest) {
  enum MHD_Result ret = MHD_NO;
  const char *after;
  char id[64];
  size_t index = 0;
  json_t *key;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) return request_page(call, org_keys(call->org), present);
    if (strcmp(call->method, "POST") == 0) return create(call, 0);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  if (!request_path_id(call, rest, id, sizeof id, &after, &ret)) return ret;
  if (!(key = find_key(call, id, &index, &ret))) return ret;
  if (strncmp(after, "/accessList", 11) == 0 && (after[11] == '\0' || after[11] == '/'))
    return access_list(call, key, after + 11);
  if (*after != '\0') return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (strcmp(call->method, "GET") == 0) return request_success(call, 200, key_view(call, key, 0));
  if (strcmp(call->method, "PATCH") == 0) return update(call, key, 0);
  if (strcmp(call->method, "DELETE") == 0) {
    json_array_remove(json_object_get(store_root(), "api_keys"), index);
    return request_success(call, 204, NULL);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}

/* POST /groups/{g}/apiKeys/{id} [{roles}, ...]: the roles of every entry. */
static enum MHD_Result assign(call_t *call, json_t *key) {
  static const char *const allowed[] = { "roles", "userId", NULL };
  enum MHD_Result ret = MHD_NO;
  const char *gid = json_string_value(json_object_get(call->project, "id"));
  json_t *body = request_read_json(call, &ret), *e, *roles, *held;
  size_t i, j;
  if (!body) return ret;
  if (!json_is_array(body) || json_array_size(body) == 0) {
    json_decref(body);
    return FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: the body must be a non-empty array of {roles}.");
  }
  roles = json_array();
  json_array_foreach(body, i, e) {
    json_t *r;
    if (!json_is_object(e)) {
      ret = FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: each entry must be an object.");
      goto done;
    }
    if (!request_only_fields(call, e, allowed, &ret) ||
        !request_check_roles(call, json_object_get(e, "roles"), "roles", 0, 0, &ret))
      goto done;
    json_array_foreach(json_object_get(e, "roles"), j, r) {
      size_t k;
      json_t *seen;
      int dup = 0;
      json_array_foreach(roles, k, seen) dup = dup || json_equal(seen, r);
      if (!dup) json_array_append(roles, r);
    }
  }
  held = identity_roles_in(key, "groupId", gid);
  if (json_array_size(held) > 0) {
    json_decref(held);
    ret = FAIL(call, 400, "API_KEY_ALREADY_IN_GROUP", "API key %s is already assigned to the project; change its "
               "roles with PATCH.", json_string_value(json_object_get(key, "id")));
    goto done;
  }
  json_decref(held);
  identity_set_roles(key, "groupId", gid, roles);
  ret = request_success(call, 204, NULL);
done:
  json_decref(roles);
  json_decref(body);
  return ret;
}

/* rest: what follows /groups/{g}/apiKeys. */
enum MHD_Result api_keys_project_handle(call_t *call, const char *rest) {
  enum MHD_Result ret = MHD_NO;
  const char *gid = json_string_value(json_object_get(call->project, "id")), *after;
  char id[64];
  json_t *key, *held;
  int assigned;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) {
      json_t *all = org_keys(call->org), *mine = json_array(), *k;
      size_t i;
      json_array_foreach(all, i, k) {
        json_t *r = identity_roles_in(k, "groupId", gid);
        if (json_array_size(r) > 0) json_array_append(mine, k);
        json_decref(r);
      }
      json_decref(all);
      return request_page(call, mine, present);
    }
    if (strcmp(call->method, "POST") == 0) return create(call, 1);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  if (!request_path_id(call, rest, id, sizeof id, &after, &ret)) return ret;
  if (*after != '\0') return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (strcmp(call->method, "POST") != 0 && strcmp(call->method, "PATCH") != 0 && strcmp(call->method, "DELETE") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  if (!(key = find_key(call, id, NULL, &ret))) return ret;
  if (strcmp(call->method, "POST") == 0) return assign(call, key);
  held = identity_roles_in(key, "groupId", gid);
  assigned = json_array_size(held) > 0;
  json_decref(held);
  if (!assigned) return FAIL(call, 404, "NOT_IN_GROUP", "API key %s is not assigned to the project.", id);
  if (strcmp(call->method, "PATCH") == 0) return update(call, key, 1);
  identity_set_roles(key, "groupId", gid, NULL);
  return request_success(call, 204, NULL);
}
