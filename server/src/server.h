/* atlas-local-server: shared declarations.
 *
 * The server is single-threaded (one MHD polling thread), so the state below
 * needs no locking.  Each file owns one job:
 *   main.c     options, daemon start/stop, the request entry point
 *   store.c    fixtures: projects, invitations, API keys, service accounts
 *   digest.c   HTTP Digest verification (our own code) and the nonce table
 *   oauth.c    the token and revoke endpoints, the token table
 *   api.c      the /api/atlas routes (invitations) and the shared request checks
 *   users.c    the MongoDB Cloud users of a project (2025-02-19)
 *   control.c  /__mock: stats, reset, expiry, fault injection
 *   reply.c    building responses (JSON, Atlas errors, common headers)
 */
#ifndef ATLAS_LOCAL_SERVER_H
#define ATLAS_LOCAL_SERVER_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#define REALM "MMS Public API"

typedef struct {
  const char *fixtures;
  double nonce_ttl, token_ttl;
  int token_rate, token_cap, quiet;
  char base_url[64];
  long latency_ms, start_latency_ms; /* added to every /api/atlas route */
  long latency_jitter_ms;            /* plus 0..this at random per request (/__mock/latency only) */
} config_t;

extern config_t config;

/* One request as the handler accumulates it. */
typedef struct {
  char *body;
  size_t len, cap;
  int too_large;
} request_t;

/* Who a request authenticated as: an API key or a service account. */
typedef struct {
  json_t *roles; /* { groupId: "GROUP_OWNER" | "GROUP_READ_ONLY" } (borrowed) */
  const char *name;
} principal_t;

/* ---- store.c ---- */
int store_load(const char *path, char *err, size_t errlen);
json_t *store_project(const char *group_id);     /* borrowed, or NULL */
json_t *store_root(void);                        /* the whole fixture document (borrowed) */
json_t *store_api_key(const char *public_key);   /* borrowed, or NULL */
json_t *store_service_account(const char *client_id);
int store_role_known(const char *role);
void store_iso_time(time_t t, char out[32]);
void store_random_hex(char *out, size_t bytes);   /* out: 2*bytes+1 */

/* ---- stats (control.c) ---- */
typedef struct {
  long requests, challenges, stale_challenges, token_requests, tokens_issued, revocations;
  long ratelimit_remaining;
  long peak_in_flight; /* most /api/atlas requests in progress at once since reset */
  long connections;    /* connections that carried an /api request, counted at their first one */
  json_t *routes;
} stats_t;
extern stats_t stats;
void stats_count_route(const char *method, const char *url);
enum MHD_Result control_handle(struct MHD_Connection *c, const char *url, const char *method,
                               const request_t *req);
/* Non-zero (and a queued response) when a fault is armed for this request. */
int control_fault(struct MHD_Connection *c, const char *method, const char *url, enum MHD_Result *ret);
void control_reset_all(void);
int control_sunset(void); /* non-zero once POST /__mock/sunset {"gone": true} */
void control_log(const char *method, const char *url, unsigned status, const request_t *req);
extern unsigned last_status; /* set by reply_raw: the status of the response just queued */

/* ---- digest.c ---- */
typedef enum { AUTH_OK, AUTH_MISSING, AUTH_BAD, AUTH_STALE } auth_result_t;
auth_result_t digest_verify(struct MHD_Connection *c, const char *method, const char *url,
                            principal_t *who);
enum MHD_Result digest_challenge(struct MHD_Connection *c, int stale);
void digest_forget_all(void);
void digest_expire_all(void);
void md5_hex(const char *data, size_t len, char out[33]);

/* ---- oauth.c ---- */
enum MHD_Result oauth_handle(struct MHD_Connection *c, const char *url, const request_t *req);
auth_result_t oauth_verify_bearer(const char *token, principal_t *who);
void oauth_forget_all(void);
void oauth_expire_all(void);
void oauth_revoke_all(void);
int parse_basic(struct MHD_Connection *c, char *user, size_t ul, char *pass, size_t pl);

/* ---- api.c ---- */
/* One API call as the routes see it. */
typedef struct {
  struct MHD_Connection *c;
  const char *method, *url;
  int v1, envelope, pretty;
  json_t *project;
  const request_t *req;
  const char *media; /* success content type; NULL: the invitations' 2023-01-01 */
} call_t;

#define FAIL(call, status, code, ...) \
  reply_api_error((call)->c, status, code, (call)->envelope, (call)->pretty, __VA_ARGS__)

enum MHD_Result api_handle(struct MHD_Connection *c, const char *url, const char *method,
                           const request_t *req);
enum MHD_Result api_success(call_t *call, unsigned status, json_t *body);
json_t *api_read_object(call_t *call, enum MHD_Result *ret);
int api_check_role(call_t *call, json_t *v, const char *field, enum MHD_Result *ret);
int api_check_fields(call_t *call, json_t *body, const char *const *allowed, int need_username,
                     enum MHD_Result *ret);
int api_flag(struct MHD_Connection *c, const char *name);
int api_is_hex24(const char *s, size_t len);
int api_plausible_email(const char *s);

/* ---- users.c ---- */
enum MHD_Result users_handle(call_t *call, const char *rest);
int users_accepts_version(struct MHD_Connection *c);
void users_prepare_fixtures(json_t *root);

/* ---- reply.c ---- */
/* Whether the route being answered is deprecated (the invitations): its
 * responses carry Deprecation and Sunset.  Set per request by api.c. */
extern int reply_deprecated;
/* Set by the drop_after_handling fault: the next reply is not sent and the
 * connection is closed (the route's write has happened). */
extern int reply_drop_next;
enum MHD_Result reply_raw(struct MHD_Connection *c, unsigned status, const char *content_type,
                          const char *body, size_t len, json_t *headers, int api_headers);
/* Takes ownership of body. */
enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *body,
                           const char *content_type, int pretty, int api_headers);
/* An Atlas ApiError; detail is printf-style. */
enum MHD_Result reply_api_error(struct MHD_Connection *c, unsigned status, const char *code,
                                int envelope, int pretty, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
const char *reason_phrase(unsigned status);

#endif
