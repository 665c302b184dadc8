/* Fixtures and the in-memory data: organizations (their users and teams),
 * projects (their legacy invitations and teams), API keys and service
 * accounts.  Loaded from a JSON file at start and on /__mock/reset; dates
 * are made relative to now so that a fixture stays valid forever: those the
 * fixture leaves out are computed, and a date field may be written
 * relative to the load ("-365d", "+3d", "-2h", "-30m", "now").  The
 * meaning of the data (who reaches what) lives in org.c and identities.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static json_t *fixtures; /* the whole file, with computed dates */

static const char *const project_roles[] = {
  "GROUP_BACKUP_MANAGER", "GROUP_CLUSTER_MANAGER", "GROUP_DATA_ACCESS_ADMIN",
  "GROUP_DATA_ACCESS_READ_ONLY", "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_DATABASE_ACCESS_ADMIN",
  "GROUP_OBSERVABILITY_VIEWER", "GROUP_OWNER", "GROUP_READ_ONLY", "GROUP_SEARCH_INDEX_EDITOR",
  "GROUP_STREAM_PROCESSING_OWNER", NULL,
};

/* Organization roles, from Atlas's documentation (the spec does not list them). */
static const char *const org_roles[] = {
  "ORG_OWNER", "ORG_GROUP_CREATOR", "ORG_BILLING_ADMIN", "ORG_BILLING_READ_ONLY",
  "ORG_STREAM_PROCESSING_ADMIN", "ORG_READ_ONLY", "ORG_MEMBER", NULL,
};

void store_iso_time(time_t t, char out[32]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void store_random_hex(char *out, size_t bytes) {
  static const char hex[] = "0123456789abcdef";
  unsigned char buf[64];
  size_t i;
  FILE *f = fopen("/dev/urandom", "rb");
  if (bytes > sizeof buf) bytes = sizeof buf;
  if (!f || fread(buf, 1, bytes, f) != bytes) {
    fprintf(stderr, "atlas-local-server: cannot read /dev/urandom\n");
    abort();
  }
  fclose(f);
  for (i = 0; i < bytes; i++) {
    out[2 * i] = hex[buf[i] >> 4];
    out[2 * i + 1] = hex[buf[i] & 15];
  }
  out[2 * bytes] = '\0';
}

/* An ISO 8601 UTC time as this server writes them: 1 and *out, else 0. */
int store_parse_time(const char *s, time_t *out) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  *out = timegm(&tm);
  return 1;
}

/* "[+-]N[dhm]" or "now": 1 and *out = now moved by that much, else 0. */
int store_relative_time(const char *s, time_t now, time_t *out) {
  char *end;
  long n;
  if (s && strcmp(s, "now") == 0) {
    *out = now;
    return 1;
  }
  if (!s || (s[0] != '+' && s[0] != '-') || s[1] < '0' || s[1] > '9') return 0;
  n = strtol(s, &end, 10);
  if (end[0] == '\0' || end[1] != '\0') return 0;
  switch (end[0]) {
  case 'd': *out = now + (time_t)n * 86400; return 1;
  case 'h': *out = now + (time_t)n * 3600; return 1;
  case 'm': *out = now + (time_t)n * 60; return 1;
  default: return 0;
  }
}

/* The fields that hold dates: created, lastUsed, lastAuth and any name
 * ending in "At" (createdAt, expiresAt, lastUsedAt, ...). */
static int date_field(const char *k) {
  size_t n = strlen(k);
  return strcmp(k, "created") == 0 || strcmp(k, "lastUsed") == 0 || strcmp(k, "lastAuth") == 0 ||
         (n > 2 && strcmp(k + n - 2, "At") == 0);
}

/* Rewrites every relative date of the document (any depth) as ISO 8601. */
static void resolve_dates(json_t *v, time_t now) {
  const char *k;
  json_t *x;
  size_t i;
  if (json_is_array(v)) {
    json_array_foreach(v, i, x) resolve_dates(x, now);
    return;
  }
  json_object_foreach(v, k, x) {
    time_t t;
    if (json_is_string(x) && date_field(k) && store_relative_time(json_string_value(x), now, &t)) {
      char iso[32];
      store_iso_time(t, iso);
      json_object_set_new(v, k, json_string(iso));
    } else if (json_is_object(x) || json_is_array(x)) {
      resolve_dates(x, now);
    }
  }
}

static void set_time(json_t *o, const char *key, long days) {
  char t[32];
  store_iso_time(time(NULL) + days * 86400, t);
  json_object_set_new(o, key, json_string(t));
}

/* Gives every invitation createdAt/expiresAt: pending ones expire in 29
 * days, ones marked "expired": true expired 10 days ago. */
static void date_invitations(json_t *project) {
  size_t j;
  json_t *inv;
  json_array_foreach(json_object_get(project, "invitations"), j, inv) {
    int expired = json_is_true(json_object_get(inv, "expired"));
    json_object_del(inv, "expired");
    if (!json_object_get(inv, "createdAt")) set_time(inv, "createdAt", expired ? -40 : -1);
    set_time(inv, "expiresAt", expired ? -10 : 29);
    json_object_set(inv, "groupId", json_object_get(project, "id"));
    json_object_set(inv, "groupName", json_object_get(project, "name"));
  }
}

void store_fill_user(json_t *u) {
  const char *s = json_string_value(json_object_get(u, "orgMembershipStatus"));
  json_t *roles = json_object_get(u, "roles");
  if (!json_is_object(roles)) {
    roles = json_object();
    json_object_set_new(u, "roles", roles);
  }
  if (!json_is_array(json_object_get(roles, "orgRoles")))
    json_object_set_new(roles, "orgRoles", json_pack("[s]", "ORG_MEMBER"));
  if (!json_is_array(json_object_get(roles, "groupRoleAssignments")))
    json_object_set_new(roles, "groupRoleAssignments", json_array());
  if (!json_is_array(json_object_get(u, "teamIds"))) json_object_set_new(u, "teamIds", json_array());
  if (!s) return;
  if (strcmp(s, "ACTIVE") == 0) {
    if (!json_object_get(u, "createdAt")) set_time(u, "createdAt", -200);
    if (!json_object_get(u, "firstName")) json_object_set_new(u, "firstName", json_string("Member"));
    if (!json_object_get(u, "lastName")) json_object_set_new(u, "lastName", json_string("Of Staff"));
    if (!json_object_get(u, "country")) json_object_set_new(u, "country", json_string("US"));
    if (!json_object_get(u, "mobileNumber")) json_object_set_new(u, "mobileNumber", json_string("2125550143"));
    if (!json_object_get(u, "lastAuth")) set_time(u, "lastAuth", -1);
  } else {
    int expired = strcmp(s, "INVITATION_EXPIRED") == 0, rejected = strcmp(s, "INVITATION_REJECTED") == 0;
    time_t created;
    /* A fixture may date the invitation itself (a stale one: "-45d"); it
     * expires 30 days after it was made (by default made 2 days ago, or
     * 40 when expired). */
    if (!json_object_get(u, "invitationCreatedAt")) set_time(u, "invitationCreatedAt", expired ? -40 : -2);
    if (rejected) json_object_set_new(u, "invitationExpiresAt", json_null());
    else if (!json_object_get(u, "invitationExpiresAt")) {
      char t[32];
      if (!store_parse_time(json_string_value(json_object_get(u, "invitationCreatedAt")), &created))
        created = time(NULL) - (expired ? 40 : 2) * 86400;
      store_iso_time(created + 30 * 86400, t);
      json_object_set_new(u, "invitationExpiresAt", json_string(t));
    }
    if (!json_object_get(u, "inviterUsername"))
      json_object_set_new(u, "inviterUsername", json_string("admin@example.com"));
  }
}

/* "generate_users": { count, username (printf with %d), orgRoles, groupId,
 * groupRoles, teamIds } expands into that many ACTIVE users (a big org for
 * paging specs and benchmarks). */
static void generate_users(json_t *org) {
  json_t *gen = json_object_get(org, "generate_users");
  long n, k;
  const char *pattern;
  if (!json_is_object(gen)) return;
  n = (long)json_integer_value(json_object_get(gen, "count"));
  pattern = json_string_value(json_object_get(gen, "username"));
  for (k = 1; pattern && k <= n && k <= 100000; k++) {
    char name[128], id[25];
    json_t *u, *assignments = json_array();
    snprintf(name, sizeof name, pattern, (int)k);
    snprintf(id, sizeof id, "%012lx%012lx", (unsigned long)0xa11ce, (unsigned long)k);
    if (json_is_string(json_object_get(gen, "groupId")))
      json_array_append_new(assignments, json_pack("{s:O, s:O}", "groupId", json_object_get(gen, "groupId"),
                                                   "groupRoles", json_object_get(gen, "groupRoles")));
    u = json_pack("{s:s, s:s, s:s, s:{s:O, s:o}}", "id", id, "username", name, "orgMembershipStatus", "ACTIVE",
                  "roles", "orgRoles", json_object_get(gen, "orgRoles"), "groupRoleAssignments", assignments);
    if (json_is_array(json_object_get(gen, "teamIds"))) json_object_set(u, "teamIds", json_object_get(gen, "teamIds"));
    json_array_append_new(json_object_get(org, "users"), u);
  }
  json_object_del(org, "generate_users");
}

int store_load(const char *path, char *err, size_t errlen) {
  json_error_t e;
  json_t *root = json_load_file(path, 0, &e), *org, *p, *u, *k;
  time_t now = time(NULL);
  size_t i, j;
  if (!root) {
    snprintf(err, errlen, "%s:%d: %s", path, e.line, e.text);
    return -1;
  }
  if (!json_is_array(json_object_get(root, "projects")) || !json_is_array(json_object_get(root, "api_keys")) ||
      !json_is_array(json_object_get(root, "orgs"))) {
    snprintf(err, errlen, "%s: needs \"orgs\", \"projects\" and \"api_keys\" arrays", path);
    json_decref(root);
    return -1;
  }
  resolve_dates(root, now);
  if (!json_is_array(json_object_get(root, "service_accounts")))
    json_object_set_new(root, "service_accounts", json_array());
  json_array_foreach(json_object_get(root, "api_keys"), i, k) api_keys_load(k, i);
  json_array_foreach(json_object_get(root, "service_accounts"), i, k) service_accounts_load(k, i, now);
  json_array_foreach(json_object_get(root, "orgs"), i, org) {
    if (!json_is_array(json_object_get(org, "users"))) json_object_set_new(org, "users", json_array());
    if (!json_is_array(json_object_get(org, "teams"))) json_object_set_new(org, "teams", json_array());
    generate_users(org);
    json_array_foreach(json_object_get(org, "users"), j, u) store_fill_user(u);
  }
  json_array_foreach(json_object_get(root, "projects"), i, p) {
    if (!json_is_array(json_object_get(p, "invitations"))) json_object_set_new(p, "invitations", json_array());
    if (!json_is_array(json_object_get(p, "teams"))) json_object_set_new(p, "teams", json_array());
    if (!json_object_get(p, "created")) set_time(p, "created", -300);
    if (!json_object_get(p, "clusterCount")) json_object_set_new(p, "clusterCount", json_integer(0));
    date_invitations(p);
  }
  json_decref(fixtures);
  fixtures = root;
  return 0;
}

static json_t *find(const char *list, const char *key, const char *value) {
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(fixtures, list), i, item) {
    const char *v = json_string_value(json_object_get(item, key));
    if (v && strcmp(v, value) == 0) return item;
  }
  return NULL;
}

json_t *store_project(const char *group_id) { return find("projects", "id", group_id); }
json_t *store_org(const char *org_id) { return find("orgs", "id", org_id); }
json_t *store_root(void) { return fixtures; }
json_t *store_api_key(const char *public_key) { return find("api_keys", "public_key", public_key); }
json_t *store_service_account(const char *client_id) { return find("service_accounts", "client_id", client_id); }

static int listed(const char *const *list, const char *role) {
  for (; *list; list++)
    if (strcmp(*list, role) == 0) return 1;
  return 0;
}

/* extra_roles: roles the server knows beyond the lists above (as Atlas
 * knows roles a client may not); an ORG_ one is an organization role. */
static int extra(const char *role, int org) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(fixtures, "extra_roles"), i, x) {
    const char *s = json_string_value(x);
    if (s && strcmp(s, role) == 0 && (strncmp(s, "ORG_", 4) == 0) == org) return 1;
  }
  return 0;
}

int store_role_known(const char *role) { return listed(project_roles, role) || extra(role, 0); }
int store_org_role_known(const char *role) { return listed(org_roles, role) || extra(role, 1); }
