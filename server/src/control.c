/* /__mock: what tests, the demo and benchmarks use to observe and steer the
 * server.  Never authenticated, never counted in the request statistics.
 *   GET  /__mock/stats           counters and per-route request counts
 *   POST /__mock/reset           counters to zero, fixtures reloaded, nonces and tokens forgotten
 *   POST /__mock/expire-nonces   every nonce is stale from now on
 *   POST /__mock/expire-tokens   every token has expired
 *   POST /__mock/revoke-tokens   every token is revoked
 *   POST /__mock/fault           arm a canned response for the next N API requests
 *   POST /__mock/sunset          {"gone": true|false}: invitation routes answer 410 VERSION_GONE
 *   GET  /__mock/log             the API requests since reset: method, url, status, body
 *   GET  /__mock/state?groupId=  a project's invitations and Cloud users as stored */
#include <stdio.h>
#include <string.h>

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
void control_log(const char *method, const char *url, unsigned status, const request_t *req) {
  json_t *body = NULL;
  if (!request_log) request_log = json_array();
  if (json_array_size(request_log) >= LOG_MAX) return;
  if (req && req->body && req->len && strncmp(url, "/api/oauth/", 11) != 0) {
    json_error_t e;
    body = json_loadb(req->body, req->len, 0, &e);
    if (!body) body = json_stringn(req->body, req->len);
  }
  json_array_append_new(request_log, json_pack("{s:s, s:s, s:i, s:o*}", "method", method, "url", url, "status",
                                               (int)status, "body", body));
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
  json_decref(request_log);
  request_log = json_array();
  if (config.fixtures && store_load(config.fixtures, err, sizeof err) != 0)
    fprintf(stderr, "atlas-local-server: reload failed: %s\n", err);
}

int control_fault(struct MHD_Connection *c, enum MHD_Result *ret) {
  const char *body, *type;
  if (fault.count <= 0) return 0;
  if (fault.skip > 0) {
    fault.skip--;
    return 0;
  }
  fault.count--;
  body = json_string_value(json_object_get(fault.spec, "body"));
  type = json_string_value(json_object_get(fault.spec, "content_type"));
  if (!body) body = "";
  *ret = reply_raw(c, fault.status, type, body, strlen(body), json_object_get(fault.spec, "headers"), 1);
  return 1;
}

static enum MHD_Result ok(struct MHD_Connection *c) {
  return reply_json(c, 200, json_pack("{s:b}", "ok", 1), NULL, 0, 0);
}

static enum MHD_Result arm_fault(struct MHD_Connection *c, const request_t *req) {
  json_error_t e;
  json_t *spec = json_loadb(req->body ? req->body : "", req->len, 0, &e);
  json_t *status = json_object_get(spec, "status");
  if (!json_is_object(spec) || !json_is_integer(status) || json_integer_value(status) < 100 ||
      json_integer_value(status) > 599) {
    json_decref(spec);
    return reply_json(c, 400, json_pack("{s:s}", "error", "fault needs {\"status\": 100-599, ...}"), NULL, 0, 0);
  }
  json_decref(fault.spec);
  fault.spec = spec;
  fault.status = (unsigned)json_integer_value(status);
  fault.count = json_is_integer(json_object_get(spec, "count")) ? (int)json_integer_value(json_object_get(spec, "count")) : 1;
  fault.skip = json_is_integer(json_object_get(spec, "skip")) ? (int)json_integer_value(json_object_get(spec, "skip")) : 0;
  return ok(c);
}

enum MHD_Result control_handle(struct MHD_Connection *c, const char *url, const char *method,
                               const request_t *req) {
  const char *what = url + strlen("/__mock/");
  if (strcmp(method, "GET") == 0 && strcmp(what, "stats") == 0) {
    return reply_json(c, 200,
                      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "requests", (json_int_t)stats.requests,
                                "challenges", (json_int_t)stats.challenges, "stale_challenges",
                                (json_int_t)stats.stale_challenges, "token_requests",
                                (json_int_t)stats.token_requests, "tokens_issued", (json_int_t)stats.tokens_issued,
                                "revocations", (json_int_t)stats.revocations, "routes", stats.routes),
                      NULL, 0, 0);
  }
  if (strcmp(method, "GET") == 0 && strcmp(what, "log") == 0)
    return reply_json(c, 200, json_incref(request_log ? request_log : json_array()), NULL, 0, 0);
  if (strcmp(method, "GET") == 0 && strcmp(what, "state") == 0) {
    const char *gid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "groupId");
    json_t *p = gid ? store_project(gid) : NULL;
    if (!p) return reply_json(c, 404, json_pack("{s:s}", "error", "state needs ?groupId= of a known project"), NULL, 0, 0);
    return reply_json(c, 200, json_pack("{s:O, s:O}", "invitations", json_object_get(p, "invitations"), "users",
                                        json_object_get(p, "users")), NULL, 0, 0);
  }
  if (strcmp(method, "POST") != 0)
    return reply_json(c, 404, json_pack("{s:s}", "error", "unknown control endpoint"), NULL, 0, 0);
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
