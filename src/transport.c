/* The libcurl transport.
 *
 * core.transport(opts, credential) -> transport
 *   opts: timeout, connect_timeout (seconds), max_response_bytes,
 *         max_header_bytes, low_speed_limit (bytes/s), low_speed_time (s),
 *         user_agent, ca_file, ca_path, proxy, trace (boolean)
 * transport:send(method, url, headers, body, bearer [, once])
 *   -> status, headers, body, info | nil, curl_code, message, info
 *   once: the request must not be sent twice (a create): it goes on a fresh
 *   connection, where libcurl never resends it by itself.
 *   headers: { ["Name"] = "value" }; body: string or nil;
 *   bearer: an optional bearer credential whose token is sent as
 *   Authorization (service accounts swap it as tokens rotate).
 * transport:oauth(...)  the OAuth token and revoke requests: oauth.c
 * transport:finish()
 *   -> as send, for the batch transfer (multi.c: multi:add) that completed
 *   on this transport; the transport is busy from multi:add until then.
 * transport:close()  (idempotent; also __gc; a multi still holding the
 *   handle takes it back first, through the detach callback it left)
 *
 * The answer to a create that returns a once-only secret (an API key's
 * privateKey, a service account's secret: secret_body.h) comes back with
 * the value replaced by "<secret>" in the body and the value itself in a
 * created-secret credential (core.take_secret(headers)).
 *
 * info: { total_time, new_connections, request_sent, response_started
 *         [, exchanges = {...} with trace = true] }  (trace_collect.c;
 *         the events users see: docs/api.md, "The trace client option")
 *
 * This file: the easy handle's options, the body and header callbacks,
 * request setup and result collection.  Which request headers may be sent
 * and which values are redacted: header_rules.c; the response head into a
 * table: response_head.c (the nginx transport uses both too).  Trace
 * collection is in trace_collect.c, the OAuth exchange in oauth.c, batches in
 * multi.c; transport.c calls none of the last two (transport_internal.h).
 *
 * Why one easy handle, never reset: libcurl keeps the connection and the
 * digest nonce on the handle, so after the first challenge every call is a
 * single round trip with Authorization sent up front (nc incremented).
 *
 * Memory discipline: the userdata is created (with __gc) before the handle;
 * the header list and the buffers hang off the userdata, so a Lua error
 * raised at any point cannot leak them.  The libcurl callbacks only append
 * to those buffers and never call Lua.  A transfer is performed first and
 * its results pushed afterwards: whatever must be undone after a transfer
 * (credentials on the handle, the secret form, the Authorization line) is
 * undone between the two, before anything that can raise.
 */
#include "transport.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "buffer.h"
#include "compat.h"
#include "credential.h"
#include "header_rules.h"
#include "response_head.h"
#include "secret_body.h"
#include "trace_collect.h"
#include "transport_internal.h"

/* Open handles in this process, for the GC spec and leak hunting.  Atomic:
 * every Lua state of the process (nginx workers' threads, embedders)
 * changes it. */
static atomic_int open_transports;

transport_t *transport_check_idle(lua_State *L, int idx) {
  transport_t *t = (transport_t *)luaL_checkudata(L, idx, TRANSPORT_MT);
  if (!t->curl) luaL_error(L, "atlas-admin: the client is closed");
  /* Its handle belongs to a multi until that transfer completes. */
  if (t->batch.owner) luaL_error(L, "atlas-admin: this transport has a transfer in progress in a batch");
  t->batch.done = 0; /* an uncollected batch result (an aborted batch) is dropped */
  return t;
}

static transport_t *check_open(lua_State *L) { return transport_check_idle(L, 1); }

/* Wipes and frees a list of header lines: it may carry a bearer token. */
static void free_lines(struct curl_slist *list) {
  struct curl_slist *h;
  for (h = list; h; h = h->next) buffer_wipe_bytes(h->data, strlen(h->data));
  curl_slist_free_all(list);
}

/* Unhooks the bearer line (attach_bearer: one block of ours, not
 * libcurl's) and wipes and frees it. */
static void detach_bearer(transport_t *t) {
  struct curl_slist *node;
  if (!t->last_fixed || !(node = t->last_fixed->next)) return;
  t->last_fixed->next = NULL;
  buffer_wipe_bytes(node->data, strlen(node->data));
  free(node);
}

void transport_free_headers(transport_t *t) {
  detach_bearer(t);
  if (t->curl && t->headers) curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, NULL);
  free_lines(t->headers);
  t->headers = t->last_fixed = NULL;
  free(t->lines);
  t->lines = NULL;
  t->lines_len = 0;
}

/* ---- libcurl callbacks (pure C) --------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  transport_t *t = (transport_t *)ud;
  size_t len = size * n;
  if (len > t->max_response - t->body.len) {
    t->too_large = 1;
    return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
  }
  return buffer_append(&t->body, data, len) == 0 ? len : 0;
}

/* libcurl reports the headers of every response of a transfer (a digest
 * 401, a 100 Continue, then the final one).  A status line starts a new
 * response: keep only the last response's headers and body. */
static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  transport_t *t = (transport_t *)ud;
  size_t len = size * n;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    buffer_clear(&t->head);
    buffer_clear(&t->body);
  }
  if (len > t->max_header - t->head.len) {
    t->header_too_large = 1;
    return 0;
  }
  return buffer_append(&t->head, data, len) == 0 ? len : 0;
}

/* ---- construction ----------------------------------------------------- */

/* Number option at opts[name] (nil -> dflt); must be finite. */
static double opt_number(lua_State *L, const char *name, double dflt) {
  double v;
  int isnum;
  lua_getfield(L, 1, name);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  v = lua_tonumberx(L, -1, &isnum);
  lua_pop(L, 1);
  if (!isnum || !isfinite(v)) luaL_error(L, "atlas-admin: transport option %s must be a finite number", name);
  return v;
}

/* Seconds -> milliseconds for libcurl, where 0 means "no timeout": a
 * positive value under 1 ms is rounded up to 1 ms, never down to 0. */
static long checked_ms(lua_State *L, double seconds, const char *name) {
  double ms = ceil(seconds * 1000.0);
  if (!(seconds > 0)) luaL_error(L, "atlas-admin: transport option %s must be positive", name);
  if (ms > (double)(LONG_MAX / 2)) luaL_error(L, "atlas-admin: transport option %s is too large", name);
  return ms < 1 ? 1 : (long)ms;
}

static size_t checked_size(lua_State *L, double v, const char *name, size_t min, size_t max) {
  if (v < (double)min || v > (double)max) {
    char msg[160];
    snprintf(msg, sizeof msg, "atlas-admin: transport option %s must be between %zu and %zu", name, min, max);
    lua_pushstring(L, msg);
    lua_error(L);
  }
  return (size_t)v;
}

/* Pushes opts[name] and returns it as a C string, or NULL (and pushes
 * nothing) when absent.  The value stays on the stack, so the pointer stays
 * valid until the caller pops it, after libcurl has copied it. */
static const char *opt_string(lua_State *L, const char *name) {
  size_t len;
  const char *v;
  lua_getfield(L, 1, name);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "atlas-admin: transport option %s must be a string", name);
  v = lua_tolstring(L, -1, &len);
  if (strlen(v) != len) luaL_error(L, "atlas-admin: transport option %s contains a NUL byte", name);
  return v;
}

static int opt_boolean(lua_State *L, const char *name) {
  int v;
  lua_getfield(L, 1, name);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

static void set_secret_buffers(transport_t *t) {
  t->body.secret = 1; /* an OAuth token response */
  t->form.secret = 1; /* a token being revoked (oauth.c) */
  t->head.secret = 1; /* cookies, if a proxy or server sets any */
}

/* "Name: value" in malloc'd memory, or NULL when out of memory. */
static char *header_line(const char *name, const char *value) {
  size_t nl = strlen(name), vl = strlen(value);
  char *line = malloc(nl + 2 + vl + 1);
  if (!line) return NULL;
  memcpy(line, name, nl);
  memcpy(line + nl, ": ", 2);
  memcpy(line + nl + 2, value, vl + 1);
  return line;
}

/* Compression: gzip, when this libcurl has zlib (as Go's net/http asks:
 * every server that compresses speaks it; a listing of 500 users shrinks
 * about tenfold).  Empty when libcurl cannot decode it. */
static const char *accept_encoding(void) {
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  return (v->features & CURL_VERSION_LIBZ) ? "gzip" : NULL;
}

static int l_transport(lua_State *L) {
  transport_t *t;
  credential_t *cred;
  const char *ua, *ca_file, *ca_path, *proxy;
  long timeout_ms, connect_ms, low_speed_time;
  double low_speed_limit;
  size_t max_response, max_header;
  int trace;
  CURLcode rc = CURLE_OK;

  luaL_checktype(L, 1, LUA_TTABLE);
  cred = credential_check(L, 2);
  lua_settop(L, 2);
  timeout_ms = checked_ms(L, opt_number(L, "timeout", 30), "timeout");
  connect_ms = checked_ms(L, opt_number(L, "connect_timeout", 10), "connect_timeout");
  max_response = checked_size(L, opt_number(L, "max_response_bytes", (double)DEFAULT_MAX_RESPONSE),
                              "max_response_bytes", 1024, MAX_RESPONSE_LIMIT);
  max_header = checked_size(L, opt_number(L, "max_header_bytes", (double)DEFAULT_MAX_HEADER), "max_header_bytes",
                            1024, MAX_HEADER_LIMIT);
  low_speed_limit = opt_number(L, "low_speed_limit", 1);
  low_speed_time = (long)ceil(opt_number(L, "low_speed_time", 30));
  if (low_speed_limit < 0 || low_speed_limit > 1e9 || low_speed_time < 1 || low_speed_time > 86400)
    return luaL_error(L, "atlas-admin: low_speed_limit must be 0..1e9 bytes/s and low_speed_time 1..86400 s");
  trace = opt_boolean(L, "trace");
  /* The strings stay on the stack (above opts and cred) until libcurl
   * has copied them: a converted or computed value popped early could be
   * collected before curl_easy_setopt reads it. */
  ua = opt_string(L, "user_agent");
  if (ua && !header_text_valid(ua, strlen(ua)))
    return luaL_error(L, "atlas-admin: transport option user_agent contains CR or LF");
  ca_file = opt_string(L, "ca_file");
  ca_path = opt_string(L, "ca_path");
  proxy = opt_string(L, "proxy");

  /* The userdata and its __gc first, then the handle. */
  t = (transport_t *)lua_newuserdata(L, sizeof *t);
  memset(t, 0, sizeof *t);
  luaL_getmetatable(L, TRANSPORT_MT);
  lua_setmetatable(L, -2);
  set_secret_buffers(t);
  t->max_response = max_response;
  t->max_header = max_header;
  t->trace = trace;
  t->tr.max_head = max_header;
  t->tr.max_body = max_response;
  t->curl = curl_easy_init();
  if (!t->curl) return luaL_error(L, "atlas-admin: curl_easy_init failed (out of memory?)");
  atomic_fetch_add(&open_transports, 1);

#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, opt, val)
  SET(CURLOPT_NOSIGNAL, 1L);          /* no SIGALRM: threads and nginx */
  SET(CURLOPT_ERRORBUFFER, t->errbuf);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, t);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, t);
  SET(CURLOPT_TIMEOUT_MS, timeout_ms);
  SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  /* A server that trickles bytes is abandoned (the total timeout bounds
   * it too; this ends it sooner when the timeout is long). */
  if (low_speed_limit > 0 && low_speed_time * 1000 < timeout_ms) {
    /* only when it can fire before the total timeout (by default the two
     * are equal, and libcurl would measure the speed for nothing) */
    SET(CURLOPT_LOW_SPEED_LIMIT, (long)low_speed_limit);
    SET(CURLOPT_LOW_SPEED_TIME, low_speed_time);
  }
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_response);
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_FOLLOWLOCATION, 0L);    /* a redirect would resend credentials */
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  /* TLS verification stays on; ca_file/ca_path only change which CAs are trusted. */
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_file) SET(CURLOPT_CAINFO, ca_file);
  if (ca_path) SET(CURLOPT_CAPATH, ca_path);
  /* Without a proxy option libcurl reads the standard *_proxy variables. */
  if (proxy) SET(CURLOPT_PROXY, proxy);
  /* User-Agent and Accept-Encoding travel as fixed header lines, built
   * once here: set as options, libcurl formats both lines again for every
   * request.  ACCEPT_ENCODING is still set: it is what turns decoding of a
   * compressed answer on (libcurl sends our line instead of its own). */
  if (ua && !(t->ua_line = header_line("User-Agent", ua)))
    return luaL_error(L, "atlas-admin: out of memory");
  if (accept_encoding()) {
    SET(CURLOPT_ACCEPT_ENCODING, accept_encoding());
    snprintf(t->ae_line, sizeof t->ae_line, "Accept-Encoding: %s", accept_encoding());
  }
  if (trace) {
    SET(CURLOPT_DEBUGFUNCTION, trace_on_debug);
    SET(CURLOPT_DEBUGDATA, &t->tr);
    SET(CURLOPT_VERBOSE, 1L);
  }
  if (cred->kind == CREDENTIAL_DIGEST) {
    /* libcurl copies both strings; it answers the challenge and then
     * reuses the nonce on this handle. */
    SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
    SET(CURLOPT_USERNAME, credential_id(cred));
    SET(CURLOPT_PASSWORD, credential_secret(cred));
  }
#undef SET
  if (rc != CURLE_OK)
    return luaL_error(L, "atlas-admin: libcurl rejected an option: %s", curl_easy_strerror(rc));
  /* libcurl holds its own copies now; the transport is on top. */
  return 1;
}

/* ---- a request --------------------------------------------------------- */

/* Methods are upper-case tokens; URLs are absolute http(s) without space,
 * control bytes or NUL.  The Lua layer builds both; the core checks them
 * again so it is safe when called on its own. */
static void check_method(lua_State *L, int idx) {
  size_t len, i;
  const char *m = luaL_checklstring(L, idx, &len);
  luaL_argcheck(L, len > 0 && len <= 16, idx, "invalid HTTP method");
  for (i = 0; i < len; i++) luaL_argcheck(L, m[i] >= 'A' && m[i] <= 'Z', idx, "invalid HTTP method");
}

void transport_check_url(lua_State *L, int idx) {
  size_t len, i;
  const unsigned char *u = (const unsigned char *)luaL_checklstring(L, idx, &len);
  unsigned char bad = 0;
  luaL_argcheck(L, (len > 7 && strncmp((const char *)u, "http://", 7) == 0) ||
                   (len > 8 && strncmp((const char *)u, "https://", 8) == 0), idx,
                "URL must start with http:// or https://");
  /* A space, control byte, DEL or NUL anywhere: eight bytes at a time
   * (every call pays this on a ~100-byte URL).  For a word w, a byte below
   * 0x21 shows as a high bit in (w - 0x21..21) & ~w, and a DEL as a zero
   * byte of w ^ 0x7f..7f; bytes from 0x80 up never match either. */
  for (i = 0; i + 8 <= len; i += 8) {
    uint64_t w, d;
    memcpy(&w, u + i, 8);
    d = w ^ 0x7f7f7f7f7f7f7f7fULL;
    bad |= (((w - 0x2121212121212121ULL) & ~w) | ((d - 0x0101010101010101ULL) & ~d)) & 0x8080808080808080ULL
           ? 1 : 0;
  }
  for (; i < len; i++) bad |= (unsigned char)((u[i] <= 0x20) | (u[i] == 0x7f));
  luaL_argcheck(L, !bad, idx, "URL contains a space, control byte or NUL");
}

/* Appends one C string to t->headers, keeping the old list on failure. */
int transport_append_header(transport_t *t, const char *line) {
  struct curl_slist *h = curl_slist_append(t->headers, line);
  if (!h) return -1;
  t->headers = h;
  return 0;
}

int transport_fixed_headers(transport_t *t, int kind) {
  int read = kind & HEADERS_READ;
  transport_free_headers(t);
  /* No Expect: 100-continue wait: it would cost a round trip.  libcurl
   * asks for one only for a body of 1 KiB or more (a smaller one it just
   * sends), so only such a request carries the line that turns it off. */
  if ((kind & HEADERS_LARGE_BODY) && transport_append_header(t, "Expect:") != 0) return -1;
  if (t->ua_line && transport_append_header(t, t->ua_line) != 0) return -1;
  /* Compression is asked for on reads, where answers can be large (a page
   * of 500 users); a write answers one small object, where gzip saves
   * nothing.  "Accept-Encoding:" alone keeps libcurl from adding its own
   * line; decoding stays on either way (CURLOPT_ACCEPT_ENCODING). */
  if (t->ae_line[0] && transport_append_header(t, read ? t->ae_line : "Accept-Encoding:") != 0) return -1;
  t->lines_kind = kind;
  return 0;
}

/* The list's last node: where the bearer line goes. */
static struct curl_slist *last_node(struct curl_slist *h) {
  while (h && h->next) h = h->next;
  return h;
}

/* Raises unless "name: value" may be sent (header_rules.c). */
static void check_header(lua_State *L, const char *k, size_t kl, const char *v, size_t vl) {
  const char *why = header_check(k, kl, v, vl);
  if (why) luaL_error(L, "atlas-admin: %s", why);
}

/* The list from a table { ["Name"] = "value" }, built for this request.
 * Each line is formatted on the Lua stack and copied by libcurl, so no C
 * string is live if a Lua error is raised. */
static void headers_from_table(lua_State *L, transport_t *t, int idx, int kind) {
  if (transport_fixed_headers(t, kind) != 0) luaL_error(L, "atlas-admin: out of memory");
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {      /* key, value */
    size_t kl, vl;
    const char *k, *v;
    /* lua_tostring on a number key would confuse lua_next: check types. */
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "atlas-admin: header names and values must be strings");
    k = lua_tolstring(L, -2, &kl);
    v = lua_tolstring(L, -1, &vl);
    check_header(L, k, kl, v, vl);
    lua_pushfstring(L, "%s: %s", k, v); /* key, value, line */
    if (transport_append_header(t, lua_tostring(L, -1)) != 0) luaL_error(L, "atlas-admin: out of memory");
    lua_pop(L, 2);                     /* key */
  }
  t->last_fixed = last_node(t->headers);
}

/* The list from a string of "Name: value" lines joined by CRLF; kept
 * (with a copy of the string) so the next request with the same string
 * reuses it.  Checked line by line when built. */
static void headers_from_lines(lua_State *L, transport_t *t, int idx, int kind) {
  size_t len;
  const char *s = lua_tolstring(L, idx, &len), *end = s + len, *p = s;
  if (t->lines && t->lines_kind == kind && t->lines_len == len && memcmp(t->lines, s, len) == 0) return;
  if (transport_fixed_headers(t, kind) != 0) luaL_error(L, "atlas-admin: out of memory");
  while (p < end) {
    const char *eol = p, *colon, *v;
    while (eol < end && !(eol[0] == '\r' && eol + 1 < end && eol[1] == '\n')) eol++;
    colon = memchr(p, ':', (size_t)(eol - p));
    if (!colon) luaL_error(L, "atlas-admin: a header line must read \"Name: value\"");
    for (v = colon + 1; v < eol && *v == ' '; v++) {}
    check_header(L, p, (size_t)(colon - p), v, (size_t)(eol - v));
    lua_pushlstring(L, p, (size_t)(eol - p)); /* the line, NUL-terminated, copied by libcurl */
    if (transport_append_header(t, lua_tostring(L, -1)) != 0) luaL_error(L, "atlas-admin: out of memory");
    lua_pop(L, 1);
    p = eol + 2;
  }
  t->last_fixed = last_node(t->headers);
  if ((t->lines = malloc(len + 1)) != NULL) { /* no copy: rebuilt next time, still correct */
    memcpy(t->lines, s, len);
    t->lines_len = len;
  }
}

/* Hangs "Authorization: Bearer <token>", built in C memory, off the list
 * for one transfer: the token never becomes a Lua string.  The node and
 * its line are one block of ours (libcurl only reads the list), wiped and
 * freed by detach_bearer after the transfer. */
static int attach_bearer(transport_t *t, const credential_t *bearer) {
  static const char prefix[] = "Authorization: Bearer ";
  size_t n = sizeof prefix - 1 + bearer->secret_len + 1;
  struct curl_slist *node = malloc(sizeof *node + n);
  char *line;
  if (!node) return -1;
  line = (char *)(node + 1);
  memcpy(line, prefix, sizeof prefix - 1);
  memcpy(line + sizeof prefix - 1, credential_secret(bearer), bearer->secret_len);
  line[n - 1] = '\0';
  node->data = line;
  node->next = NULL;
  t->last_fixed->next = node;
  return 0;
}

/* Builds t->headers for a request: from the table or lines string at idx,
 * then the bearer line (if any).  kind: HEADERS_READ, HEADERS_LARGE_BODY. */
static void build_headers(lua_State *L, transport_t *t, int idx, credential_t *bearer, int kind) {
  detach_bearer(t);
  if (lua_type(L, idx) == LUA_TSTRING) headers_from_lines(L, t, idx, kind);
  else headers_from_table(L, t, idx, kind);
  if (bearer && attach_bearer(t, bearer) != 0) luaL_error(L, "atlas-admin: out of memory");
}

CURLcode transport_set_method(CURL *c, const char *method, const char *body, size_t body_len, int copy) {
  CURLcode rc;
  if (!body) {
    rc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    return rc;
  }
  /* POSTFIELDS points at the Lua string (or t->form), alive for a blocking
   * call; a batch transfer outlives its Lua call, so libcurl copies it
   * (setting POSTFIELDS later drops that copy). */
  rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  if (rc == CURLE_OK) rc = curl_easy_setopt(c, copy ? CURLOPT_COPYPOSTFIELDS : CURLOPT_POSTFIELDS, body);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
  return rc;
}

static void push_info(lua_State *L, transport_t *t) {
  double total = 0;
  long connects = 0, request_size = 0, header_size = 0;
  curl_easy_getinfo(t->curl, CURLINFO_TOTAL_TIME, &total);
  curl_easy_getinfo(t->curl, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(t->curl, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(t->curl, CURLINFO_HEADER_SIZE, &header_size);
  lua_createtable(L, 0, 5);
  lua_pushnumber(L, total);
  lua_setfield(L, -2, "total_time");
  lua_pushinteger(L, connects);
  lua_setfield(L, -2, "new_connections");
  /* A retry policy resends a non-idempotent call only when no byte of it
   * was sent, and tells "no answer" from "lost answer" by these. */
  lua_pushboolean(L, request_size > 0);
  lua_setfield(L, -2, "request_sent");
  lua_pushboolean(L, header_size > 0 || t->body.len > 0);
  lua_setfield(L, -2, "response_started");
  if (t->trace) {
    trace_push_exchanges(L, &t->tr, t->curl);
    lua_setfield(L, -2, "exchanges");
  }
}

void transport_begin_transfer(transport_t *t) {
  buffer_clear(&t->head);
  buffer_clear(&t->body);
  t->secret_field = NULL; /* transport_setup_request sets it for the answers that carry one */
  t->tr.redact_response_body = 0;
  t->too_large = t->header_too_large = 0;
  trace_begin(&t->tr);
  t->errbuf[0] = '\0';
}

/* After a transfer: the header list (it may hold a bearer token) is
 * unhooked and wiped.  Pure C. */
void transport_after_transfer(transport_t *t) {
  detach_bearer(t);
  if (!t->lines) transport_free_headers(t);
}

int transport_push_response(lua_State *L, transport_t *t, CURLcode rc, int with_body, int always_info) {
  long status = 0;
  if (rc != CURLE_OK) {
    lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)rc);
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      char msg[128];
      snprintf(msg, sizeof msg, "response larger than max_response_bytes (%zu bytes)", t->max_response);
      lua_pushstring(L, msg);
    } else if (t->header_too_large) {
      char msg[128];
      snprintf(msg, sizeof msg, "response headers larger than max_header_bytes (%zu bytes)", t->max_header);
      lua_pushstring(L, msg);
    } else if (t->errbuf[0]) {
      lua_pushstring(L, t->errbuf);
    } else {
      lua_pushstring(L, curl_easy_strerror(rc));
    }
    push_info(L, t);
    buffer_clear(&t->body);
    return 4;
  }
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  lua_pushinteger(L, (lua_Integer)status);
  response_head_push(L, t->head.data, t->head.len);
  /* The secret goes into a credential kept in the headers table, the body
   * keeps a placeholder (secret_body.c). */
  if (with_body && t->secret_field && t->body.len) secret_take(L, &t->body, t->secret_field, -1);
  if (with_body) lua_pushlstring(L, t->body.data ? t->body.data : "", t->body.len);
  else lua_pushliteral(L, "");
  /* An answer needs its info only for a trace (the exchanges): a failure
   * always has it (what was sent, what arrived). */
  if (t->trace || always_info) push_info(L, t);
  else lua_pushnil(L);
  return 4;
}

CURLcode transport_setup_request(lua_State *L, transport_t *t, int base, int copy_body) {
  const char *method, *url, *body;
  size_t body_len = 0;
  credential_t *bearer = NULL;
  CURLcode rc;
  int fresh;

  check_method(L, base);
  transport_check_url(L, base + 1);
  method = lua_tostring(L, base);
  url = lua_tostring(L, base + 1);
  luaL_argcheck(L, lua_type(L, base + 2) == LUA_TTABLE || lua_type(L, base + 2) == LUA_TSTRING, base + 2,
                "headers must be a table or a string of header lines");
  body = luaL_optlstring(L, base + 3, NULL, &body_len);
  if (!lua_isnoneornil(L, base + 4)) {
    bearer = credential_check(L, base + 4);
    /* Only a token may travel as Bearer: never a private key or secret. */
    luaL_argcheck(L, bearer->kind == CREDENTIAL_BEARER, base + 4, "bearer credential expected");
  }
  fresh = lua_toboolean(L, base + 5);

  build_headers(L, t, base + 2, bearer,
                (strcmp(method, "GET") == 0 ? HEADERS_READ : 0) | (body_len >= 1024 ? HEADERS_LARGE_BODY : 0));
  t->tr.redact_bodies = 0;
  /* libcurl resends a request by itself when a reused keep-alive
   * connection turns out dead before any answer.  Harmless for an
   * idempotent call, not for a create: such a call asks for a fresh
   * connection, so it is sent at most once. */
  rc = curl_easy_setopt(t->curl, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_URL, url);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers);
  if (rc == CURLE_OK) rc = transport_set_method(t->curl, method, body, body_len, copy_body);
  transport_begin_transfer(t);
  /* An answer with a once-only secret (creating an API key, a service
   * account or its secret): the value is taken out of the body before Lua
   * sees it (transport_push_response), and no trace keeps the body. */
  t->secret_field = secret_route(method, url);
  t->tr.redact_response_body = t->secret_field != NULL;
  return rc;
}

int transport_push_result(lua_State *L, transport_t *t, CURLcode rc) {
  int n = transport_push_response(L, t, rc, 1, 0);
  buffer_clear(&t->body);
  return n;
}

static int l_send(lua_State *L) {
  transport_t *t = check_open(L);
  CURLcode rc;
  lua_settop(L, 7); /* method, url and body stay anchored here for the transfer */
  rc = transport_setup_request(L, t, 2, 0);
  if (rc == CURLE_OK) rc = curl_easy_perform(t->curl);
  transport_after_transfer(t);
  return transport_push_result(L, t, rc);
}

/* transport:finish() -> the result of the batch transfer that completed on
 * this transport (as send returns it).  multi.c marks it done. */
static int l_finish(lua_State *L) {
  transport_t *t = (transport_t *)luaL_checkudata(L, 1, TRANSPORT_MT);
  if (!t->curl) return luaL_error(L, "atlas-admin: the client is closed");
  if (!t->batch.done) return luaL_error(L, "atlas-admin: no completed batch transfer on this transport");
  t->batch.done = 0;
  return transport_push_result(L, t, t->batch.done_rc);
}

/* close and __gc: one idempotent function. */
static int l_close(lua_State *L) {
  transport_t *t = (transport_t *)luaL_checkudata(L, 1, TRANSPORT_MT);
  /* A batch still holds the handle: its owner takes it out of the multi
   * (and clears batch.owner) before the handle goes away. */
  if (t->batch.owner && t->batch.detach) t->batch.detach(t);
  t->batch.done = 0;
  if (t->curl) {
    curl_easy_cleanup(t->curl);
    t->curl = NULL;
    atomic_fetch_sub(&open_transports, 1);
  }
  transport_free_headers(t);
  free(t->ua_line);
  t->ua_line = NULL;
  buffer_free(&t->head, 1);
  buffer_free(&t->body, 1);
  buffer_free(&t->form, 1);
  trace_free(&t->tr);
  return 0;
}

static int l_is_closed(lua_State *L) {
  transport_t *t = (transport_t *)luaL_checkudata(L, 1, TRANSPORT_MT);
  lua_pushboolean(L, t->curl == NULL);
  return 1;
}

static int l_tostring(lua_State *L) {
  transport_t *t = (transport_t *)luaL_checkudata(L, 1, TRANSPORT_MT);
  lua_pushfstring(L, "atlas_admin.transport (libcurl, %s)", t->curl ? "open" : "closed");
  return 1;
}

static int l_open_transports(lua_State *L) {
  lua_pushinteger(L, atomic_load(&open_transports));
  return 1;
}

void transport_register(lua_State *L, int module_index) {
  static const luaL_Reg methods[] = {
    { "send", l_send }, { "finish", l_finish }, { "close", l_close }, { "is_closed", l_is_closed }, { NULL, NULL },
  };
  static const luaL_Reg meta[] = { { "__gc", l_close }, { "__tostring", l_tostring }, { NULL, NULL } };
  module_index = aa_absindex(L, module_index);
  aa_newclass(L, TRANSPORT_MT, methods, meta);
  lua_pushcfunction(L, l_transport);
  lua_setfield(L, module_index, "transport");
  lua_pushcfunction(L, l_open_transports);
  lua_setfield(L, module_index, "open_transports");
}
