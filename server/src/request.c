/* What every route shares: reading and checking a request (body, query
 * arguments, the version in Accept) and answering it (success bodies,
 * pages with their links).  Resource files call these; nothing here knows
 * a resource, so adding one is a new file and a row in router.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

static const char *const statuses[] = { "ACTIVE", "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED", NULL };

int request_flag(struct MHD_Connection *c, const char *name) {
  const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
  return v && strcmp(v, "true") == 0;
}

int request_is_hex24(const char *s) {
  size_t i;
  if (!s || strlen(s) != 24) return 0;
  for (i = 0; i < 24; i++)
    if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) return 0;
  return 1;
}

int request_plausible_email(const char *s) {
  const char *at = strchr(s, '@');
  size_t i;
  for (i = 0; s[i]; i++)
    if ((unsigned char)s[i] <= 0x20) return 0;
  return at && at != s && !strchr(at + 1, '@') && strchr(at + 1, '.') && s[strlen(s) - 1] != '.';
}

/* Accept: application/vnd.atlas.<date>+json with a date at or after first
 * (Atlas serves the latest version not after the date asked for; before a
 * resource's first version there is none).  exact: only that date. */
int request_accepts_version(struct MHD_Connection *c, const char *first, int exact) {
  const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  const char *p = accept ? strstr(accept, "application/vnd.atlas.") : NULL;
  char date[11];
  if (!p) return 0;
  p += strlen("application/vnd.atlas.");
  if (strlen(p) < 10) return 0;
  memcpy(date, p, 10);
  date[10] = '\0';
  if (strncmp(p + 10, "+json", 5) != 0) return 0;
  return exact ? strcmp(date, first) == 0 : strcmp(date, first) >= 0;
}

enum MHD_Result request_success(call_t *call, unsigned status, json_t *body) {
  const char *type = call->v1 ? "application/json" : call->media;
  if (status == 204 && !call->envelope) {
    json_decref(body);
    return reply_raw(call->c, 204, NULL, "", 0, NULL, 1);
  }
  if (call->envelope) body = json_pack("{s:i, s:o*}", "status", (int)status, "content", body);
  return reply_json(call->c, call->envelope ? 200 : status, body, type, call->pretty, 1);
}

/* Checks the content type and parses the body as JSON (any value); on
 * failure queues the 400/415 and returns NULL with *ret set. */
json_t *request_read_json(call_t *call, enum MHD_Result *ret) {
  const char *type = MHD_lookup_connection_value(call->c, MHD_HEADER_KIND, "Content-Type");
  json_error_t e;
  json_t *body;
  if (!type || (strncasecmp(type, "application/json", 16) != 0 &&
                (strncasecmp(type, "application/vnd.atlas.", 22) != 0 || !strstr(type, "+json")))) {
    *ret = FAIL(call, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json or "
                "application/vnd.atlas.<version>+json.");
    return NULL;
  }
  body = json_loadb(call->req->body ? call->req->body : "", call->req->len, JSON_DECODE_ANY, &e);
  if (!body) {
    *ret = FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed.");
    return NULL;
  }
  return body;
}

json_t *request_read_object(call_t *call, enum MHD_Result *ret) {
  json_t *body = request_read_json(call, ret);
  if (body && !json_is_object(body)) {
    json_decref(body);
    *ret = FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: the body must be an object.");
    return NULL;
  }
  return body;
}

/* Only the names in allowed (NULL-terminated): 1, or 0 with the 400 queued. */
int request_only_fields(call_t *call, json_t *object, const char *const *allowed, enum MHD_Result *ret) {
  const char *k;
  json_t *v;
  json_object_foreach(object, k, v) {
    const char *const *a;
    for (a = allowed; *a; a++)
      if (strcmp(*a, k) == 0) break;
    if (!*a) {
      *ret = FAIL(call, 400, "INVALID_JSON_ATTRIBUTE", "Invalid attribute %s specified.", k);
      return 0;
    }
  }
  return 1;
}

/* A required string field that is an email address. */
const char *request_email_field(call_t *call, json_t *object, const char *field, enum MHD_Result *ret) {
  json_t *v = json_object_get(object, field);
  if (!v) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute %s was not specified.", field);
    return NULL;
  }
  if (!json_is_string(v) || !request_plausible_email(json_string_value(v))) {
    *ret = FAIL(call, 400, "INVALID_EMAIL_ADDRESS", "The email address is invalid.");
    return NULL;
  }
  return json_string_value(v);
}

/* One role of the kind asked for: 1, or 0 with the 400 queued.  An org
 * role where a project role belongs (or the reverse) is named as such. */
int request_check_role(call_t *call, json_t *v, const char *field, int org_role, enum MHD_Result *ret) {
  const char *r = json_string_value(v);
  if (!r) { *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute %s specified.", field); return 0; }
  if (!org_role && strncmp(r, "ORG_", 4) == 0) {
    *ret = FAIL(call, 400, "INVALID_ROLE_FOR_GROUP", "Role %s is not valid for a project.", r);
    return 0;
  }
  if (org_role && !store_org_role_known(r)) {
    *ret = store_role_known(r) ? FAIL(call, 400, "INVALID_ROLE_FOR_ORG", "Role %s is not valid for an organization.", r)
                               : FAIL(call, 400, "INVALID_ENUM_VALUE", "An invalid enumeration value %s was specified.", r);
    return 0;
  }
  if (!org_role && !store_role_known(r)) {
    *ret = FAIL(call, 400, "INVALID_ENUM_VALUE", "An invalid enumeration value %s was specified.", r);
    return 0;
  }
  return 1;
}

/* A list of unique roles; empty only when allow_empty. */
int request_check_roles(call_t *call, json_t *v, const char *field, int org_roles, int allow_empty,
                        enum MHD_Result *ret) {
  size_t i, j;
  json_t *r;
  if (!v) {
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute %s was not specified.", field);
    return 0;
  }
  if (!json_is_array(v) || (!allow_empty && json_array_size(v) == 0)) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute %s specified.", field);
    return 0;
  }
  json_array_foreach(v, i, r) {
    if (!request_check_role(call, r, field, org_roles, ret)) return 0;
    for (j = 0; j < i; j++)
      if (json_equal(json_array_get(v, j), r)) {
        *ret = FAIL(call, 400, "DUPLICATE_VALUES", "Attribute %s lists %s twice.", field, json_string_value(r));
        return 0;
      }
  }
  return 1;
}

/* A positive integer query argument within [min, max], or dflt; -1 when
 * present but invalid. */
long request_int_arg(struct MHD_Connection *c, const char *name, long dflt, long min, long max) {
  const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
  char *end;
  long n;
  if (!v) return dflt;
  n = strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < min || n > max) return -1;
  return n;
}

/* ---- membership statuses (orgMembershipStatuses, repeatable) ---------- */

static int status_known(const char *s) {
  const char *const *k;
  for (k = statuses; *k; k++)
    if (strcmp(*k, s) == 0) return 1;
  return 0;
}

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

int request_statuses(call_t *call, status_filter_t *f, enum MHD_Result *ret) {
  memset(f, 0, sizeof *f);
  MHD_get_connection_values(call->c, MHD_GET_ARGUMENT_KIND, collect_status, f);
  if (f->bad) {
    *ret = FAIL(call, 400, "INVALID_ENUM_VALUE", "An invalid enumeration value %s was specified.", f->bad_value);
    return 0;
  }
  return 1;
}

int request_status_wanted(const status_filter_t *f, const char *s) {
  int i;
  if (f->n == 0) return s && (strcmp(s, "ACTIVE") == 0 || strcmp(s, "PENDING") == 0);
  for (i = 0; i < f->n; i++)
    if (s && strcmp(f->wanted[i], s) == 0) return 1;
  return 0;
}

/* ---- pages ------------------------------------------------------------- */

/* Appends "&name=value" with value percent-encoded. */
static void add_query(char *out, size_t cap, const char *name, const char *value) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(out);
  const unsigned char *v;
  n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s=", strchr(out, '?') ? "&" : "?", name);
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

typedef struct {
  char href[2048];
} link_t;

static enum MHD_Result copy_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  link_t *l = (link_t *)cls;
  (void)kind;
  if (strcmp(key, "pageNum") != 0 && strcmp(key, "itemsPerPage") != 0) add_query(l->href, sizeof l->href, key, value ? value : "");
  return MHD_YES;
}

/* A link to another page of the same listing: the same arguments, another pageNum. */
static json_t *page_link(call_t *call, long ipp, long page, const char *rel) {
  link_t l;
  char num[32];
  snprintf(l.href, sizeof l.href, "%s%s", config.base_url, call->url);
  snprintf(num, sizeof num, "%ld", ipp);
  add_query(l.href, sizeof l.href, "itemsPerPage", num);
  snprintf(num, sizeof num, "%ld", page);
  add_query(l.href, sizeof l.href, "pageNum", num);
  MHD_get_connection_values(call->c, MHD_GET_ARGUMENT_KIND, copy_arg, &l);
  return json_pack("{s:s, s:s}", "href", l.href, "rel", rel);
}

/* Answers one page of matches (a list it takes ownership of), each shown
 * through present: {links, results, totalCount}, with itemsPerPage
 * (1..500, default 100), pageNum (from 1) and includeCount as Atlas reads them. */
enum MHD_Result request_page(call_t *call, json_t *matches, json_t *(*present)(call_t *, json_t *)) {
  long ipp = request_int_arg(call->c, "itemsPerPage", 100, 1, 500);
  long page = request_int_arg(call->c, "pageNum", 1, 1, 1000000);
  const char *count_arg = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "includeCount");
  json_t *results, *links, *body;
  size_t i, total = json_array_size(matches);
  if (ipp < 0 || page < 0) {
    json_decref(matches);
    return ipp < 0 ? FAIL(call, 400, "INVALID_QUERY_PARAMETER", "itemsPerPage must be between 1 and 500.")
                   : FAIL(call, 400, "INVALID_QUERY_PARAMETER", "pageNum must be a positive integer.");
  }
  results = json_array();
  links = json_array();
  for (i = (size_t)((page - 1) * ipp); i < total && i < (size_t)(page * ipp); i++)
    json_array_append_new(results, present(call, json_array_get(matches, i)));
  json_array_append_new(links, page_link(call, ipp, page, "self"));
  if ((size_t)(page * ipp) < total) json_array_append_new(links, page_link(call, ipp, page + 1, "next"));
  if (page > 1) json_array_append_new(links, page_link(call, ipp, page - 1, "previous"));
  body = json_pack("{s:o, s:o}", "links", links, "results", results);
  if (!count_arg || strcmp(count_arg, "false") != 0) json_object_set_new(body, "totalCount", json_integer((json_int_t)total));
  json_decref(matches);
  return request_success(call, 200, body);
}

/* ---- paths and fields the identity routes share ------------------------ */

/* The segment after rest's '/', up to the next '/' or ':', into id; *after
 * points past it.  0 (a 404 queued) when rest holds no such segment. */
int request_path_id(call_t *call, const char *rest, char *id, size_t cap, const char **after, enum MHD_Result *ret) {
  size_t n;
  if (rest[0] != '/' || (n = strcspn(rest + 1, "/:")) == 0 || n >= cap) {
    *ret = FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
    return 0;
  }
  memcpy(id, rest + 1, n);
  id[n] = '\0';
  *after = rest + 1 + n;
  return 1;
}

/* A string field of 1..max bytes: 1 when valid (or absent or null and not
 * required), else 0 with the 400 queued.  name_chars: only letters,
 * digits, spaces and - _ . , ' (the spec's pattern; bytes past ASCII count
 * as letters). */
int request_string_field(call_t *call, json_t *object, const char *field, size_t max, int required,
                         int name_chars, enum MHD_Result *ret) {
  json_t *v = json_object_get(object, field);
  const char *s = json_string_value(v);
  size_t i, n = s ? strlen(s) : 0;
  if (!v || json_is_null(v)) {
    if (!required) return 1;
    *ret = FAIL(call, 400, "MISSING_ATTRIBUTE", "The required attribute %s was not specified.", field);
    return 0;
  }
  if (!s || n == 0 || n > max) {
    *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute %s specified: a string of 1 to %zu characters.",
                field, max);
    return 0;
  }
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    int ok = name_chars ? (isalnum(ch) || ch >= 0x80 || strchr(" -_.,'", ch) != NULL) : (ch >= 0x20 && ch != 0x7f);
    if (!ok) {
      *ret = FAIL(call, 400, "INVALID_ATTRIBUTE", "Invalid attribute %s specified: %s.", field,
                  name_chars ? "only letters, digits, spaces and - _ . , ' are allowed" : "no control characters");
      return 0;
    }
  }
  return 1;
}
