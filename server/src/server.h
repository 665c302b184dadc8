/* atlas-local-server: shared declarations.
 *
 * Requests are served one thread per connection, all state behind one
 * lock taken in main.c, so nothing below locks.  Each file owns one job,
 * and calls run one way: main -> router -> resource files -> request, org,
 * store, reply.
 *   main.c           options, daemon start/stop, the request entry point
 *   store.c          fixtures: organizations, projects, API keys, service accounts
 *   org.c            the organization model: users, teams, who holds what
 *   digest.c         HTTP Digest verification (our own code) and the nonce table
 *   oauth.c          the token and revoke endpoints, the token table
 *   router.c         /api/atlas: auth, faults, version, ids, permission; the resource table
 *   request.c        what every route shares: bodies, roles, statuses, pages, answers
 *   invitations.c    legacy project invitations (2023-01-01, v1.0)
 *   project_users.c  the Cloud users of a project: a view of org users (2025-02-19)
 *   org_users.c      the users of an organization (2025-02-19)
 *   teams.c          an organization's teams (2023-01-01) and their users (2025-02-19)
 *   project_teams.c  the teams of a project and their roles (2023-01-01)
 *   projects.c       an organization's projects (2023-01-01)
 *   identities.c     API keys and service accounts as org identities: their roles
 *   api_keys.c       an org's API keys and a project's (2023-01-01)
 *   service_accounts.c  an org's service accounts, their secrets, a project's (2024-08-05)
 *   access_lists.c   the IP access lists of both, checked and recorded at each request
 *   control.c        /__mock: stats, reset, expiry, fault injection, state
 *   reply.c          building responses (JSON, Atlas errors, common headers)
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
  const char *name;
  json_t *identity; /* the stored API key or service account (borrowed); its roles: identities.c */
  int account;      /* 1: a service account (bearer token), 0: an API key (digest) */
} principal_t;

/* ---- store.c: fixtures and lookups ---- */
int store_load(const char *path, char *err, size_t errlen);
json_t *store_project(const char *group_id);     /* borrowed, or NULL */
json_t *store_org(const char *org_id);           /* borrowed, or NULL */
json_t *store_root(void);                        /* the whole fixture document (borrowed) */
json_t *store_api_key(const char *public_key);   /* borrowed, or NULL */
json_t *store_service_account(const char *client_id);
int store_role_known(const char *role);          /* a project role */
int store_org_role_known(const char *role);      /* an organization role */
void store_fill_user(json_t *u);                 /* the fields a user's status implies */
void store_iso_time(time_t t, char out[32]);
int store_relative_time(const char *s, time_t now, time_t *out); /* "-365d", "+3d", "-2h", "-30m", "now" */
int store_parse_time(const char *s, time_t *out);                /* ISO 8601 UTC */
void store_random_hex(char *out, size_t bytes);   /* out: 2*bytes+1 */

/* ---- org.c: the organization model (users, teams, project teams) ---- */
json_t *org_of_project(json_t *project);
json_t *org_users(json_t *org);
json_t *org_teams(json_t *org);
json_t *org_projects(json_t *org);               /* a new array */
json_t *org_find_user(json_t *org, const char *key, const char *value, size_t *index);
const char *org_user_status(json_t *u);
int org_user_member(json_t *u);                  /* ACTIVE or PENDING */
json_t *org_user_org_roles(json_t *u);
int org_user_has_org_role(json_t *u, const char *role);
json_t *org_user_project_roles(json_t *u, const char *group_id, size_t *index);
void org_user_set_project_roles(json_t *u, const char *group_id, json_t *roles);
json_t *org_new_user(json_t *org, const char *username, json_t *org_roles);
void org_remove_user(json_t *org, size_t index);
json_t *org_find_team(json_t *org, const char *key, const char *value, size_t *index);
void org_delete_team(json_t *org, size_t index);
int org_user_in_team(json_t *u, const char *team_id);
void org_user_join_team(json_t *u, const char *team_id);
void org_user_leave_team(json_t *u, const char *team_id);
size_t org_team_size(json_t *org, const char *team_id);
json_t *org_project_teams(json_t *project);
json_t *org_project_team(json_t *project, const char *team_id, size_t *index);
const char *org_caller_project_role(const principal_t *who, json_t *project);
const char *org_caller_org_role(const principal_t *who, json_t *org);

/* ---- identities.c: API keys and service accounts as org identities ----
 * Both store their roles as the API shows a key's: [{orgId | groupId,
 * roleName}] (a fixture may write {id: role | [roles]}). */
void identity_normalize_roles(json_t *ident);
json_t *identity_roles_in(json_t *ident, const char *scope, const char *id); /* scope "orgId"/"groupId"; new array */
int identity_has_role(json_t *ident, const char *scope, const char *id, const char *role);
void identity_set_roles(json_t *ident, const char *scope, const char *id, json_t *roles); /* NULL/empty: none */
int identity_in_org(json_t *ident, json_t *org);        /* holds an org role there */
json_t *identity_roles_view(json_t *ident, json_t *org); /* its roles in org and org's projects (new) */
json_t *identity_find(const char *list, const char *key, const char *value, size_t *index);
int identity_project_of_org(const char *group_id, json_t *org);
void identity_fixed_id(char out[25], unsigned long kind, size_t n); /* a deterministic 24-hex id */
void api_keys_load(json_t *key, size_t index);          /* api_keys.c: fixture defaults */
void service_accounts_load(json_t *account, size_t index, time_t now); /* service_accounts.c */
json_t *service_account_secret(json_t *account, const char *secret); /* the live secret with that value */

/* ---- access_lists.c ---- */
typedef struct {
  const char *created, *last_used, *count; /* the field names of one kind's entries */
  int links;                               /* entries carry links (API keys) */
  size_t max;                              /* entries per identity, 0: no limit */
} access_kind_t;
extern const access_kind_t ACCESS_API_KEY, ACCESS_SERVICE_ACCOUNT;
json_t *access_list_of(json_t *identity); /* creates it when missing */
/* Non-zero when the caller's address may use this identity (an empty list
 * admits any); records the use on the matching entry.  addr: the text. */
int access_list_admit(const principal_t *who, struct MHD_Connection *c, char addr[64]);

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
/* Appends the request to /__mock/log: method, url, status, body, and the
 * User-Agent, Accept-Encoding and Expect it carried (null when absent). */
void control_log(struct MHD_Connection *c, const char *method, const char *url, unsigned status,
                 const request_t *req);
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

/* ---- request.c: what every route shares ---- */
#define USERS_VERSION "2025-02-19"
#define USERS_MEDIA "application/vnd.atlas." USERS_VERSION "+json;charset=utf-8"

/* One API call as the routes see it. */
typedef struct {
  struct MHD_Connection *c;
  const char *method, *url;
  int v1, envelope, pretty;
  json_t *project; /* groups routes: the project (borrowed) */
  json_t *org;     /* the organization: the route's, or the project's */
  const request_t *req;
  principal_t who; /* the caller */
  char media[64]; /* success content type (v2) */
} call_t;

#define FAIL(call, status, code, ...) \
  reply_api_error((call)->c, status, code, (call)->envelope, (call)->pretty, __VA_ARGS__)

typedef struct {
  const char *wanted[8];
  int n, bad;
  const char *bad_value;
} status_filter_t;

int request_flag(struct MHD_Connection *c, const char *name);
int request_is_hex24(const char *s);
int request_plausible_email(const char *s);
int request_accepts_version(struct MHD_Connection *c, const char *first, int exact);
enum MHD_Result request_success(call_t *call, unsigned status, json_t *body); /* takes body */
json_t *request_read_json(call_t *call, enum MHD_Result *ret);
json_t *request_read_object(call_t *call, enum MHD_Result *ret);
int request_only_fields(call_t *call, json_t *object, const char *const *allowed, enum MHD_Result *ret);
const char *request_email_field(call_t *call, json_t *object, const char *field, enum MHD_Result *ret);
int request_check_role(call_t *call, json_t *v, const char *field, int org_role, enum MHD_Result *ret);
int request_check_roles(call_t *call, json_t *v, const char *field, int org_roles, int allow_empty,
                        enum MHD_Result *ret);
long request_int_arg(struct MHD_Connection *c, const char *name, long dflt, long min, long max);
int request_statuses(call_t *call, status_filter_t *f, enum MHD_Result *ret);
int request_status_wanted(const status_filter_t *f, const char *s);
/* One page of matches (taken), each shown through present. */
enum MHD_Result request_page(call_t *call, json_t *matches, json_t *(*present)(call_t *, json_t *));

/* ---- router.c and one file per resource ---- */
enum MHD_Result router_handle(struct MHD_Connection *c, const char *url, const char *method,
                              const request_t *req);
enum MHD_Result invitations_handle(call_t *call, const char *rest);   /* invitations.c */
enum MHD_Result project_users_handle(call_t *call, const char *rest); /* project_users.c */
json_t *project_users_view(json_t *project);
enum MHD_Result project_teams_handle(call_t *call, const char *rest); /* project_teams.c */
enum MHD_Result org_users_handle(call_t *call, const char *rest);     /* org_users.c */
enum MHD_Result teams_handle(call_t *call, const char *rest);         /* teams.c */
enum MHD_Result projects_handle(call_t *call, const char *rest);      /* projects.c */
enum MHD_Result api_keys_org_handle(call_t *call, const char *rest);         /* api_keys.c */
enum MHD_Result api_keys_project_handle(call_t *call, const char *rest);
json_t *api_keys_view_all(json_t *org);                                      /* for /__mock/state */
enum MHD_Result service_accounts_org_handle(call_t *call, const char *rest); /* service_accounts.c */
enum MHD_Result service_accounts_project_handle(call_t *call, const char *rest);
json_t *service_accounts_view_all(json_t *org);
/* access_lists.c: GET/POST .../accessList and GET/DELETE .../accessList/{address} */
enum MHD_Result access_list_handle(call_t *call, json_t *identity, const access_kind_t *kind, const char *rest);
int request_path_id(call_t *call, const char *rest, char *id, size_t cap, const char **after, enum MHD_Result *ret);
int request_string_field(call_t *call, json_t *object, const char *field, size_t max, int required,
                         int name_chars, enum MHD_Result *ret);

/* ---- reply.c ---- */
/* Whether the route being answered is deprecated (the invitations): its
 * responses carry Deprecation and Sunset.  Set per request by router.c. */
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
