/* An organization's service accounts, their secrets and their projects
 * (2024-08-05):
 *
 *   GET    /orgs/{o}/serviceAccounts[?includeSystemManaged]   page of OrgServiceAccount
 *   POST   /orgs/{o}/serviceAccounts                {name, description, roles, secretExpiresAfterHours}
 *                                                   -> 201, its first secret whole (once)
 *   GET    /orgs/{o}/serviceAccounts/{clientId}
 *   PATCH  /orgs/{o}/serviceAccounts/{clientId}     {name?, description?, roles?}
 *   DELETE /orgs/{o}/serviceAccounts/{clientId}     -> 204 (out of every project; its tokens stop working)
 *   GET    /orgs/{o}/serviceAccounts/{clientId}/groups      page of {groupId, roles}
 *   POST   /orgs/{o}/serviceAccounts/{clientId}/secrets     {secretExpiresAfterHours} -> 201, the secret whole (once)
 *   DELETE /orgs/{o}/serviceAccounts/{clientId}/secrets/{secretId}   -> 204
 *   .../serviceAccounts/{clientId}/accessList[/{address}]   access_lists.c
 *   GET    /groups/{g}/serviceAccounts[?includeSystemManaged]  page of GroupServiceAccount (roles: the project's)
 *   GET    /groups/{g}/serviceAccounts/{clientId}
 *   PATCH  /groups/{g}/serviceAccounts/{clientId}   {name?, description?, roles?}: roles replace its project roles
 *   DELETE /groups/{g}/serviceAccounts/{clientId}   -> 204 (still in the org, credentials active)
 *   POST   /groups/{g}/serviceAccounts/{clientId}:invite   {roles} -> 200 (needs Organization Owner)
 *
 * An account is stored with client_id, name, description, createdAt,
 * roles (identities.c), secrets [{id, createdAt, expiresAt, lastUsedAt,
 * secret}] (oauth.c issues tokens for any secret that has not expired and
 * records its lastUsedAt), accessList and systemManaged.  A secret's value
 * is shown only in the answer that creates it; later ones carry
 * maskedSecretValue.  Reading needs Organization Read Only (ORG_OWNER or
 * ORG_READ_ONLY here), as the spec says. */
#include <stdio.h>
#include <string.h>

#include "server.h"

#define MAX_ACCOUNTS_PER_ORG 200 /* ATLAS.md, limits */
#define MAX_SECRETS 2
#define NAME_MAX 64
#define DESCRIPTION_MAX 250
/* secretExpiresAfterHours: the organization's settings decide in Atlas;
 * this server's organizations allow 8 hours to a year. */
#define MIN_HOURS 8
#define MAX_HOURS 8760

static void random_secret(char out[51]) {
  char hex[41];
  store_random_hex(hex, 20);
  snprintf(out, 51, "mdb_sa_sk_%s", hex);
}

/* Fixture defaults: a client id, a name, dates, and client_secret (the
 * form the test account always had) as the value of its first secret. */
void service_accounts_load(json_t *account, size_t index, time_t now) {
  const char *given = json_string_value(json_object_get(account, "client_secret"));
  json_t *secrets = json_object_get(account, "secrets"), *s;
  char id[40], when[32];
  size_t k;
  identity_normalize_roles(account);
  if (!json_is_string(json_object_get(account, "client_id"))) {
    identity_fixed_id(id + 10, 0x5aacc0, index + 1);
    memcpy(id, "mdb_sa_id_", 10);
    json_object_set_new(account, "client_id", json_string(id));
  }
  if (!json_is_string(json_object_get(account, "name"))) {
    snprintf(id, sizeof id, "service-account-%zu", index + 1);
    json_object_set_new(account, "name", json_string(id));
  }
  if (!json_is_string(json_object_get(account, "description")))
    json_object_set(account, "description", json_object_get(account, "name"));
  if (!json_is_string(json_object_get(account, "createdAt"))) {
    store_iso_time(now - 90 * 86400, when);
    json_object_set_new(account, "createdAt", json_string(when));
  }
  if (!json_is_array(secrets)) {
    secrets = json_array();
    json_object_set_new(account, "secrets", secrets);
  }
  if (given && json_array_size(secrets) == 0) json_array_append_new(secrets, json_object());
  json_array_foreach(secrets, k, s) {
    if (!json_is_string(json_object_get(s, "id"))) {
      identity_fixed_id(id, 0x5ec4e7, index * 16 + k + 1);
      json_object_set_new(s, "id", json_string(id));
    }
    if (!json_is_string(json_object_get(s, "createdAt"))) {
      store_iso_time(now - 30 * 86400, when);
      json_object_set_new(s, "createdAt", json_string(when));
    }
    if (!json_is_string(json_object_get(s, "expiresAt"))) {
      store_iso_time(now + 60 * 86400, when);
      json_object_set_new(s, "expiresAt", json_string(when));
    }
    if (!json_is_string(json_object_get(s, "secret"))) {
      char value[51];
      if (given) snprintf(value, sizeof value, "%s", given);
      else random_secret(value);
      given = NULL;
      json_object_set_new(s, "secret", json_string(value));
    }
  }
  json_object_del(account, "client_secret");
  access_list_of(account);
}

json_t *service_account_secret(json_t *account, const char *value) {
  char now[32];
  json_t *s;
  size_t i;
  store_iso_time(time(NULL), now);
  json_array_foreach(json_object_get(account, "secrets"), i, s) {
    const char *v = json_string_value(json_object_get(s, "secret"));
    const char *expires = json_string_value(json_object_get(s, "expiresAt"));
    /* ISO 8601 UTC strings of one format compare as the times do. */
    if (v && value && strcmp(v, value) == 0 && expires && strcmp(expires, now) > 0) return s;
  }
  return NULL;
}

/* A secret as later answers show it: its value masked. */
static json_t *secret_view(json_t *s, int reveal) {
  const char *v = json_string_value(json_object_get(s, "secret"));
  size_t n = v ? strlen(v) : 0;
  char mask[32];
  json_t *out = json_pack("{s:O, s:O, s:O}", "id", json_object_get(s, "id"), "createdAt",
                          json_object_get(s, "createdAt"), "expiresAt", json_object_get(s, "expiresAt"));
  snprintf(mask, sizeof mask, "mdb_sa_sk_...%s", n > 4 ? v + n - 4 : "");
  json_object_set_new(out, "maskedSecretValue", json_string(mask));
  if (json_object_get(s, "lastUsedAt")) json_object_set(out, "lastUsedAt", json_object_get(s, "lastUsedAt"));
  if (reveal) json_object_set_new(out, "secret", json_string(v ? v : ""));
  return out;
}

/* OrgServiceAccount, or GroupServiceAccount when project is given (roles:
 * the org's or the project's); reveal: the secret with that id whole. */
static json_t *account_view(json_t *account, json_t *org, json_t *project, const char *reveal) {
  json_t *secrets = json_array(), *s;
  size_t i;
  json_array_foreach(json_object_get(account, "secrets"), i, s) {
    const char *id = json_string_value(json_object_get(s, "id"));
    json_array_append_new(secrets, secret_view(s, reveal && id && strcmp(id, reveal) == 0));
  }
  return json_pack("{s:O, s:O, s:O, s:O, s:o, s:o}", "clientId", json_object_get(account, "client_id"), "name",
                   json_object_get(account, "name"), "description", json_object_get(account, "description"),
                   "createdAt", json_object_get(account, "createdAt"), "roles",
                   project ? identity_roles_in(account, "groupId", json_string_value(json_object_get(project, "id")))
                           : identity_roles_in(account, "orgId", json_string_value(json_object_get(org, "id"))),
                   "secrets", secrets);
}

static json_t *present_as_is(call_t *call, json_t *v) {
  (void)call;
  return json_incref(v);
}

static json_t *present_org(call_t *call, json_t *a) { return account_view(a, call->org, NULL, NULL); }
static json_t *present_project(call_t *call, json_t *a) { return account_view(a, call->org, call->project, NULL); }

json_t *service_accounts_view_all(json_t *org) {
  json_t *out = json_array(), *a;
  size_t i;
  json_array_foreach(json_object_get(store_root(), "service_accounts"), i, a)
    if (identity_in_org(a, org)) json_array_append_new(out, account_view(a, org, NULL, NULL));
  return out;
}

/* The accounts of the org (with roles in project, when given); system-
 * managed ones only with includeSystemManaged=true. */
static json_t *accounts(call_t *call, json_t *project, int listing) {
  int system = listing && request_flag(call->c, "includeSystemManaged");
  json_t *out = json_array(), *a;
  size_t i;
  json_array_foreach(json_object_get(store_root(), "service_accounts"), i, a) {
    json_t *r;
    int in;
    if (!identity_in_org(a, call->org) || (listing && !system && json_is_true(json_object_get(a, "systemManaged"))))
      continue;
    r = project ? identity_roles_in(a, "groupId", json_string_value(json_object_get(project, "id"))) : NULL;
    in = !project || json_array_size(r) > 0;
    json_decref(r);
    if (in) json_array_append(out, a);
  }
  return out;
}

/* The org's account with this client id, or NULL with the 400/404 queued. */
static json_t *find_account(call_t *call, const char *id, size_t *index, enum MHD_Result *ret) {
  json_t *a;
  size_t i;
  int ok = strncmp(id, "mdb_sa_id_", 10) == 0 && strlen(id) == 34;
  for (i = 10; ok && i < 34; i++) ok = strchr("0123456789abcdefABCDEF", id[i]) != NULL;
  if (!ok) {
    *ret = FAIL(call, 400, "PATH_PARAM_PARSE_ERROR", "One or more path parameter in the request URI %s is malformed: "
                "clientId is mdb_sa_id_ and 24 hexadecimal digits.", call->url);
    return NULL;
  }
  a = identity_find("service_accounts", "client_id", id, index);
  if (!a || !identity_in_org(a, call->org)) {
    *ret = FAIL(call, 404, "SERVICE_ACCOUNT_NOT_FOUND", "No service account with client ID %s exists in the "
                "organization.", id);
    return NULL;
  }
  return a;
}

/* Organization Read Only or more (org_caller_org_role says ORG_MEMBER for
 * any role that is neither ORG_OWNER nor ORG_READ_ONLY). */
static int may_read(call_t *call, enum MHD_Result *ret) {
  const char *role = org_caller_org_role(&call->who, call->org);
  if (role && strcmp(role, "ORG_MEMBER") != 0) return 1;
  *ret = FAIL(call, 401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action: service "
              "accounts need Organization Read Only.");
  return 0;
}

static int hours_field(call_t *call, json_t *body, enum MHD_Result *ret) {
  json_t *v = json_object_get(body, "secretExpiresAfterHours");
  if (!v) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute secretExpiresAfterHours was not specified.");
    return 0;
  }
  if (!json_is_integer(v) || json_integer_value(v) < MIN_HOURS || json_integer_value(v) > MAX_HOURS) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute secretExpiresAfterHours specified: the "
                "organization allows %d to %d hours.", MIN_HOURS, MAX_HOURS);
    return 0;
  }
  return 1;
}

/* A new secret of the account, expiring in hours (borrowed). */
static json_t *new_secret(json_t *account, json_int_t hours) {
  char id[25], value[51], created[32], expires[32];
  time_t now = time(NULL);
  json_t *s;
  store_random_hex(id, 12);
  random_secret(value);
  store_iso_time(now, created);
  store_iso_time(now + (time_t)hours * 3600, expires);
  s = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "createdAt", created, "expiresAt", expires, "secret", value);
  json_array_append_new(json_object_get(account, "secrets"), s);
  return s;
}

/* {name, description, roles}: all required (create; plus the hours) or any. */
static json_t *read_account_body(call_t *call, int create, int org_roles, enum MHD_Result *ret) {
  static const char *const create_fields[] = { "description", "name", "roles", "secretExpiresAfterHours", NULL };
  static const char *const update_fields[] = { "description", "name", "roles", NULL };
  json_t *body = request_read_object(call, ret), *roles;
  if (!body) return NULL;
  roles = json_object_get(body, "roles");
  if (json_is_null(roles)) roles = NULL;
  if (!request_only_fields(call, body, create ? create_fields : update_fields, ret) ||
      !request_string_field(call, body, "name", NAME_MAX, create, 1, ret) ||
      !request_string_field(call, body, "description", DESCRIPTION_MAX, create, 1, ret) ||
      ((create || roles) && !request_check_roles(call, roles, "roles", org_roles, 0, ret)) ||
      (create && !hours_field(call, body, ret))) {
    json_decref(body);
    return NULL;
  }
  return body;
}

/* name and description given: the account's; roles: its org's or project's. */
static void apply(call_t *call, json_t *account, json_t *body, json_t *project) {
  json_t *roles = json_object_get(body, "roles");
  if (json_is_string(json_object_get(body, "name"))) json_object_set(account, "name", json_object_get(body, "name"));
  if (json_is_string(json_object_get(body, "description")))
    json_object_set(account, "description", json_object_get(body, "description"));
  if (json_is_array(roles)) {
    if (project) identity_set_roles(account, "groupId", json_string_value(json_object_get(project, "id")), roles);
    else identity_set_roles(account, "orgId", json_string_value(json_object_get(call->org, "id")), roles);
  }
}

static enum MHD_Result create(call_t *call) {
  enum MHD_Result ret = MHD_NO;
  json_t *body = read_account_body(call, 1, 1, &ret), *all, *account, *secret;
  char client_id[35], created[32];
  if (!body) return ret;
  all = accounts(call, NULL, 0);
  if (json_array_size(all) >= MAX_ACCOUNTS_PER_ORG) {
    json_decref(all);
    json_decref(body);
    return FAIL(call, 400, "MAX_SERVICE_ACCOUNTS_PER_ORG_EXCEEDED", "An organization has at most %d service accounts.",
                MAX_ACCOUNTS_PER_ORG);
  }
  json_decref(all);
  memcpy(client_id, "mdb_sa_id_", 10);
  store_random_hex(client_id + 10, 12);
  store_iso_time(time(NULL), created);
  account = json_pack("{s:s, s:s, s:[], s:[], s:[]}", "client_id", client_id, "createdAt", created, "roles", "secrets",
                      "accessList");
  apply(call, account, body, NULL);
  secret = new_secret(account, json_integer_value(json_object_get(body, "secretExpiresAfterHours")));
  json_array_append_new(json_object_get(store_root(), "service_accounts"), account);
  json_decref(body);
  return request_success(call, 201, account_view(account, call->org, NULL,
                                                 json_string_value(json_object_get(secret, "id"))));
}

static enum MHD_Result update(call_t *call, json_t *account, json_t *project) {
  enum MHD_Result ret = MHD_NO;
  json_t *body = read_account_body(call, 0, project == NULL, &ret);
  if (!body) return ret;
  apply(call, account, body, project);
  json_decref(body);
  return request_success(call, 200, account_view(account, call->org, project, NULL));
}

static enum MHD_Result secrets(call_t *call, json_t *account, const char *rest) {
  static const char *const allowed[] = { "secretExpiresAfterHours", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *list = json_object_get(account, "secrets"), *s, *body;
  size_t i;
  if (*rest == '\0') {
    if (strcmp(call->method, "POST") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    if (!(body = request_read_object(call, &ret))) return ret;
    if (!request_only_fields(call, body, allowed, &ret) || !hours_field(call, body, &ret)) {
      json_decref(body);
      return ret;
    }
    if (json_array_size(list) >= MAX_SECRETS) {
      json_decref(body);
      return FAIL(call, 400, "MAX_SERVICE_ACCOUNT_SECRETS_EXCEEDED", "A service account has at most %d secrets; delete "
                  "one first.", MAX_SECRETS);
    }
    s = new_secret(account, json_integer_value(json_object_get(body, "secretExpiresAfterHours")));
    json_decref(body);
    return request_success(call, 201, secret_view(s, 1));
  }
  if (rest[0] != '/' || strchr(rest + 1, '/'))
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (strcmp(call->method, "DELETE") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  if (!request_is_hex24(rest + 1))
    return FAIL(call, 400, "PATH_PARAM_PARSE_ERROR", "One or more path parameter in the request URI %s is malformed: "
                "secretId is 24 hexadecimal digits.", call->url);
  json_array_foreach(list, i, s) {
    const char *id = json_string_value(json_object_get(s, "id"));
    if (id && strcmp(id, rest + 1) == 0) {
      json_array_remove(list, i);
      return request_success(call, 204, NULL);
    }
  }
  return FAIL(call, 404, "SERVICE_ACCOUNT_SECRET_NOT_FOUND", "The service account has no secret %s.", rest + 1);
}

/* GET .../{clientId}/groups: the projects of the org it holds roles in. */
static enum MHD_Result projects_of(call_t *call, json_t *account) {
  json_t *projects = org_projects(call->org), *out = json_array(), *p;
  size_t i;
  json_array_foreach(projects, i, p) {
    json_t *r = identity_roles_in(account, "groupId", json_string_value(json_object_get(p, "id")));
    if (json_array_size(r) > 0) json_array_append_new(out, json_pack("{s:O, s:o}", "groupId", json_object_get(p, "id"),
                                                                      "roles", r));
    else json_decref(r);
  }
  json_decref(projects);
  return request_page(call, out, present_as_is);
}

/* rest: what follows /orgs/{o}/serviceAccounts. */
enum MHD_Result service_accounts_org_handle(call_t *call, const char *rest) {
  enum MHD_Result ret = MHD_NO;
  const char *after;
  char id[64];
  size_t index = 0;
  json_t *account;
  if (strcmp(call->method, "GET") == 0 && !may_read(call, &ret)) return ret;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) return request_page(call, accounts(call, NULL, 1), present_org);
    if (strcmp(call->method, "POST") == 0) return create(call);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  if (!request_path_id(call, rest, id, sizeof id, &after, &ret)) return ret;
  if (!(account = find_account(call, id, &index, &ret))) return ret;
  if (strncmp(after, "/accessList", 11) == 0 && (after[11] == '\0' || after[11] == '/'))
    return access_list_handle(call, account, &ACCESS_SERVICE_ACCOUNT, after + 11);
  if (strncmp(after, "/secrets", 8) == 0 && (after[8] == '\0' || after[8] == '/')) return secrets(call, account, after + 8);
  if (strcmp(after, "/groups") == 0) {
    if (strcmp(call->method, "GET") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    return projects_of(call, account);
  }
  if (*after != '\0') return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (strcmp(call->method, "GET") == 0) return request_success(call, 200, account_view(account, call->org, NULL, NULL));
  if (strcmp(call->method, "PATCH") == 0) return update(call, account, NULL);
  if (strcmp(call->method, "DELETE") == 0) {
    /* Its roles live on it: it leaves every project with it; its tokens
     * stop working (oauth.c looks the account up at each use). */
    json_array_remove(json_object_get(store_root(), "service_accounts"), index);
    return request_success(call, 204, NULL);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}

/* POST /groups/{g}/serviceAccounts/{clientId}:invite {roles}. */
static enum MHD_Result invite(call_t *call, json_t *account) {
  static const char *const allowed[] = { "roles", NULL };
  enum MHD_Result ret = MHD_NO;
  const char *role = org_caller_org_role(&call->who, call->org);
  const char *gid = json_string_value(json_object_get(call->project, "id"));
  json_t *body, *held;
  if (!role || strcmp(role, "ORG_OWNER") != 0)
    return FAIL(call, 401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action: assigning a "
                "service account to a project needs Organization Owner.");
  if (!(body = request_read_object(call, &ret))) return ret;
  if (!request_only_fields(call, body, allowed, &ret) ||
      !request_check_roles(call, json_object_get(body, "roles"), "roles", 0, 0, &ret)) {
    json_decref(body);
    return ret;
  }
  held = identity_roles_in(account, "groupId", gid);
  if (json_array_size(held) > 0) {
    json_decref(held);
    json_decref(body);
    return FAIL(call, 400, "SERVICE_ACCOUNT_ALREADY_IN_GROUP", "Service account %s is already in the project; change "
                "its roles with PATCH.", json_string_value(json_object_get(account, "client_id")));
  }
  json_decref(held);
  identity_set_roles(account, "groupId", gid, json_object_get(body, "roles"));
  json_decref(body);
  return request_success(call, 200, account_view(account, call->org, call->project, NULL));
}

/* rest: what follows /groups/{g}/serviceAccounts. */
enum MHD_Result service_accounts_project_handle(call_t *call, const char *rest) {
  enum MHD_Result ret = MHD_NO;
  const char *gid = json_string_value(json_object_get(call->project, "id")), *after;
  char id[64];
  json_t *account, *held;
  int assigned;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) return request_page(call, accounts(call, call->project, 1), present_project);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  if (!request_path_id(call, rest, id, sizeof id, &after, &ret)) return ret;
  if (!(account = find_account(call, id, NULL, &ret))) return ret;
  if (strcmp(after, ":invite") == 0) {
    if (strcmp(call->method, "POST") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    return invite(call, account);
  }
  if (*after != '\0') return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (strcmp(call->method, "GET") != 0 && strcmp(call->method, "PATCH") != 0 && strcmp(call->method, "DELETE") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  held = identity_roles_in(account, "groupId", gid);
  assigned = json_array_size(held) > 0;
  json_decref(held);
  if (!assigned) return FAIL(call, 404, "NOT_IN_GROUP", "Service account %s is not in the project.", id);
  if (strcmp(call->method, "GET") == 0)
    return request_success(call, 200, account_view(account, call->org, call->project, NULL));
  if (strcmp(call->method, "PATCH") == 0) return update(call, account, call->project);
  identity_set_roles(account, "groupId", gid, NULL);
  return request_success(call, 204, NULL);
}
