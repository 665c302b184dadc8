/* An organization's projects (2023-01-01):
 *   GET /orgs/{o}/groups[?name=&itemsPerPage&pageNum&includeCount]
 * name filters case-insensitively by prefix, as the spec says. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

static json_t *present(call_t *call, json_t *p) {
  char href[512];
  (void)call;
  snprintf(href, sizeof href, "%s/api/atlas/v2/groups/%s", config.base_url, json_string_value(json_object_get(p, "id")));
  return json_pack("{s:O, s:O, s:O, s:O, s:O, s:[{s:s, s:s}]}", "id", json_object_get(p, "id"), "name",
                   json_object_get(p, "name"), "orgId", json_object_get(p, "orgId"), "created",
                   json_object_get(p, "created"), "clusterCount", json_object_get(p, "clusterCount"), "links", "href",
                   href, "rel", "self");
}

enum MHD_Result projects_handle(call_t *call, const char *rest) {
  const char *name = MHD_lookup_connection_value(call->c, MHD_GET_ARGUMENT_KIND, "name");
  json_t *all, *matches, *p;
  size_t i;
  if (*rest != '\0') return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  if (strcmp(call->method, "GET") != 0)
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  all = org_projects(call->org);
  matches = json_array();
  json_array_foreach(all, i, p) {
    const char *n = json_string_value(json_object_get(p, "name"));
    if (!name || (n && strncasecmp(n, name, strlen(name)) == 0)) json_array_append(matches, p);
  }
  json_decref(all);
  return request_page(call, matches, present);
}
