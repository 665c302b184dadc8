/* The libcurl transport.
 *
 * core.transport(opts, credential) -> transport
 *   opts: timeout, connect_timeout (seconds), user_agent, ca_file,
 *         max_response_bytes
 * transport:send(method, url, headers, body, bearer)
 *   -> status, headers, body, info | nil, curl_code, message
 *   headers: { ["Name"] = "value" }; body: string or nil;
 *   bearer: an optional bearer credential whose token is sent as
 *   Authorization (service accounts swap it as tokens rotate).
 * transport:close()  (idempotent; also __gc)
 *
 * Why one easy handle, never reset: libcurl keeps the connection and the
 * digest nonce on the handle, so after the first challenge every call is a
 * single round trip with Authorization sent up front (nc incremented).
 *
 * Memory discipline: the userdata is created (with __gc) before the handle;
 * the header list and the response buffers hang off the userdata, so a Lua
 * error raised at any point cannot leak them.  The libcurl callbacks only
 * append to those buffers and never call Lua.
 */
#include "transport.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "buffer.h"
#include "compat.h"
#include "credential.h"

#define TRANSPORT_MT "atlas_admin.transport"
#define DEFAULT_MAX_RESPONSE (8u * 1024u * 1024u)

typedef struct {
  CURL *curl;                 /* NULL once closed */
  struct curl_slist *headers; /* the last request's headers */
  buffer_t head;              /* header block of the latest response */
  buffer_t body;              /* body of the latest response */
  buffer_t form;              /* an OAuth form body (may hold a token) */
  size_t max_response;
  int too_large;              /* the write callback refused a body */
  char errbuf[CURL_ERROR_SIZE];
} transport_t;

/* Open handles in this process, for the GC spec and leak hunting. */
static int open_transports;

static transport_t *check_open(lua_State *L) {
  transport_t *t = (transport_t *)luaL_checkudata(L, 1, TRANSPORT_MT);
  if (!t->curl) luaL_error(L, "atlas-admin: the client is closed");
  return t;
}

/* Frees a header list after wiping it: it may carry a bearer token. */
static void free_headers(transport_t *t) {
  struct curl_slist *h;
  for (h = t->headers; h; h = h->next) {
    volatile char *p = h->data;
    while (*p) *p++ = 0;
  }
  curl_slist_free_all(t->headers);
  t->headers = NULL;
}

/* ---- libcurl callbacks (pure C) --------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  transport_t *t = (transport_t *)ud;
  size_t len = size * n;
  if (t->body.len + len > t->max_response) {
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
  if (t->head.len + len > t->max_response) return 0;
  return buffer_append(&t->head, data, len) == 0 ? len : 0;
}

/* ---- construction ----------------------------------------------------- */

static double opt_number(lua_State *L, int idx, const char *name, double dflt) {
  double v;
  lua_getfield(L, idx, name);
  v = lua_isnil(L, -1) ? dflt : luaL_checknumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Returns a string option; it stays valid while opts is on the stack. */
static const char *opt_string(lua_State *L, int idx, const char *name) {
  const char *v;
  lua_getfield(L, idx, name);
  v = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  lua_pop(L, 1);
  return v;
}

static int l_transport(lua_State *L) {
  transport_t *t;
  credential_t *cred;
  const char *ua, *ca;
  double timeout, connect_timeout, max_response;
  CURLcode rc = CURLE_OK;

  luaL_checktype(L, 1, LUA_TTABLE);
  cred = credential_check(L, 2);
  timeout = opt_number(L, 1, "timeout", 30);
  connect_timeout = opt_number(L, 1, "connect_timeout", 10);
  max_response = opt_number(L, 1, "max_response_bytes", DEFAULT_MAX_RESPONSE);
  ua = opt_string(L, 1, "user_agent");
  ca = opt_string(L, 1, "ca_file");
  luaL_argcheck(L, timeout > 0 && connect_timeout > 0, 1, "timeouts must be positive");
  luaL_argcheck(L, max_response >= 1024, 1, "max_response_bytes must be at least 1024");

  /* The userdata and its __gc first, then the handle. */
  t = (transport_t *)lua_newuserdata(L, sizeof *t);
  memset(t, 0, sizeof *t);
  luaL_getmetatable(L, TRANSPORT_MT);
  lua_setmetatable(L, -2);
  t->max_response = (size_t)max_response;
  t->curl = curl_easy_init();
  if (!t->curl) return luaL_error(L, "atlas-admin: curl_easy_init failed (out of memory?)");
  open_transports++;

#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, opt, val)
  SET(CURLOPT_NOSIGNAL, 1L);          /* no SIGALRM: threads and nginx */
  SET(CURLOPT_ERRORBUFFER, t->errbuf);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, t);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, t);
  SET(CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
  SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(connect_timeout * 1000));
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_FOLLOWLOCATION, 0L);    /* a redirect would resend credentials */
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  /* TLS verification stays on; ca_file only changes which CAs are trusted. */
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  SET(CURLOPT_ACCEPT_ENCODING, "");   /* whatever this libcurl can decode */
  if (ca) SET(CURLOPT_CAINFO, ca);
  if (ua) SET(CURLOPT_USERAGENT, ua);
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
  return 1;
}

/* ---- a request --------------------------------------------------------- */

static int valid_header_text(const char *s) {
  for (; *s; s++)
    if (*s == '\r' || *s == '\n') return 0;
  return 1;
}

/* Builds t->headers from the table at idx (and the bearer credential, if
 * any).  Each line is formatted on the Lua stack and copied by libcurl, so
 * no C string is live if a Lua error is raised. */
static void build_headers(lua_State *L, transport_t *t, int idx, credential_t *bearer) {
  struct curl_slist *h;
  free_headers(t);
  /* No Expect: 100-continue wait: it would cost a round trip per call. */
  t->headers = curl_slist_append(NULL, "Expect:");
  if (!t->headers) luaL_error(L, "atlas-admin: out of memory");
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {      /* key, value */
    const char *k, *v;
    /* lua_tostring on a number key would confuse lua_next: check types. */
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "atlas-admin: header names and values must be strings");
    k = lua_tostring(L, -2);
    v = lua_tostring(L, -1);
    if (!valid_header_text(k) || !valid_header_text(v) || strchr(k, ':'))
      luaL_error(L, "atlas-admin: invalid header %s", k);
    lua_pushfstring(L, "%s: %s", k, v); /* key, value, line */
    h = curl_slist_append(t->headers, lua_tostring(L, -1));
    if (!h) luaL_error(L, "atlas-admin: out of memory");
    t->headers = h;
    lua_pop(L, 2);                     /* key */
  }
  if (bearer) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "Authorization: Bearer ");
    luaL_addlstring(&b, credential_secret(bearer), bearer->secret_len);
    luaL_pushresult(&b);
    h = curl_slist_append(t->headers, lua_tostring(L, -1));
    lua_pop(L, 1);
    if (!h) luaL_error(L, "atlas-admin: out of memory");
    t->headers = h;
  }
}

static CURLcode set_method(CURL *c, const char *method, const char *body, size_t body_len) {
  CURLcode rc;
  if (!body) {
    rc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    return rc;
  }
  /* POSTFIELDS points at the Lua string, alive on the stack for the call. */
  rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
  return rc;
}

/* Pushes the latest response's headers as a table with lower-cased names;
 * repeated headers are joined with ", " as RFC 9110 allows. */
static void push_headers(lua_State *L, const buffer_t *head) {
  const char *p = head->data, *end = head->data + head->len;
  lua_newtable(L);
  if (!p) return;
  /* skip the status line */
  while (p < end && *p != '\n') p++;
  while (p < end) {
    const char *line = ++p, *colon, *eol, *v;
    luaL_Buffer name;
    while (p < end && *p != '\n') p++;
    eol = p;
    if (eol > line && eol[-1] == '\r') eol--;
    colon = memchr(line, ':', (size_t)(eol - line));
    if (!colon || colon == line) continue;
    luaL_buffinit(L, &name);
    for (v = line; v < colon; v++) luaL_addchar(&name, (char)tolower((unsigned char)*v));
    luaL_pushresult(&name);                 /* headers, name */
    for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {}
    while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t')) eol--;
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);                      /* headers, name, old */
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_pushlstring(L, v, (size_t)(eol - v));
    } else {
      lua_pushliteral(L, ", ");
      lua_pushlstring(L, v, (size_t)(eol - v));
      lua_concat(L, 3);
    }
    lua_rawset(L, -3);                      /* headers */
  }
}

static void push_info(lua_State *L, CURL *c) {
  double total = 0;
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &total);
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  lua_createtable(L, 0, 2);
  lua_pushnumber(L, total);
  lua_setfield(L, -2, "total_time");
  lua_pushinteger(L, connects);
  lua_setfield(L, -2, "new_connections");
}

/* Runs the prepared transfer (unless setup already failed with rc) and
 * pushes status, headers, body, info or nil, code, message. */
static int perform_and_push(lua_State *L, transport_t *t, CURLcode rc) {
  long status = 0;
  buffer_clear(&t->head);
  buffer_clear(&t->body);
  t->too_large = 0;
  t->errbuf[0] = '\0';
  if (rc == CURLE_OK) rc = curl_easy_perform(t->curl);
  if (rc != CURLE_OK) {
    lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)rc);
    if (t->too_large)
      lua_pushfstring(L, "response larger than max_response_bytes (%d bytes)", (int)t->max_response);
    else if (t->errbuf[0])
      lua_pushstring(L, t->errbuf);
    else
      lua_pushstring(L, curl_easy_strerror(rc));
    buffer_clear(&t->body);
    return 3;
  }
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  lua_pushinteger(L, (lua_Integer)status);
  push_headers(L, &t->head);
  lua_pushlstring(L, t->body.data ? t->body.data : "", t->body.len);
  push_info(L, t->curl);
  buffer_clear(&t->body);
  return 4;
}

static int l_send(lua_State *L) {
  transport_t *t = check_open(L);
  const char *method = luaL_checkstring(L, 2);
  const char *url = luaL_checkstring(L, 3);
  size_t body_len = 0;
  const char *body;
  credential_t *bearer = NULL;
  CURLcode rc;

  luaL_checktype(L, 4, LUA_TTABLE);
  body = luaL_optlstring(L, 5, NULL, &body_len);
  if (!lua_isnoneornil(L, 6)) {
    bearer = credential_check(L, 6);
    /* Only a token may travel as Bearer: never a private key or secret. */
    luaL_argcheck(L, bearer->kind == CREDENTIAL_BEARER, 6, "bearer credential expected");
  }
  lua_settop(L, 6);

  build_headers(L, t, 4, bearer);
  rc = curl_easy_setopt(t->curl, CURLOPT_URL, url);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers);
  if (rc == CURLE_OK) rc = set_method(t->curl, method, body, body_len);
  return perform_and_push(L, t, rc);
}


/* ---- OAuth (service accounts) ------------------------------------------ */

/* Appends name=<form-encoded value> to t->form.  curl_easy_escape's copy is
 * wiped and freed before anything that could raise. */
static int form_add(transport_t *t, const char *name, const char *value, size_t len) {
  char *escaped = curl_easy_escape(t->curl, value, (int)len);
  int rc;
  if (!escaped) return -1;
  rc = (t->form.len ? buffer_append(&t->form, "&", 1) : 0) |
       buffer_append(&t->form, name, strlen(name)) | buffer_append(&t->form, "=", 1) |
       buffer_append(&t->form, escaped, strlen(escaped));
  { volatile char *p = escaped; while (*p) *p++ = 0; }
  curl_free(escaped);
  return rc ? -1 : 0;
}

/* transport:oauth(url, service_account, "token")
 * transport:oauth(url, service_account, "revoke", bearer)
 *   -> status, headers, body, info | nil, curl_code, message
 * POSTs the OAuth form with HTTP Basic client_id:client_secret (libcurl
 * encodes it).  The form is built here so that the token being revoked
 * never has to exist as a Lua string. */
static int l_oauth(lua_State *L) {
  static const char *const actions[] = { "token", "revoke", NULL };
  transport_t *t = check_open(L);
  const char *url = luaL_checkstring(L, 2);
  credential_t *sa = credential_check(L, 3);
  int action = luaL_checkoption(L, 4, NULL, actions);
  credential_t *token = action == 1 ? credential_check(L, 5) : NULL;
  CURLcode rc;
  int n;

  luaL_argcheck(L, sa->kind == CREDENTIAL_SERVICE_ACCOUNT, 3, "service account credential expected");
  free_headers(t);
  t->headers = curl_slist_append(NULL, "Expect:");
  if (t->headers) t->headers = curl_slist_append(t->headers, "Accept: application/json");
  if (t->headers) t->headers = curl_slist_append(t->headers, "Content-Type: application/x-www-form-urlencoded");
  if (!t->headers) return luaL_error(L, "atlas-admin: out of memory");

  buffer_free(&t->form, 1);
  if (action == 0)
    n = form_add(t, "grant_type", "client_credentials", 18);
  else
    n = form_add(t, "token", credential_secret(token), token->secret_len) |
        form_add(t, "token_type_hint", "access_token", 12);
  if (n) return luaL_error(L, "atlas-admin: out of memory");

  rc = curl_easy_setopt(t->curl, CURLOPT_URL, url);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_USERNAME, credential_id(sa));
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_PASSWORD, credential_secret(sa));
  if (rc == CURLE_OK) rc = set_method(t->curl, "POST", t->form.data, t->form.len);
  n = perform_and_push(L, t, rc);
  /* The handle must not send Basic credentials on the API calls that
   * follow: those carry the bearer token instead. */
  curl_easy_setopt(t->curl, CURLOPT_USERNAME, NULL);
  curl_easy_setopt(t->curl, CURLOPT_PASSWORD, NULL);
  curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, NULL);
  buffer_free(&t->form, 1);
  return n;
}

/* close and __gc: one idempotent function. */
static int l_close(lua_State *L) {
  transport_t *t = (transport_t *)luaL_checkudata(L, 1, TRANSPORT_MT);
  if (t->curl) {
    curl_easy_cleanup(t->curl);
    t->curl = NULL;
    open_transports--;
  }
  free_headers(t);
  buffer_free(&t->head, 0);
  buffer_free(&t->body, 1);
  buffer_free(&t->form, 1);
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
  lua_pushinteger(L, open_transports);
  return 1;
}

void transport_register(lua_State *L, int module_index) {
  static const luaL_Reg methods[] = {
    { "send", l_send }, { "oauth", l_oauth }, { "close", l_close }, { "is_closed", l_is_closed }, { NULL, NULL },
  };
  static const luaL_Reg meta[] = { { "__gc", l_close }, { "__tostring", l_tostring }, { NULL, NULL } };
  module_index = aa_absindex(L, module_index);
  aa_newclass(L, TRANSPORT_MT, methods, meta);
  lua_pushcfunction(L, l_transport);
  lua_setfield(L, module_index, "transport");
  lua_pushcfunction(L, l_open_transports);
  lua_setfield(L, module_index, "open_transports");
}
