/* /__mock: what tests, the demo and benchmarks use to observe and steer the
 * server.  Never authenticated, never counted in the request statistics.
 *   GET  /__mock/stats           counters, per-route request counts, peak_in_flight (the
 *                                most API requests the server was working on at once) and
 *                                connections (how many carried API requests)
 *   POST /__mock/reset           counters to zero, fixtures reloaded, nonces and tokens forgotten
 *   POST /__mock/expire-nonces   every nonce is stale from now on
 *   POST /__mock/expire-tokens   every token has expired
 *   POST /__mock/revoke-tokens   every token is revoked
 *   POST /__mock/fault           arm a canned response for the next N API requests
 *   POST /__mock/latency         {"ms": N [, "jitter_ms": J]}: added latency on every /api/atlas route, plus
 *                                0..J ms at random per request (reset restores --latency-ms, no jitter)
 *   POST /__mock/sunset          {"gone": true|false}: invitation routes answer 410 VERSION_GONE
 *   GET  /__mock/log             the API requests since reset: method, url, status, body
 *   GET  /__mock/state?groupId=  a project's invitations, Cloud users and teams; ?orgId= an org's users, teams,
 *                                and its API keys and service accounts (as the API shows them: secrets masked) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "server.h"

stats_t stats;

/* The armed fault: applied to authenticated /api/atlas requests before any
 * route runs.  Later kinds of fault (delays, dropped connections) belong in
 * control_fault too. */
static struct {
  int skip;  /* requests to let through before the fault applies */
  int count;
  unsigned status;
  json_t *spec; /* status, body, content_type, headers */
} fault;

static int sunset_gone;     /* POST /__mock/sunset */
static json_t *request_log; /* GET /__mock/log */
#define LOG_MAX 10000

int control_sunset(void) { return sunset_gone; }

/* Records an API request (never OAuth bodies: they hold secrets). */
void control_log(struct MHD_Connection *c, const char *method, const char *url, unsigned status,
                 const request_t *req) {
  json_t *body = NULL;
  const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
  const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
  const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
  if (!request_log) request_log = json_array();
  if (json_array_size(request_log) >= LOG_MAX) return;
  if (req && req->body && req->len && strncmp(url, "/api/oauth/", 11) != 0) {
    json_error_t e;
    body = json_loadb(req->body, req->len, 0, &e);
    if (!body) body = json_stringn(req->body, req->len);
  }
  json_array_append_new(request_log, json_pack("{s:s, s:s, s:i, s:o*, s:s?, s:s?, s:s?}", "method", method, "url",
                                               url, "status", (int)status, "body", body, "user_agent", ua,
                                               "accept_encoding", ae, "expect", expect));
}

void stats_count_route(const char *method, const char *url) {
  char key[1200];
  json_t *n;
  snprintf(key, sizeof key, "%s %s", method, url);
  n = json_object_get(stats.routes, key);
  json_object_set_new(stats.routes, key, json_integer(n ? json_integer_value(n) + 1 : 1));
  stats.requests++;
  if (stats.ratelimit_remaining > 0) stats.ratelimit_remaining--;
}

void control_reset_all(void) {
  char err[512];
  json_decref(stats.routes);
  memset(&stats, 0, sizeof stats);
  stats.routes = json_object();
  stats.ratelimit_remaining = 1200;
  digest_forget_all();
  oauth_forget_all();
  json_decref(fault.spec);
  memset(&fault, 0, sizeof fault);
  sunset_gone = 0;
  config.latency_ms = config.start_latency_ms;
  config.latency_jitter_ms = 0;
  json_decref(request_log);
  request_log = json_array();
  if (config.fixtures && store_load(config.fixtures, err, sizeof err) != 0)
    fprintf(stderr, "atlas-local-server: reload failed: %s\n", err);
}

/* A body served by a callback: all of it, part of it and then a dropped
 * connection (drop_mid_body), or one byte a second (trickle).  Runs in the
 * connection's own thread, outside the state lock. */
typedef struct {
  char *data;
  size_t len, cut; /* cut: bytes to send before failing; len: none */
  int trickle;
} slow_body_t;

static ssize_t slow_read(void *cls, uint64_t pos, char *buf, size_t max) {
  slow_body_t *b = (slow_body_t *)cls;
  size_t n;
  if (pos >= b->cut) return b->cut < b->len ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
  n = b->cut - (size_t)pos;
  if (n > max) n = max;
  if (b->trickle) {
    sleep(1);
    n = 1;
  }
  memcpy(buf, b->data + pos, n);
  return (ssize_t)n;
}

static void slow_free(void *cls) {
  slow_body_t *b = (slow_body_t *)cls;
  free(b->data);
  free(b);
}

static enum MHD_Result reply_slow(struct MHD_Connection *c, const char *type, const char *body, size_t len,
                                  size_t cut, int trickle) {
  slow_body_t *b = calloc(1, sizeof *b);
  struct MHD_Response *r;
  enum MHD_Result ret;
  if (!b || !(b->data = malloc(len + 1))) { free(b); return MHD_NO; }
  memcpy(b->data, body, len);
  b->len = len;
  b->cut = cut;
  b->trickle = trickle;
  r = MHD_create_response_from_callback(len, 1024, slow_read, b, slow_free);
  if (!r) { slow_free(b); return MHD_NO; }
  MHD_add_response_header(r, "Content-Type", type);
  ret = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  last_status = 200;
  return ret;
}

/* Whether the armed fault applies to this request: "match" is a method
 * name (all capitals) or a substring of the path. */
static int fault_matches(const char *method, const char *url) {
  const char *m = json_string_value(json_object_get(fault.spec, "match"));
  const char *p;
  if (!m || !*m) return 1;
  for (p = m; *p >= 'A' && *p <= 'Z'; p++) {}
  return *p == '\0' ? strcmp(method, m) == 0 : strstr(url, m) != NULL;
}

#define INVITATION_JSON "{\"createdAt\":\"2026-11-01T00:00:00Z\",\"expiresAt\":\"2026-12-01T00:00:00Z\"," \
  "\"groupId\":\"32b6e34b3d91647abb20e7b8\",\"groupName\":\"atlas-admin-demo\",\"id\":\"602eb7429955214668d5b025\"," \
  "\"inviterUsername\":\"admin@example.com\",\"roles\":[\"GROUP_OWNER\"],\"username\":\"hello@example.com\"}"

int control_fault(struct MHD_Connection *c, const char *method, const char *url, enum MHD_Result *ret) {
  const char *body, *type, *action;
  json_t *spec;
  long latency;
  if (fault.count <= 0 || !fault_matches(method, url)) return 0;
  if (fault.skip > 0) {
    fault.skip--;
    return 0;
  }
  fault.count--;
  spec = fault.spec;
  action = json_string_value(json_object_get(spec, "action"));
  latency = (long)json_integer_value(json_object_get(spec, "latency_ms"));
  if (latency > 0) usleep((useconds_t)(latency * 1000)); /* added latency, then as below */
  body = json_string_value(json_object_get(spec, "body"));
  type = json_string_value(json_object_get(spec, "content_type"));
  if (!action) {
    const char *b64 = json_string_value(json_object_get(spec, "body_base64"));
    if (!json_object_get(spec, "status")) return 0; /* latency alone: handle normally */
    if (b64) { /* binary bytes (a gzip body, say), given as base64 */
      size_t in = strlen(b64);
      unsigned char *bytes = malloc(in / 4 * 3 + 3);
      int n = bytes ? EVP_DecodeBlock(bytes, (const unsigned char *)b64, (int)in) : -1;
      if (n >= 0) { /* EVP_DecodeBlock counts the padding's bytes too */
        if (in > 0 && b64[in - 1] == '=') n--;
        if (in > 1 && b64[in - 2] == '=') n--;
        *ret = reply_raw(c, fault.status, type, (const char *)bytes, (size_t)n, json_object_get(spec, "headers"), 1);
      } else {
        *ret = reply_raw(c, 500, "text/plain", "bad body_base64", 15, NULL, 0);
      }
      free(bytes);
      return 1;
    }
    if (!body) body = "";
    *ret = reply_raw(c, fault.status, type, body, strlen(body), json_object_get(spec, "headers"), 1);
    return 1;
  }
  if (strcmp(action, "drop_before_status") == 0) {
    last_status = 0;
    *ret = MHD_NO; /* MHD closes the connection: no status line at all */
    return 1;
  }
  if (strcmp(action, "drop_after_handling") == 0) {
    reply_drop_next = 1; /* the route runs (the write happens); its answer is never sent */
    return 0;
  }
  if (strcmp(action, "drop_mid_body") == 0) {
    *ret = reply_slow(c, "application/vnd.atlas.2023-01-01+json;charset=utf-8", INVITATION_JSON,
                      strlen(INVITATION_JSON), strlen(INVITATION_JSON) / 2, 0);
    return 1;
  }
  if (strcmp(action, "trickle") == 0) {
    json_int_t n = json_integer_value(json_object_get(spec, "trickle_bytes"));
    size_t len = strlen(INVITATION_JSON);
    *ret = reply_slow(c, "application/vnd.atlas.2023-01-01+json;charset=utf-8", INVITATION_JSON, len,
                      n > 0 && (size_t)n < len ? (size_t)n : len, 1);
    return 1;
  }
  if (strcmp(action, "oversized") == 0) {
    json_int_t size = json_integer_value(json_object_get(spec, "size"));
    size_t n = size > 16 && size < 256 * 1024 * 1024 ? (size_t)size : 16 * 1024 * 1024;
    char *big = malloc(n);
    if (!big) return 0;
    memset(big, 'x', n);
    memcpy(big, "{\"x\":\"", 6);
    memcpy(big + n - 2, "\"}", 2);
    *ret = reply_raw(c, 200, "application/vnd.atlas.2023-01-01+json;charset=utf-8", big, n, NULL, 1);
    free(big);
    return 1;
  }
  if (strcmp(action, "stale_nonce") == 0 || strcmp(action, "challenge") == 0) {
    *ret = digest_challenge(c, strcmp(action, "stale_nonce") == 0);
    return 1;
  }
  if (strcmp(action, "non_json") == 0) {
    static const char html[] = "<html><body>502 Bad Gateway (a proxy error page)</body></html>";
    *ret = reply_raw(c, 200, "text/html", html, sizeof html - 1, NULL, 1);
    return 1;
  }
  if (strcmp(action, "truncated_json") == 0) {
    *ret = reply_raw(c, 200, "application/vnd.atlas.2023-01-01+json;charset=utf-8", INVITATION_JSON,
                     strlen(INVITATION_JSON) / 2, NULL, 1);
    return 1;
  }
  return 0;
}

static enum MHD_Result ok(struct MHD_Connection *c) {
  return reply_json(c, 200, json_pack("{s:b}", "ok", 1), NULL, 0, 0);
}

static enum MHD_Result arm_fault(struct MHD_Connection *c, const request_t *req) {
  json_error_t e;
  json_t *spec = json_loadb(req->body ? req->body : "", req->len, 0, &e);
  json_t *status = json_object_get(spec, "status");
  int has_other = json_object_get(spec, "action") || json_object_get(spec, "latency_ms");
  if (!json_is_object(spec) || (!has_other && !json_is_integer(status)) ||
      (status && (!json_is_integer(status) || json_integer_value(status) < 100 || json_integer_value(status) > 599))) {
    json_decref(spec);
    return reply_json(c, 400, json_pack("{s:s}", "error", "fault needs {\"status\": 100-599, ...}, an \"action\" "
                                        "or \"latency_ms\""), NULL, 0, 0);
  }
  json_decref(fault.spec);
  fault.spec = spec;
  fault.status = status ? (unsigned)json_integer_value(status) : 200;
  fault.count = json_is_integer(json_object_get(spec, "count")) ? (int)json_integer_value(json_object_get(spec, "count")) : 1;
  fault.skip = json_is_integer(json_object_get(spec, "skip")) ? (int)json_integer_value(json_object_get(spec, "skip")) : 0;
  return ok(c);
}

enum MHD_Result control_handle(struct MHD_Connection *c, const char *url, const char *method,
                               const request_t *req) {
  const char *what = url + strlen("/__mock/");
  if (strcmp(method, "GET") == 0 && strcmp(what, "stats") == 0) {
    return reply_json(c, 200,
                      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "requests", (json_int_t)stats.requests,
                                "challenges", (json_int_t)stats.challenges, "stale_challenges",
                                (json_int_t)stats.stale_challenges, "token_requests",
                                (json_int_t)stats.token_requests, "tokens_issued", (json_int_t)stats.tokens_issued,
                                "revocations", (json_int_t)stats.revocations, "peak_in_flight",
                                (json_int_t)stats.peak_in_flight, "connections", (json_int_t)stats.connections,
                                "routes", stats.routes),
                      NULL, 0, 0);
  }
  if (strcmp(method, "GET") == 0 && strcmp(what, "log") == 0)
    return reply_json(c, 200, json_incref(request_log ? request_log : json_array()), NULL, 0, 0);
  if (strcmp(method, "GET") == 0 && strcmp(what, "state") == 0) {
    /* ?groupId=: the project's invitations, Cloud users (any status) and
     * teams; ?orgId=: the organization's users and teams, API keys and
     * service accounts. */
    const char *gid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "groupId");
    const char *oid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "orgId");
    json_t *p = gid ? store_project(gid) : NULL, *o = oid ? store_org(oid) : NULL;
    if (p)
      return reply_json(c, 200, json_pack("{s:O, s:o, s:O}", "invitations", json_object_get(p, "invitations"), "users",
                                          project_users_view(p), "teams", org_project_teams(p)), NULL, 0, 0);
    if (o)
      return reply_json(c, 200, json_pack("{s:O, s:O, s:o, s:o}", "users", org_users(o), "teams", org_teams(o),
                                          "api_keys", api_keys_view_all(o), "service_accounts",
                                          service_accounts_view_all(o)), NULL, 0, 0);
    return reply_json(c, 404, json_pack("{s:s}", "error", "state needs ?groupId= of a known project or ?orgId= "
                                        "of a known organization"), NULL, 0, 0);
  }
  if (strcmp(method, "POST") != 0)
    return reply_json(c, 404, json_pack("{s:s}", "error", "unknown control endpoint"), NULL, 0, 0);
  if (strcmp(what, "latency") == 0) {
    json_error_t e;
    json_t *spec = json_loadb(req->body ? req->body : "", req->len, 0, &e);
    config.latency_ms = (long)json_integer_value(json_object_get(spec, "ms"));
    config.latency_jitter_ms = (long)json_integer_value(json_object_get(spec, "jitter_ms"));
    json_decref(spec);
    return ok(c);
  }
  if (strcmp(what, "sunset") == 0) {
    json_error_t e;
    json_t *spec = json_loadb(req->body ? req->body : "", req->len, 0, &e);
    sunset_gone = json_is_true(json_object_get(spec, "gone"));
    json_decref(spec);
    return ok(c);
  }
  if (strcmp(what, "reset") == 0) { control_reset_all(); return ok(c); }
  if (strcmp(what, "expire-nonces") == 0) { digest_expire_all(); return ok(c); }
  if (strcmp(what, "expire-tokens") == 0) { oauth_expire_all(); return ok(c); }
  if (strcmp(what, "revoke-tokens") == 0) { oauth_revoke_all(); return ok(c); }
  if (strcmp(what, "fault") == 0) return arm_fault(c, req);
  return reply_json(c, 404, json_pack("{s:s}", "error", "unknown control endpoint"), NULL, 0, 0);
}
