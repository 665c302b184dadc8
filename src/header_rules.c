/* Header rules: see header_rules.h.  One list of sensitive names and one
 * set of request-header checks for the libcurl transport (transport.c,
 * trace_collect.c) and the nginx one (ngx/transport.lua, through the
 * Lua bindings at the end). */
#include "header_rules.h"

#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "compat.h"

/* Names whose values never enter a trace, lower-case. */
static const char *const sensitive_names[] = { "authorization", "proxy-authorization", "cookie", "set-cookie", NULL };

int header_text_valid(const char *s, size_t len) {
  size_t i;
  for (i = 0; i < len; i++)
    if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') return 0;
  return 1;
}

const char *header_check(const char *name, size_t nlen, const char *value, size_t vlen) {
  if (nlen == 0 || !header_text_valid(name, nlen) || !header_text_valid(value, vlen) || memchr(name, ':', nlen) ||
      memchr(name, ' ', nlen))
    return "invalid header name or value (CR, LF, NUL, ':' or space)";
  /* A caller's Authorization would bypass the credential rules. */
  if (nlen == 13 && strncasecmp(name, "authorization", 13) == 0)
    return "Authorization is set by the credential, not by headers";
  return NULL;
}

size_t header_sensitive(const char *line, size_t len) {
  const char *const *n;
  const char *colon = memchr(line, ':', len);
  size_t nl;
  if (!colon) return 0;
  nl = (size_t)(colon - line);
  for (n = sensitive_names; *n; n++)
    if (strlen(*n) == nl && strncasecmp(*n, line, nl) == 0) return nl;
  return 0;
}

void header_redact(const char *data, size_t len, header_put_fn put, void *ctx) {
  const char *p = data, *end = data + len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
    size_t name = header_sensitive(p, n);
    if (put(ctx, p, n, name ? name : n) != 0) return;
    p += n;
  }
}

/* ---- Lua bindings ---------------------------------------------------- */

/* The request's header lines as one CRLF-joined text, from a table
 * { Name = "value" } or a string of lines, each checked as the libcurl
 * transport checks its own (transport.c). */
static int l_request_header_text(lua_State *L) {
  luaL_Buffer b;
  const char *why = NULL;
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, 1, &len), *end = s + len, *p = s;
    while (p < end) {
      const char *eol = p, *colon, *v;
      while (eol < end && !(eol[0] == '\r' && eol + 1 < end && eol[1] == '\n')) eol++;
      colon = memchr(p, ':', (size_t)(eol - p));
      if (!colon) {
        why = "a header line must read \"Name: value\"";
        break;
      }
      for (v = colon + 1; v < eol && *v == ' '; v++) {}
      if ((why = header_check(p, (size_t)(colon - p), v, (size_t)(eol - v))) != NULL) break;
      p = eol + 2;
    }
    if (why) {
      lua_pushnil(L);
      lua_pushstring(L, why);
      return 2;
    }
    lua_settop(L, 1);
    return 1; /* the lines as given */
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_newtable(L); /* 2: the lines, joined at the end (no buffer is open while lua_next walks) */
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    size_t kl, vl;
    const char *k, *v;
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
      why = "header names and values must be strings";
      break;
    }
    k = lua_tolstring(L, -2, &kl);
    v = lua_tolstring(L, -1, &vl);
    if ((why = header_check(k, kl, v, vl)) != NULL) break;
    lua_pushvalue(L, -2);
    lua_pushliteral(L, ": ");
    lua_pushvalue(L, -3);
    lua_concat(L, 3);                               /* key, value, "Name: value" */
    lua_rawseti(L, 2, (int)aa_rawlen(L, 2) + 1);
    lua_pop(L, 1);                                  /* key */
  }
  if (why) {
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
  }
  {
    int i, n = (int)aa_rawlen(L, 2);
    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
      if (i > 1) luaL_addlstring(&b, "\r\n", 2);
      lua_rawgeti(L, 2, i);
      luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
  }
  return 1;
}

static int put_lua(void *ctx, const char *line, size_t n, size_t keep) {
  luaL_Buffer *b = (luaL_Buffer *)ctx;
  luaL_addlstring(b, line, keep);
  if (keep < n) luaL_addlstring(b, ": " REDACTED "\r\n", sizeof(": " REDACTED "\r\n") - 1);
  return 0;
}

static int l_redact_head(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  header_redact(s, len, put_lua, &b);
  luaL_pushresult(&b);
  return 1;
}

static int l_sensitive_headers(lua_State *L) {
  int i;
  lua_newtable(L);
  for (i = 0; sensitive_names[i]; i++) {
    lua_pushstring(L, sensitive_names[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

void header_rules_register(lua_State *L, int module_index) {
  static const luaL_Reg fns[] = {
    { "request_header_text", l_request_header_text }, { "redact_head", l_redact_head },
    { "sensitive_headers", l_sensitive_headers }, { NULL, NULL },
  };
  const luaL_Reg *f;
  module_index = aa_absindex(L, module_index);
  for (f = fns; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, module_index, f->name);
  }
}
