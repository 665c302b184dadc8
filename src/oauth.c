/* The OAuth exchange of service accounts, on a libcurl transport's own
 * easy handle (so it shares the connection, limits and trace):
 *
 * transport:oauth(url, service_account, "token" [, nil, keep])
 * transport:oauth(url, service_account, "revoke", bearer)
 *   -> as transport:send, plus for a 200 token answer a fifth value
 *      { bearer = <credential>, expires_in = n, token_type = s
 *        [, access_token = s when keep is true] }
 *      (the token answer's body itself is never returned: it holds the token)
 *
 * The form (with the token being revoked) is built in C in the
 * transport's secret form buffer, the token answer is scanned in C
 * (token_json.c) straight into a bearer credential, and everything the
 * exchange put on the handle (Basic credentials, form, headers) is taken
 * off again before anything that can raise.  Uses transport.c through
 * transport_internal.h; transport.c does not know this file (oauth_register
 * adds the method to the transport class).
 */
#include "oauth.h"

#include <string.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "buffer.h"
#include "credential.h"
#include "token_json.h"
#include "trace_collect.h"
#include "transport_internal.h"

/* Appends name=<form-encoded value> to t->form.  curl_easy_escape's copy is
 * wiped and freed before anything that could raise. */
static int form_add(transport_t *t, const char *name, const char *value, size_t len) {
  char *escaped = curl_easy_escape(t->curl, value, (int)len);
  int rc;
  if (!escaped) return -1;
  rc = (t->form.len ? buffer_append(&t->form, "&", 1) : 0) |
       buffer_append(&t->form, name, strlen(name)) | buffer_append(&t->form, "=", 1) |
       buffer_append(&t->form, escaped, strlen(escaped));
  buffer_wipe_bytes(escaped, strlen(escaped));
  curl_free(escaped);
  return rc ? -1 : 0;
}

/* Removes everything an OAuth transfer put on the handle: the Basic
 * credentials (the API calls that follow carry a bearer token instead),
 * the form (it may hold the token being revoked) and the headers.  Pure C,
 * run before anything that can raise. */
static void oauth_cleanup(transport_t *t) {
  curl_easy_setopt(t->curl, CURLOPT_USERNAME, NULL);
  curl_easy_setopt(t->curl, CURLOPT_PASSWORD, NULL);
  curl_easy_setopt(t->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
  curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, NULL);
  transport_after_transfer(t);
  buffer_free(&t->form, 1);
  t->tr.redact_bodies = 0;
}

/* Pushes the fifth result of a successful token request: the token as a
 * bearer credential (copied from the response buffer, which is then
 * wiped), its lifetime and type; nil when the answer is not a plain token
 * response.  The token reaches Lua as a string only when keep is set. */
static void push_token(lua_State *L, transport_t *t, int keep) {
  token_fields_t f;
  if (token_json_scan(t->body.data, t->body.len, &f) != 0 || !f.token || !f.has_expires_in ||
      !(f.expires_in > 0 && f.expires_in < 1e9)) {
    buffer_clear(&t->body);
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, 0, 4);
  if (credential_push(L, CREDENTIAL_BEARER, "", 0, f.token, f.token_len) != 0) {
    lua_pop(L, 1);
    buffer_clear(&t->body);
    lua_pushnil(L);
    return;
  }
  lua_setfield(L, -2, "bearer");
  lua_pushnumber(L, f.expires_in);
  lua_setfield(L, -2, "expires_in");
  if (f.type) {
    lua_pushlstring(L, f.type, f.type_len);
    lua_setfield(L, -2, "token_type");
  }
  if (keep) {
    lua_pushlstring(L, f.token, f.token_len);
    lua_setfield(L, -2, "access_token");
  }
  buffer_clear(&t->body); /* a secret buffer: wiped */
}

/* transport:oauth(url, service_account, "token" [, nil, keep])
 * transport:oauth(url, service_account, "revoke", bearer)
 * POSTs the OAuth form with HTTP Basic client_id:client_secret (libcurl
 * encodes it).  The form is built here so that the token being revoked
 * never has to exist as a Lua string. */
static int l_oauth(lua_State *L) {
  static const char *const actions[] = { "token", "revoke", NULL };
  transport_t *t = transport_check_idle(L, 1);
  const char *url;
  credential_t *sa, *token;
  int action, keep, n;
  long status = 0;
  CURLcode rc;

  transport_check_url(L, 2);
  url = lua_tostring(L, 2);
  sa = credential_check(L, 3);
  action = luaL_checkoption(L, 4, NULL, actions);
  token = action == 1 ? credential_check(L, 5) : NULL;
  keep = action == 0 && lua_toboolean(L, 6);
  luaL_argcheck(L, sa->kind == CREDENTIAL_SERVICE_ACCOUNT, 3, "service account credential expected");
  luaL_argcheck(L, !token || token->kind == CREDENTIAL_BEARER, 5, "bearer credential expected");
  lua_settop(L, 6);

  if (transport_fixed_headers(t, HEADERS_LARGE_BODY) != 0 || transport_append_header(t, "Accept: application/json") != 0 ||
      transport_append_header(t, "Content-Type: application/x-www-form-urlencoded") != 0) {
    transport_free_headers(t);
    return luaL_error(L, "atlas-admin: out of memory");
  }
  buffer_free(&t->form, 1);
  if (action == 0)
    n = form_add(t, "grant_type", "client_credentials", 18);
  else
    n = form_add(t, "token", credential_secret(token), token->secret_len) |
        form_add(t, "token_type_hint", "access_token", 12);
  if (n) {
    oauth_cleanup(t);
    return luaL_error(L, "atlas-admin: out of memory");
  }

  t->tr.redact_bodies = 1; /* the form and the token answer never enter a trace */
  rc = curl_easy_setopt(t->curl, CURLOPT_URL, url);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_USERNAME, credential_id(sa));
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_PASSWORD, credential_secret(sa));
  if (rc == CURLE_OK) rc = transport_set_method(t->curl, "POST", t->form.data, t->form.len, 0);
  transport_begin_transfer(t);
  if (rc == CURLE_OK) rc = curl_easy_perform(t->curl);
  oauth_cleanup(t); /* before any push: a raise below leaves nothing on the handle */
  if (rc == CURLE_OK) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  /* A 200 token answer's body is the token: it is returned as a
   * credential, never as a string. */
  n = transport_push_response(L, t, rc, !(action == 0 && status == 200), 1);
  if (rc == CURLE_OK && action == 0 && status == 200) {
    push_token(L, t, keep);
    n++;
  }
  buffer_clear(&t->body);
  return n;
}

void oauth_register(lua_State *L) {
  luaL_getmetatable(L, TRANSPORT_MT); /* mt */
  lua_getfield(L, -1, "__index");     /* mt, methods */
  lua_pushcfunction(L, l_oauth);
  lua_setfield(L, -2, "oauth");
  lua_pop(L, 2);
}
