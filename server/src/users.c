/* The MongoDB Cloud users of a project (media type 2025-02-19), kept apart
 * from the legacy invitations as in Atlas: a person invited through the
 * invitations API is invisible here, and the reverse.
 *
 *   GET    /groups/{g}/users[?itemsPerPage&pageNum&includeCount&username
 *                             &orgMembershipStatuses...&flattenTeams&includeOrgUsers]
 *   POST   /groups/{g}/users                     {username, roles} -> 201
 *   GET    /groups/{g}/users/{userId}
 *   DELETE /groups/{g}/users/{userId}            -> 204
 *   POST   /groups/{g}/users/{userId}:addRole    {groupRole} -> 200
 *   POST   /groups/{g}/users/{userId}:removeRole {groupRole} -> 200
 *
 * Where Atlas's behaviour is not documented the choices are ours and listed
 * in server/README.md: USER_NOT_FOUND for an unknown user,
 * USER_ALREADY_IN_GROUP (409) for adding a PENDING or ACTIVE user again,
 * CANNOT_REMOVE_LAST_ROLE (400) for removing a user's only role, adding a
 * role the user holds or removing one they lack is a 200 no-op. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

#define USERS_MEDIA "application/vnd.atlas.2025-02-19+json"
#define FIRST_VERSION "2025-02-19"

static const char *const statuses[] = { "ACTIVE", "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED", NULL };

/* Accept: application/vnd.atlas.<date>+json with a date at or after the
 * resource's first version (Atlas serves the latest version not after the
 * date asked for; before 2025-02-19 this resource has no such version). */
int users_accepts_version(struct MHD_Connection *c) {
  const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  const char *p = accept ? strstr(accept, "application/vnd.atlas.") : NULL;
  char date[11];
  if (!p) return 0;
  p += strlen("application/vnd.atlas.");
  if (strlen(p) < 10) return 0;
  memcpy(date, p, 10);
  date[10] = '\0';
  return strcmp(date, FIRST_VERSION) >= 0 && strncmp(p + 10, "+json", 5) == 0;
}

/* ---- fixtures ----------------------------------------------------------- */

static void set_time(json_t *u, const char *key, long days) {
  char t[32];
  store_iso_time(time(NULL) + days * 86400, t);
  json_object_set_new(u, key, json_string(t));
}

/* Gives fixture users the fields their status implies, dated relative to
 * now, and expands "generate_users": { count, username (printf with %d),
 * roles } into that many ACTIVE users. */
void users_prepare_fixtures(json_t *root) {
  size_t i, j;
  json_t *p, *u;
  json_array_foreach(json_object_get(root, "projects"), i, p) {
    json_t *gen = json_object_get(p, "generate_users");
    if (!json_is_array(json_object_get(p, "users"))) json_object_set_new(p, "users", json_array());
    if (json_is_object(gen)) {
      long n = (long)json_integer_value(json_object_get(gen, "count"));
      const char *pattern = json_string_value(json_object_get(gen, "username"));
      long k;
      for (k = 1; pattern && k <= n && k <= 10000; k++) {
        char name[128], id[25];
        snprintf(name, sizeof name, pattern, (int)k);
        snprintf(id, sizeof id, "%012lx%012lx", (unsigned long)0xa11ce, (unsigned long)k);
        json_array_append_new(json_object_get(p, "users"),
                              json_pack("{s:s, s:s, s:s, s:O}", "id", id, "username", name, "orgMembershipStatus",
                                        "ACTIVE", "roles", json_object_get(gen, "roles")));
      }
      json_object_del(p, "generate_users");
    }
    json_array_foreach(json_object_get(p, "users"), j, u) {
      const char *s = json_string_value(json_object_get(u, "orgMembershipStatus"));
      if (!s) continue;
      if (strcmp(s, "ACTIVE") == 0) {
        if (!json_object_get(u, "createdAt")) set_time(u, "createdAt", -200);
        if (!json_object_get(u, "firstName")) json_object_set_new(u, "firstName", json_string("Member"));
        if (!json_object_get(u, "lastName")) json_object_set_new(u, "lastName", json_string("Of Staff"));
        if (!json_object_get(u, "country")) json_object_set_new(u, "country", json_string("US"));
        if (!json_object_get(u, "mobileNumber")) json_object_set_new(u, "mobileNumber", json_string("2125550143"));
        set_time(u, "lastAuth", -1);
      } else {
        int expired = strcmp(s, "INVITATION_EXPIRED") == 0, rejected = strcmp(s, "INVITATION_REJECTED") == 0;
        set_time(u, "invitationCreatedAt", expired ? -40 : -2);
        if (rejected) json_object_set_new(u, "invitationExpiresAt", json_null());
        else set_time(u, "invitationExpiresAt", expired ? -10 : 28);
        if (!json_object_get(u, "inviterUsername"))
          json_object_set_new(u, "inviterUsername", json_string("admin@example.com"));
      }
    }
  }
}

/* ---- helpers ------------------------------------------------------------- */

static json_t *users_of(call_t *call) { return json_object_get(call->project, "users"); }

static json_t *find_user(call_t *call, const char *key, const char *value, size_t *index) {
  size_t i;
  json_t *u;
  json_array_foreach(users_of(call), i, u) {
    const char *v = json_string_value(json_object_get(u, key));
    if (v && strcasecmp(v, value) == 0) {
      if (index) *index = i;
      return u;
    }
  }
  return NULL;
}

static json_t *present(call_t *call, json_t *u) {
  json_t *out = json_deep_copy(u);
  (void)call;
  json_object_del(out, "links");
  return out;
}

static int status_known(const char *s) {
  const char *const *k;
  for (k = statuses; *k; k++)
    if (strcmp(*k, s) == 0) return 1;
  return 0;
}

typedef struct {
  const char *wanted[8];
  int n, bad;
  const char *bad_value;
} status_filter_t;

static enum MHD_Result collect_status(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  status_filter_t *f = (status_filter_t *)cls;
  (void)kind;
  if (strcmp(key, "orgMembershipStatuses") != 0 && strcmp(key, "orgMembershipStatus") != 0) return MHD_YES;
  if (!value || !status_known(value)) {
    f->bad = 1;
    f->bad_value = value ? value : "";
    return MHD_NO;
  }
  if (f->n < 8) f->wanted[f->n++] = value;
  return MHD_YES;
}

static int status_wanted(const status_filter_t *f, const char *s) {
  int i;
  if (f->n == 0) return s && (strcmp(s, "ACTIVE") == 0 || strcmp(s, "PENDING") == 0);
  for (i = 0; i < f->n; i++)
    if (s && strcmp(f->wanted[i], s) == 0) return 1;
  return 0;
}

/* A positive integer query argument within [min, max], or dflt; -1 when
 * present but invalid. */
static long int_arg(struct MHD_Connection *c, const char *name, long dflt, long min, long max) {
  const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
  char *end;
  long n;
  if (!v) return dflt;
  n = strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < min || n > max) return -1;
  return n;
}

/* Appends "&name=value" with value percent-encoded. */
static void add_query(char *out, size_t cap, const char *name, const char *value) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(out);
  const unsigned char *v;
  n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "&%s=", name);
  for (v = (const unsigned char *)value; *v && n + 4 < cap; v++) {
    if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') || *v == '-' || *v == '.' ||
        *v == '_' || *v == '~') {
      out[n++] = (char)*v;
    } else {
      out[n++] = '%';
      out[n++] = hex[*v >> 4];
      out[n++] = hex[*v & 15];
    }
  }
  out[n < cap ? n : cap - 1] = '\0';
}

/* A link to another page of the same listing (same filters). */
static json_t *page_link(call_t *call, const status_filter_t *filter, long ipp, long page, const char *rel) {
  char href[2048];
  const char *username = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "username");
  int i;
  snprintf(href, sizeof href, "%s%s?itemsPerPage=%ld", config.base_url, call->url, ipp);
  {
    char num[32];
    snprintf(num, sizeof num, "%ld", page);
    add_query(href, sizeof href, "pageNum", num);
  }
  if (username) add_query(href, sizeof href, "username", username);
  for (i = 0; i < filter->n; i++) add_query(href, sizeof href, "orgMembershipStatuses", filter->wanted[i]);
  return json_pack("{s:s, s:s}", "href", href, "rel", rel);
}

/* ---- routes --------------------------------------------------------------- */

static enum MHD_Result list(call_t *call) {
  status_filter_t filter;
  long ipp = int_arg(call->c, "itemsPerPage", 100, 1, 500), page = int_arg(call->c, "pageNum", 1, 1, 1000000);
  const char *username = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "username");
  const char *count_arg = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "includeCount");
  int include_org = api_flag(call->c, "includeOrgUsers");
  json_t *matches = json_array(), *results = json_array(), *links = json_array(), *u, *body;
  size_t i, total;
  memset(&filter, 0, sizeof filter);
  if (ipp < 0) {
    json_decref(matches); json_decref(results); json_decref(links);
    return FAIL(call, 400, "INVALID_QUERY_PARAMETER", "itemsPerPage must be between 1 and 500.");
  }
  if (page < 0) {
    json_decref(matches); json_decref(results); json_decref(links);
    return FAIL(call, 400, "INVALID_QUERY_PARAMETER", "pageNum must be a positive integer.");
  }
  MHD_get_connection_values(call->c, MHD_GET_ARGUMENT_KIND, collect_status, &filter);
  if (filter.bad) {
    enum MHD_Result r = FAIL(call, 400, "INVALID_ENUM_VALUE", "An invalid enumeration value %s was specified.",
                             filter.bad_value);
    json_decref(matches); json_decref(results); json_decref(links);
    return r;
  }
  json_array_foreach(users_of(call), i, u) {
    const char *s = json_string_value(json_object_get(u, "orgMembershipStatus"));
    const char *name = json_string_value(json_object_get(u, "username"));
    if (!status_wanted(&filter, s)) continue;
    if (username && (!name || strcasecmp(name, username) != 0)) continue;
    json_array_append(matches, u);
  }
  if (include_org) {
    json_array_foreach(json_object_get(call->project, "org_users"), i, u) {
      const char *name = json_string_value(json_object_get(u, "username"));
      if (username && (!name || strcasecmp(name, username) != 0)) continue;
      json_array_append(matches, u);
    }
  }
  total = json_array_size(matches);
  for (i = (size_t)((page - 1) * ipp); i < total && i < (size_t)(page * ipp); i++)
    json_array_append_new(results, present(call, json_array_get(matches, i)));
  json_array_append_new(links, page_link(call, &filter, ipp, page, "self"));
  if ((size_t)(page * ipp) < total) json_array_append_new(links, page_link(call, &filter, ipp, page + 1, "next"));
  if (page > 1) json_array_append_new(links, page_link(call, &filter, ipp, page - 1, "previous"));
  body = json_pack("{s:o, s:o}", "links", links, "results", results);
  if (!count_arg || strcmp(count_arg, "false") != 0) json_object_set_new(body, "totalCount", json_integer((json_int_t)total));
  json_decref(matches);
  return api_success(call, 200, body);
}

static enum MHD_Result add(call_t *call) {
  static const char *const allowed[] = { "roles", "username", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = api_read_object(call, &ret), *existing, *u, *org;
  const char *username;
  size_t index = 0, i;
  char id[25];
  int active = 0;
  if (!body) return ret;
  if (!api_check_fields(call, body, allowed, 1, &ret)) {
    json_decref(body);
    return ret;
  }
  username = json_string_value(json_object_get(body, "username"));
  existing = find_user(call, "username", username, &index);
  if (existing) {
    const char *s = json_string_value(json_object_get(existing, "orgMembershipStatus"));
    if (s && (strcmp(s, "ACTIVE") == 0 || strcmp(s, "PENDING") == 0)) {
      ret = FAIL(call, 409, "USER_ALREADY_IN_GROUP", "The user %s is already in the project.", username);
      json_decref(body);
      return ret;
    }
    /* An expired or rejected invitation is replaced. */
    json_array_remove(users_of(call), index);
  }
  json_array_foreach(json_object_get(store_root(), "org_members"), i, org)
    if (json_is_string(org) && strcasecmp(json_string_value(org), username) == 0) active = 1;
  store_random_hex(id, 12);
  u = json_pack("{s:s, s:s, s:s, s:O}", "id", id, "username", username, "orgMembershipStatus",
                active ? "ACTIVE" : "PENDING", "roles", json_object_get(body, "roles"));
  json_array_append_new(users_of(call), u);
  {
    json_t *wrap = json_pack("{s:[{s:[O]}]}", "projects", "users", u);
    users_prepare_fixtures(wrap); /* the fields its status implies */
    json_decref(wrap);
  }
  json_decref(body);
  return api_success(call, 201, present(call, u));
}

static enum MHD_Result change_role(call_t *call, json_t *u, int adding) {
  static const char *const allowed[] = { "groupRole", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = api_read_object(call, &ret), *roles = json_object_get(u, "roles"), *v, *role;
  const char *k, *r;
  size_t i, at = 0;
  int held = 0;
  if (!body) return ret;
  json_object_foreach(body, k, v) {
    const char *const *a;
    for (a = allowed; *a && strcmp(*a, k) != 0; a++) {}
    if (!*a) {
      ret = FAIL(call, 400, "INVALID_JSON_ATTRIBUTE", "Invalid attribute %s specified.", k);
      json_decref(body);
      return ret;
    }
  }
  role = json_object_get(body, "groupRole");
  if (!role) {
    json_decref(body);
    return FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute groupRole was not specified.");
  }
  if (!api_check_role(call, role, "groupRole", &ret)) {
    json_decref(body);
    return ret;
  }
  r = json_string_value(role);
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
  return api_success(call, 200, present(call, u));
}

enum MHD_Result users_handle(call_t *call, const char *rest) {
  char uid[64], action[32] = "";
  const char *colon;
  size_t index = 0;
  json_t *u;
  call->media = USERS_MEDIA ";charset=utf-8";
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
  if (!api_is_hex24(uid, strlen(uid)))
    return FAIL(call, 400, "INVALID_USER_ID", "An invalid user ID %s was specified.", uid);
  u = find_user(call, "id", uid, &index);
  if (!u) return FAIL(call, 404, "USER_NOT_FOUND", "No user with ID %s exists in the project.", uid);
  if (*action) {
    if (strcmp(call->method, "POST") != 0)
      return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
    if (strcmp(action, "addRole") == 0) return change_role(call, u, 1);
    if (strcmp(action, "removeRole") == 0) return change_role(call, u, 0);
    return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  }
  if (strcmp(call->method, "GET") == 0) return api_success(call, 200, present(call, u));
  if (strcmp(call->method, "DELETE") == 0) {
    json_array_remove(users_of(call), index);
    return api_success(call, 204, NULL);
  }
  return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
}
