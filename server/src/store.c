/* Fixtures and the in-memory data: projects with their invitations, API
 * keys and service accounts.  Loaded from a JSON file at start and on
 * /__mock/reset; invitation dates are made relative to now so that a
 * fixture stays valid forever. */
#include <stdio.h>
#include <string.h>

#include "server.h"

static json_t *fixtures; /* the whole file, with computed dates */

static const char *const project_roles[] = {
  "GROUP_BACKUP_MANAGER", "GROUP_CLUSTER_MANAGER", "GROUP_DATA_ACCESS_ADMIN",
  "GROUP_DATA_ACCESS_READ_ONLY", "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_DATABASE_ACCESS_ADMIN",
  "GROUP_OBSERVABILITY_VIEWER", "GROUP_OWNER", "GROUP_READ_ONLY", "GROUP_SEARCH_INDEX_EDITOR",
  "GROUP_STREAM_PROCESSING_OWNER", NULL,
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

/* Gives every invitation createdAt/expiresAt: pending ones expire in 29
 * days, ones marked "expired": true expired 10 days ago. */
static void date_invitations(json_t *root) {
  time_t now = time(NULL);
  size_t i, j;
  json_t *p, *inv;
  json_array_foreach(json_object_get(root, "projects"), i, p) {
    json_array_foreach(json_object_get(p, "invitations"), j, inv) {
      char created[32], expires[32];
      int expired = json_is_true(json_object_get(inv, "expired"));
      store_iso_time(now - (expired ? 40 : 1) * 86400, created);
      store_iso_time(now + (expired ? -10 : 29) * 86400, expires);
      json_object_del(inv, "expired");
      if (!json_object_get(inv, "createdAt")) json_object_set_new(inv, "createdAt", json_string(created));
      json_object_set_new(inv, "expiresAt", json_string(expires));
      json_object_set(inv, "groupId", json_object_get(p, "id"));
      json_object_set(inv, "groupName", json_object_get(p, "name"));
    }
  }
}

int store_load(const char *path, char *err, size_t errlen) {
  json_error_t e;
  json_t *root = json_load_file(path, 0, &e);
  if (!root) {
    snprintf(err, errlen, "%s:%d: %s", path, e.line, e.text);
    return -1;
  }
  if (!json_is_array(json_object_get(root, "projects")) || !json_is_array(json_object_get(root, "api_keys"))) {
    snprintf(err, errlen, "%s: needs \"projects\" and \"api_keys\" arrays", path);
    json_decref(root);
    return -1;
  }
  date_invitations(root);
  users_prepare_fixtures(root);
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
json_t *store_root(void) { return fixtures; }
json_t *store_api_key(const char *public_key) { return find("api_keys", "public_key", public_key); }
json_t *store_service_account(const char *client_id) { return find("service_accounts", "client_id", client_id); }

int store_role_known(const char *role) {
  const char *const *r;
  size_t i;
  json_t *extra;
  for (r = project_roles; *r; r++)
    if (strcmp(*r, role) == 0) return 1;
  json_array_foreach(json_object_get(fixtures, "extra_roles"), i, extra)
    if (json_is_string(extra) && strcmp(json_string_value(extra), role) == 0) return 1;
  return 0;
}
