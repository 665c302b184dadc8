/* The /api/atlas routes: authentication, an injected fault, then the
 * resource table below picks the file that answers.  In Atlas's order:
 * authentication (before the body is read) and the caller's IP access
 * list, the fault, the version in Accept, the path and its ids, the
 * project or organization and the caller's role there, then the route
 * itself (its body).
 *
 * Adding a resource is a new file with a handler and one row here. */
#include <stdio.h>
#include <string.h>

#include "server.h"

typedef struct {
  const char *parent;  /* "groups" or "orgs": the path's first segment */
  const char *name;    /* the segment after the parent's id */
  const char *version; /* the first media-type date the resource has */
  int exact_version;   /* only that date is served (the invitations) */
  int v1;              /* also served under /api/atlas/v1.0 */
  int deprecated;      /* answers carry Deprecation/Sunset; 410 after the sunset */
  enum MHD_Result (*handle)(call_t *call, const char *rest);
} resource_t;

static const resource_t resources[] = {
  { "groups", "invites", "2023-01-01", 1, 1, 1, invitations_handle },
  { "groups", "users", USERS_VERSION, 0, 0, 0, project_users_handle },
  { "groups", "teams", "2023-01-01", 0, 0, 0, project_teams_handle },
  { "orgs", "users", USERS_VERSION, 0, 0, 0, org_users_handle },
  { "orgs", "teams", "2023-01-01", 0, 0, 0, teams_handle },
  { "orgs", "groups", "2023-01-01", 0, 0, 0, projects_handle },
  { "orgs", "apiKeys", "2023-01-01", 0, 0, 0, api_keys_org_handle },
  { "groups", "apiKeys", "2023-01-01", 0, 0, 0, api_keys_project_handle },
  { "orgs", "serviceAccounts", "2024-08-05", 0, 0, 0, service_accounts_org_handle },
  { "groups", "serviceAccounts", "2024-08-05", 0, 0, 0, service_accounts_project_handle },
};

static int is_write(const char *method) { return strcmp(method, "GET") != 0; }

enum MHD_Result router_handle(struct MHD_Connection *c, const char *url, const char *method, const request_t *req) {
  call_t call;
  const char *rest, *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  const char *id_start, *slash, *name_start, *after, *role;
  char parent[16], id[64], name[32], addr[64];
  principal_t who = { NULL, NULL, 0 };
  enum MHD_Result ret;
  auth_result_t a;
  const resource_t *r = NULL;
  size_t i, n;

  memset(&call, 0, sizeof call);
  call.c = c;
  call.method = method;
  call.url = url;
  call.req = req;
  if (strncmp(url, "/api/atlas/v1.0/", 16) == 0) { call.v1 = 1; rest = url + 15; }
  else if (strncmp(url, "/api/atlas/v2/", 14) == 0) rest = url + 13;
  else return reply_api_error(c, 404, "RESOURCE_NOT_FOUND", 0, 0, "Cannot find resource %s.", url);
  call.envelope = request_flag(c, "envelope");
  call.pretty = request_flag(c, "pretty");

  /* Authentication comes before anything else, the body included. */
  if (authz && strncmp(authz, "Bearer ", 7) == 0) {
    if (oauth_verify_bearer(authz + 7, &who) != AUTH_OK)
      return reply_api_error(c, 401, "NOT_AUTHORIZED", 0, 0, "Invalid or expired access token.");
  } else if ((a = digest_verify(c, method, url, &who)) != AUTH_OK) {
    return digest_challenge(c, a == AUTH_STALE);
  }
  call.who = who;
  /* A key or account with an access list works only from its addresses
   * (the use is recorded on the entry that admits the request). */
  if (!access_list_admit(&who, c, addr))
    return FAIL(&call, 403, "IP_ADDRESS_NOT_ON_ACCESS_LIST", "IP address %s is not allowed to access this resource.",
                addr[0] ? addr : "(unknown)");
  if (control_fault(c, method, url, &ret)) return ret;

  /* /{parent}/{id}/{name}{rest} */
  n = strcspn(rest + 1, "/");
  id_start = rest + 1 + n;
  if (rest[0] != '/' || *id_start != '/' || n >= sizeof parent)
    return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  memcpy(parent, rest + 1, n);
  parent[n] = '\0';
  slash = strchr(id_start + 1, '/');
  if (!slash || (size_t)(slash - id_start - 1) >= sizeof id)
    return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  memcpy(id, id_start + 1, (size_t)(slash - id_start - 1));
  id[slash - id_start - 1] = '\0';
  name_start = slash + 1;
  n = strcspn(name_start, "/");
  if (n >= sizeof name) return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);
  memcpy(name, name_start, n);
  name[n] = '\0';
  after = name_start + n;
  for (i = 0; i < sizeof resources / sizeof resources[0]; i++)
    if (strcmp(resources[i].parent, parent) == 0 && strcmp(resources[i].name, name) == 0) r = &resources[i];
  if (!r) return FAIL(&call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", url);

  reply_deprecated = r->deprecated;
  if (call.v1 && !r->v1)
    return reply_api_error(c, 406, "INVALID_VERSION_DATE", 0, 0, "Invalid accept header or version date.");
  /* After the sunset (POST /__mock/sunset) every deprecated call is gone. */
  if (r->deprecated && control_sunset())
    return FAIL(&call, 410, "VERSION_GONE", "The API version for this resource has been removed; "
                "use the MongoDB Cloud Users resource of the project instead.");
  if (!call.v1 && !request_accepts_version(c, r->version, r->exact_version))
    return reply_api_error(c, 406, "INVALID_VERSION_DATE", 0, 0, "Invalid accept header or version date.");
  snprintf(call.media, sizeof call.media, "application/vnd.atlas.%s+json;charset=utf-8", r->version);

  if (strcmp(parent, "groups") == 0) {
    if (!request_is_hex24(id)) return FAIL(&call, 400, "INVALID_GROUP_ID", "An invalid group ID %s was specified.", id);
    call.project = store_project(id);
    if (!call.project) return FAIL(&call, 404, "GROUP_NOT_FOUND", "No group with ID %s exists.", id);
    call.org = org_of_project(call.project);
    role = org_caller_project_role(&who, call.project);
    if (!role || (is_write(method) && strcmp(role, "GROUP_OWNER") != 0))
      return FAIL(&call, 401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action.");
  } else {
    if (!request_is_hex24(id)) return FAIL(&call, 400, "INVALID_ORG_ID", "An invalid organization ID %s was specified.", id);
    call.org = store_org(id);
    if (!call.org) return FAIL(&call, 404, "ORG_NOT_FOUND", "No organization with ID %s exists.", id);
    role = org_caller_org_role(&who, call.org);
    if (!role || (is_write(method) && strcmp(role, "ORG_OWNER") != 0))
      return FAIL(&call, 401, "USER_UNAUTHORIZED", "Current user is not authorized to perform this action.");
  }
  return r->handle(&call, after);
}
