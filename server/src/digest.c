/* HTTP Digest (RFC 7616 subset Atlas uses: MD5, qop="auth"), checked with
 * our own code rather than libmicrohttpd's, whose nonces are bound to the
 * URI: Atlas's are not, and clients rely on reusing one nonce across calls.
 *
 * Nonces are random, remembered with their issue time and the highest nc
 * seen; nc must strictly increase (a replay gets a fresh challenge), and a
 * nonce older than --nonce-ttl (or unknown) is refused with stale=true so
 * a client retries with the new nonce without asking for the password. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "server.h"

#define NONCES 4096

typedef struct {
  char value[33];
  time_t issued;
  unsigned long last_nc;
  int expired;
} nonce_t;

static nonce_t nonces[NONCES];
static size_t next_slot; /* ring: the oldest nonce is dropped first */

void md5_hex(const char *data, size_t len, char out[33]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0, i;
  EVP_Digest(data, len, d, &n, EVP_md5(), NULL);
  for (i = 0; i < n && i < 16; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[32] = '\0';
}

void digest_forget_all(void) {
  memset(nonces, 0, sizeof nonces);
  next_slot = 0;
}

void digest_expire_all(void) {
  size_t i;
  for (i = 0; i < NONCES; i++) nonces[i].expired = 1;
}

static nonce_t *find_nonce(const char *value) {
  size_t i;
  for (i = 0; i < NONCES; i++)
    if (nonces[i].value[0] && strcmp(nonces[i].value, value) == 0) return &nonces[i];
  return NULL;
}

enum MHD_Result digest_challenge(struct MHD_Connection *c, int stale) {
  static const char body[] =
    "{\"detail\":\"You are not authorized for this resource.\",\"error\":401,\"errorCode\":\"UNAUTHORIZED\","
    "\"parameters\":[],\"reason\":\"Unauthorized\"}";
  char header[256];
  nonce_t *n = &nonces[next_slot];
  struct MHD_Response *r;
  enum MHD_Result ret;
  next_slot = (next_slot + 1) % NONCES;
  memset(n, 0, sizeof *n);
  store_random_hex(n->value, 16);
  n->issued = time(NULL);
  snprintf(header, sizeof header,
           "Digest realm=\"" REALM "\", domain=\"\", nonce=\"%s\", algorithm=MD5, qop=\"auth\", stale=%s",
           n->value, stale ? "true" : "false");
  stats.challenges++;
  if (stale) stats.stale_challenges++;
  r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "WWW-Authenticate", header);
  MHD_add_response_header(r, "Content-Type", "application/json");
  ret = MHD_queue_response(c, 401, r);
  last_status = 401;
  MHD_destroy_response(r);
  return ret;
}

/* Parses `Digest k=v, k="quoted, value", ...` into fixed slots. */
typedef struct {
  char username[128], realm[64], nonce[64], uri[1024], response[40], qop[16], nc[16], cnonce[128],
      algorithm[16];
} digest_params_t;

static int parse_params(const char *h, digest_params_t *p) {
  memset(p, 0, sizeof *p);
  if (strncmp(h, "Digest ", 7) != 0) return -1;
  h += 7;
  while (*h) {
    char name[32], value[1024];
    size_t n = 0, v = 0;
    char *slot = NULL;
    size_t size = 0;
    while (*h == ' ' || *h == ',' || *h == '\t') h++;
    if (!*h) break;
    while (*h && *h != '=' && n < sizeof name - 1) name[n++] = *h++;
    name[n] = '\0';
    if (*h != '=') return -1;
    h++;
    if (*h == '"') {
      h++;
      while (*h && *h != '"') {
        if (*h == '\\' && h[1]) h++;
        if (v < sizeof value - 1) value[v++] = *h;
        h++;
      }
      if (*h != '"') return -1;
      h++;
    } else {
      while (*h && *h != ',' && *h != ' ')
        if (v < sizeof value - 1) value[v++] = *h++; else h++;
    }
    value[v] = '\0';
#define SLOT(f) if (strcmp(name, #f) == 0) { slot = p->f; size = sizeof p->f; }
    SLOT(username) SLOT(realm) SLOT(nonce) SLOT(uri) SLOT(response) SLOT(qop) SLOT(nc) SLOT(cnonce)
    SLOT(algorithm)
#undef SLOT
    if (slot) {
      if (v >= size) return -1;
      memcpy(slot, value, v + 1);
    }
  }
  return 0;
}

/* Decodes %XX (and '+' as a space when plus_is_space, as for query
 * arguments) in place, as MHD does before handing us the URL. */
static void unescape_as(char *s, int plus_is_space) {
  char *out = s;
  for (; *s; s++) {
    if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
      char hex[3] = { s[1], s[2], 0 };
      *out++ = (char)strtol(hex, NULL, 16);
      s += 2;
    } else {
      *out++ = (plus_is_space && *s == '+') ? ' ' : *s;
    }
  }
  *out = '\0';
}

static void unescape(char *s) { unescape_as(s, 1); }

/* The request's query arguments in the order they came, repeated keys
 * included (orgMembershipStatuses may appear several times). */
typedef struct {
  const char *keys[64], *values[64];
  int n;
} args_t;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  args_t *a = (args_t *)cls;
  (void)kind;
  if (a->n >= 64) return MHD_NO;
  a->keys[a->n] = key;
  a->values[a->n] = value ? value : "";
  a->n++;
  return MHD_YES;
}

/* The digest uri must be this request's target: same path (MHD hands us
 * the path decoded, e.g. a team name's %20), same query (the same
 * arguments in the same order). */
static int uri_matches(struct MHD_Connection *c, const char *url, const char *uri) {
  const char *q = strchr(uri, '?');
  size_t path_len = q ? (size_t)(q - uri) : strlen(uri);
  char query[2048], path[1024];
  char *save = NULL, *pair;
  args_t args;
  int i = 0;
  if (path_len >= sizeof path) return 0;
  memcpy(path, uri, path_len);
  path[path_len] = '\0';
  unescape_as(path, 0);
  if (strcmp(url, path) != 0) return 0;
  args.n = 0;
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
  if (!q) return args.n == 0;
  if (strlen(q + 1) >= sizeof query) return 0;
  snprintf(query, sizeof query, "%s", q + 1);
  for (pair = strtok_r(query, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(pair, '=');
    if (eq) {
      *eq = '\0';
      unescape(eq + 1);
    }
    unescape(pair);
    if (i >= args.n || strcmp(args.keys[i], pair) != 0 || strcmp(args.values[i], eq ? eq + 1 : "") != 0) return 0;
    i++;
  }
  return i == args.n;
}

static int equal_constant_time(const char *a, const char *b, size_t n) {
  unsigned char d = 0;
  size_t i;
  for (i = 0; i < n; i++) d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

auth_result_t digest_verify(struct MHD_Connection *c, const char *method, const char *url,
                            principal_t *who) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  digest_params_t p;
  json_t *key;
  nonce_t *n;
  char buf[2048], ha1[33], ha2[33], expect[33];
  unsigned long nc;
  char *end;
  if (!h) return AUTH_MISSING;
  if (parse_params(h, &p) != 0 || !p.username[0] || !p.nonce[0] || !p.response[0]) return AUTH_BAD;
  if (strcmp(p.realm, REALM) != 0 || strcmp(p.qop, "auth") != 0 || !p.cnonce[0]) return AUTH_BAD;
  if (p.algorithm[0] && strcasecmp(p.algorithm, "MD5") != 0) return AUTH_BAD;
  if (!uri_matches(c, url, p.uri)) return AUTH_BAD;
  n = find_nonce(p.nonce);
  if (!n || n->expired || difftime(time(NULL), n->issued) > config.nonce_ttl) return AUTH_STALE;
  nc = strtoul(p.nc, &end, 16);
  if (!p.nc[0] || *end) return AUTH_BAD;
  key = store_api_key(p.username);
  if (!key) return AUTH_BAD;
  snprintf(buf, sizeof buf, "%s:%s:%s", p.username, REALM, json_string_value(json_object_get(key, "private_key")));
  md5_hex(buf, strlen(buf), ha1);
  snprintf(buf, sizeof buf, "%s:%s", method, p.uri);
  md5_hex(buf, strlen(buf), ha2);
  snprintf(buf, sizeof buf, "%s:%s:%s:%s:auth:%s", ha1, p.nonce, p.nc, p.cnonce, ha2);
  md5_hex(buf, strlen(buf), expect);
  if (strlen(p.response) != 32 || !equal_constant_time(expect, p.response, 32)) return AUTH_BAD;
  /* Checked after the hash so a replay cannot be used to probe keys. */
  if (nc <= n->last_nc) return AUTH_BAD;
  n->last_nc = nc;
  who->name = json_string_value(json_object_get(key, "public_key"));
  who->identity = key;
  who->account = 0;
  return AUTH_OK;
}
