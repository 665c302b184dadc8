/* The IP access lists of API keys (2023-01-01) and service accounts
 * (2024-08-05): the same idea with different field names, so one table
 * row per kind (access_kind_t) and one implementation.
 *
 *   GET    .../accessList                 page of entries
 *   POST   .../accessList                 [{ipAddress} | {cidrBlock}, ...] -> 200 page of every entry
 *   GET    .../accessList/{address}       one entry (API keys only: the spec has no such call for accounts)
 *   DELETE .../accessList/{address}       -> 204; never the address the caller itself is using
 *
 * {address} is an IP address or a CIDR block whose '/' the client sends as
 * %2F (the path arrives decoded).  An entry is stored in its kind's API
 * shape; every authenticated request through a key or account with a
 * non-empty list must come from an address on it (else 403
 * IP_ADDRESS_NOT_ON_ACCESS_LIST), and the matching entry records the use
 * (lastUsed/lastUsedAt, lastUsedAddress, count/requestCount). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

const access_kind_t ACCESS_API_KEY = { "created", "lastUsed", "count", 1, 0 };
/* 200 entries per service account: ATLAS.md (limits). */
const access_kind_t ACCESS_SERVICE_ACCOUNT = { "createdAt", "lastUsedAt", "requestCount", 0, 200 };

json_t *access_list_of(json_t *identity) {
  json_t *list = json_object_get(identity, "accessList");
  if (!json_is_array(list)) {
    list = json_array();
    json_object_set_new(identity, "accessList", list);
  }
  return list;
}

typedef struct {
  int family; /* AF_INET or AF_INET6 */
  unsigned char bytes[16];
  int prefix; /* bits; the whole address when no "/N" was given */
  int has_prefix;
} address_t;

/* "192.0.2.10", "10.20.0.0/16", "2001:db8::/32": 1 when well formed. */
static int parse_address(const char *s, address_t *a) {
  char text[64];
  const char *slash = s ? strchr(s, '/') : NULL;
  size_t n = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
  memset(a, 0, sizeof *a);
  if (!s || n == 0 || n >= sizeof text) return 0;
  memcpy(text, s, n);
  text[n] = '\0';
  if (inet_pton(AF_INET, text, a->bytes) == 1) a->family = AF_INET;
  else if (inet_pton(AF_INET6, text, a->bytes) == 1) a->family = AF_INET6;
  else return 0;
  a->prefix = a->family == AF_INET ? 32 : 128;
  if (slash) {
    char *end;
    long p = strtol(slash + 1, &end, 10);
    if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || p < 0 || p > a->prefix) return 0;
    a->prefix = (int)p;
    a->has_prefix = 1;
  }
  return 1;
}

static int covers(const address_t *net, const address_t *host) {
  int bits = net->prefix, i;
  if (net->family != host->family) return 0;
  for (i = 0; bits > 0; i++, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
    if ((net->bytes[i] & mask) != (host->bytes[i] & mask)) return 0;
  }
  return 1;
}

/* The entry's address as the path names it (ipAddress or cidrBlock). */
static const char *entry_address(json_t *e) {
  const char *ip = json_string_value(json_object_get(e, "ipAddress"));
  return ip ? ip : json_string_value(json_object_get(e, "cidrBlock"));
}

static json_t *find_entry(json_t *list, const char *address, size_t *index) {
  json_t *e;
  size_t i;
  json_array_foreach(list, i, e) {
    const char *a = entry_address(e);
    if (a && strcmp(a, address) == 0) {
      if (index) *index = i;
      return e;
    }
  }
  return NULL;
}

static json_t *entry_covering(json_t *list, const address_t *host) {
  json_t *e;
  size_t i;
  json_array_foreach(list, i, e) {
    address_t net;
    if (parse_address(entry_address(e), &net) && covers(&net, host)) return e;
  }
  return NULL;
}

/* The connection's peer address, as text and parsed. */
static int client_address(struct MHD_Connection *c, char text[64], address_t *a) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  text[0] = '\0';
  if (!sa) return 0;
  if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, 64);
  else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, 64);
  return text[0] && parse_address(text, a);
}

int access_list_admit(const principal_t *who, struct MHD_Connection *c, char addr[64]) {
  const access_kind_t *kind = who->account ? &ACCESS_SERVICE_ACCOUNT : &ACCESS_API_KEY;
  json_t *list = json_object_get(who->identity, "accessList"), *e;
  address_t host;
  char now[32];
  int known = client_address(c, addr, &host);
  if (json_array_size(list) == 0) return 1; /* no list: any address (Atlas, unless the org requires one) */
  if (!known || !(e = entry_covering(list, &host))) return 0;
  store_iso_time(time(NULL), now);
  json_object_set_new(e, kind->last_used, json_string(now));
  json_object_set_new(e, "lastUsedAddress", json_string(addr));
  json_object_set_new(e, kind->count, json_integer(json_integer_value(json_object_get(e, kind->count)) + 1));
  return 1;
}

/* The entry as the API shows it: as stored, with a self link for keys. */
static json_t *view(json_t *e, const access_kind_t *kind, const char *list_path) {
  json_t *out = json_deep_copy(e);
  if (kind->links) {
    char href[1024];
    const char *a = entry_address(e), *slash = strchr(a, '/');
    snprintf(href, sizeof href, "%s%s/%.*s%s%s", config.base_url, list_path, (int)(slash ? slash - a : (int)strlen(a)),
             a, slash ? "%2F" : "", slash ? slash + 1 : "");
    json_object_set_new(out, "links", json_pack("[{s:s, s:s}]", "href", href, "rel", "self"));
  }
  return out;
}

/* request_page presents one item at a time: the kind rides along. */
static const access_kind_t *page_kind;

static json_t *present(call_t *call, json_t *e) { return view(e, page_kind, call->url); }

static enum MHD_Result page(call_t *call, json_t *list, const access_kind_t *kind) {
  json_t *all = json_array(), *e;
  size_t i;
  json_array_foreach(list, i, e) json_array_append(all, e);
  page_kind = kind;
  return request_page(call, all, present);
}

/* Checks every entry of the body first, then adds the new ones (an entry
 * the list already has is left as it is, its use included). */
static enum MHD_Result add(call_t *call, json_t *identity, const access_kind_t *kind) {
  static const char *const allowed[] = { "cidrBlock", "ipAddress", NULL };
  enum MHD_Result ret = MHD_NO;
  json_t *body = request_read_json(call, &ret), *e, *list = access_list_of(identity);
  size_t i, fresh = 0;
  char now[32];
  if (!body) return ret;
  if (!json_is_array(body) || json_array_size(body) == 0) {
    json_decref(body);
    return FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: the body must be a non-empty array of "
                "{ipAddress} or {cidrBlock} entries.");
  }
  json_array_foreach(body, i, e) {
    json_t *ip = json_object_get(e, "ipAddress"), *cidr = json_object_get(e, "cidrBlock");
    address_t a;
    if (!json_is_object(e)) {
      json_decref(body);
      return FAIL(call, 400, "INVALID_JSON", "Received JSON is malformed: each entry must be an object.");
    }
    if (!request_only_fields(call, e, allowed, &ret)) {
      json_decref(body);
      return ret;
    }
    if (!ip == !cidr) {
      json_decref(body);
      return ip ? FAIL(call, 400, "INVALID_ATTRIBUTE", "Give ipAddress or cidrBlock in an entry, not both.")
                : FAIL(call, 400, "MISSING_ATTRIBUTE", "Each entry needs ipAddress or cidrBlock.");
    }
    if (!parse_address(json_string_value(ip ? ip : cidr), &a) || (ip && a.has_prefix) || (cidr && !a.has_prefix)) {
      ret = FAIL(call, 400, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION", "%s %s is not a valid %s.", ip ? "ipAddress" : "cidrBlock",
                 json_is_string(ip ? ip : cidr) ? json_string_value(ip ? ip : cidr) : "(not a string)",
                 ip ? "IPv4 or IPv6 address" : "CIDR block (address/prefix)");
      json_decref(body);
      return ret;
    }
    if (!find_entry(list, entry_address(e), NULL)) fresh++;
  }
  if (kind->max && json_array_size(list) + fresh > kind->max) {
    json_decref(body);
    return FAIL(call, 400, "MAX_ACCESS_LIST_ENTRIES_EXCEEDED", "An access list holds at most %zu entries.", kind->max);
  }
  store_iso_time(time(NULL), now);
  json_array_foreach(body, i, e) {
    json_t *entry;
    if (find_entry(list, entry_address(e), NULL)) continue;
    entry = json_deep_copy(e);
    json_object_set_new(entry, kind->created, json_string(now));
    if (!kind->links) json_object_set_new(entry, kind->count, json_integer(0)); /* keys show count once used */
    json_array_append_new(list, entry);
  }
  json_decref(body);
  return page(call, list, kind);
}

enum MHD_Result access_list_handle(call_t *call, json_t *identity, const access_kind_t *kind, const char *rest) {
  json_t *list = access_list_of(identity), *e;
  const char *address;
  address_t a;
  size_t index = 0;
  if (*rest == '\0') {
    if (strcmp(call->method, "GET") == 0) return page(call, list, kind);
    if (strcmp(call->method, "POST") == 0) return add(call, identity, kind);
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  }
  if (rest[0] != '/') return FAIL(call, 404, "RESOURCE_NOT_FOUND", "Cannot find resource %s.", call->url);
  address = rest + 1; /* the rest of the decoded path: a CIDR block holds a '/' */
  if (strcmp(call->method, "DELETE") != 0 && (strcmp(call->method, "GET") != 0 || !kind->links))
    return FAIL(call, 405, "METHOD_NOT_ALLOWED", "Method %s is not allowed here.", call->method);
  if (!parse_address(address, &a))
    return FAIL(call, 400, "PATH_PARAM_PARSE_ERROR", "One or more path parameter in the request URI %s is malformed.",
                call->url);
  e = find_entry(list, address, &index);
  if (!e) return FAIL(call, 404, "ACCESS_LIST_ENTRY_NOT_FOUND", "The access list has no entry %s.", address);
  if (strcmp(call->method, "GET") == 0) {
    char list_path[1024];
    snprintf(list_path, sizeof list_path, "%.*s", (int)(address - 1 - call->url), call->url);
    return request_success(call, 200, view(e, kind, list_path));
  }
  if (call->who.identity == identity) {
    char text[64];
    address_t host, net;
    if (client_address(call->c, text, &host) && parse_address(address, &net) && covers(&net, &host))
      return FAIL(call, 400, "CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY", "You cannot remove %s from this access list: "
                  "your request comes from %s.", address, text);
  }
  json_array_remove(list, index);
  return request_success(call, 204, NULL);
}
