/* Once-only secrets taken out of a response body: see secret_body.h.
 *
 * Why in C: a Lua string cannot be wiped, and once the body is one, every
 * copy (the raw body in the response, the decoded table, a trace) would
 * hold the secret until the collector frees it, unwiped.  Here the value
 * goes from the transport's buffer (secret: wiped when cleared) straight
 * into a credential userdata (wiped when collected). */
#include "secret_body.h"

#include <string.h>

#include <lauxlib.h>

#include "compat.h"
#include "credential.h"

#define PLACEHOLDER_LEN (sizeof SECRET_PLACEHOLDER - 1)

/* The key a created secret is stored under in a headers table: the
 * address of this byte (a light userdata no header name can equal). */
static const char headers_key = 0;

/* ---- which requests ---------------------------------------------------- */

/* The segment before *end (exclusive) in path[0..*end): sets *seg, *seg_len
 * and moves *end to the '/' before it.  Returns 0 when there is none. */
static int prev_segment(const char *path, size_t *end, const char **seg, size_t *seg_len) {
  size_t e = *end, b;
  if (e == 0) return 0;
  b = e;
  while (b > 0 && path[b - 1] != '/') b--;
  *seg = path + b;
  *seg_len = e - b;
  *end = b > 0 ? b - 1 : 0;
  return b > 0 || e > 0;
}

static int seg_is(const char *seg, size_t len, const char *word) {
  return len == strlen(word) && memcmp(seg, word, len) == 0;
}

const char *secret_route(const char *method, const char *url) {
  const char *path, *q, *seg[5];
  size_t end, len[5];
  int n = 0;
  if (strcmp(method, "POST") != 0) return NULL;
  path = strstr(url, "://");
  path = path ? strchr(path + 3, '/') : NULL;
  if (!path) return NULL;
  q = strpbrk(path, "?#");
  end = q ? (size_t)(q - path) : strlen(path);
  while (end > 0 && path[end - 1] == '/') end--;
  while (n < 5 && prev_segment(path, &end, &seg[n], &len[n])) n++;
  /* POST .../orgs/{orgId}/apiKeys, .../groups/{groupId}/apiKeys */
  if (n >= 3 && seg_is(seg[0], len[0], "apiKeys") && (seg_is(seg[2], len[2], "orgs") || seg_is(seg[2], len[2], "groups")))
    return "privateKey";
  /* POST .../orgs/{orgId}/serviceAccounts */
  if (n >= 3 && seg_is(seg[0], len[0], "serviceAccounts") && seg_is(seg[2], len[2], "orgs")) return "secret";
  /* POST .../orgs/{orgId}/serviceAccounts/{clientId}/secrets */
  if (n >= 5 && seg_is(seg[0], len[0], "secrets") && seg_is(seg[2], len[2], "serviceAccounts") &&
      seg_is(seg[4], len[4], "orgs"))
    return "secret";
  return NULL;
}

/* ---- finding the member ---------------------------------------------- */

/* The index of the quote closing the string whose content starts at i, or
 * len when it does not close. */
static size_t string_end(const char *s, size_t len, size_t i) {
  while (i < len) {
    if (s[i] == '\\') i += 2;
    else if (s[i] == '"') return i;
    else i++;
  }
  return len;
}

static size_t skip_space(const char *s, size_t len, size_t i) {
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

/* The next member named field (from byte `from`) whose value is a string:
 * 1 with the value's content at [*vs, *ve), else 0.  Whole strings are
 * skipped, so a value that merely contains the field's name never counts. */
static int next_member(const char *s, size_t len, size_t from, const char *field, size_t *vs, size_t *ve) {
  size_t i = from, flen = strlen(field);
  while (i < len) {
    size_t start, end, j;
    if (s[i] != '"') { i++; continue; }
    start = i + 1;
    end = string_end(s, len, start);
    if (end >= len) return 0;
    j = skip_space(s, len, end + 1);
    if (j < len && s[j] == ':') {
      int match = end - start == flen && memcmp(s + start, field, flen) == 0;
      j = skip_space(s, len, j + 1);
      if (match && j < len && s[j] == '"') {
        size_t close = string_end(s, len, j + 1);
        if (close >= len) return 0;
        *vs = j + 1;
        *ve = close;
        return 1;
      }
      i = j;
      continue;
    }
    i = end + 1;
  }
  return 0;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes the JSON escapes of s[0..n) in place (the result is never
 * longer); returns the decoded length, or (size_t)-1 for an escape that is
 * not printable ASCII (no real secret has one). */
static size_t unescape(char *s, size_t n) {
  size_t i = 0, o = 0;
  while (i < n) {
    char c = s[i++];
    if (c != '\\') { s[o++] = c; continue; }
    if (i >= n) return (size_t)-1;
    c = s[i++];
    switch (c) {
    case '"': case '\\': case '/': s[o++] = c; break;
    case 'u': {
      int k, v = 0;
      if (i + 4 > n) return (size_t)-1;
      for (k = 0; k < 4; k++) {
        int h = hex_value(s[i + (size_t)k]);
        if (h < 0) return (size_t)-1;
        v = v * 16 + h;
      }
      if (v < 0x21 || v > 0x7e) return (size_t)-1;
      s[o++] = (char)v;
      i += 4;
      break;
    }
    default: return (size_t)-1;
    }
  }
  return o;
}

/* ---- taking it out ---------------------------------------------------- */

/* Puts the placeholder where [vs, ve) was, wiping what moves.  When the
 * buffer cannot grow (a value shorter than the placeholder, memory gone)
 * the value is overwritten with '*' instead: wiped all the same. */
static void replace_value(buffer_t *b, size_t vs, size_t ve) {
  static const char zeros[PLACEHOLDER_LEN] = { 0 };
  size_t old = ve - vs, tail = b->len - ve;
  if (old >= PLACEHOLDER_LEN) {
    memcpy(b->data + vs, SECRET_PLACEHOLDER, PLACEHOLDER_LEN);
    memmove(b->data + vs + PLACEHOLDER_LEN, b->data + ve, tail);
    buffer_wipe_bytes(b->data + b->len - (old - PLACEHOLDER_LEN), old - PLACEHOLDER_LEN);
    b->len -= old - PLACEHOLDER_LEN;
    return;
  }
  if (buffer_append(b, zeros, PLACEHOLDER_LEN - old) != 0) {
    memset(b->data + vs, '*', old);
    return;
  }
  memmove(b->data + vs + PLACEHOLDER_LEN, b->data + ve, tail);
  memcpy(b->data + vs, SECRET_PLACEHOLDER, PLACEHOLDER_LEN);
}

int secret_take(lua_State *L, buffer_t *body, const char *field, int headers_idx) {
  size_t from = 0, vs, ve;
  int taken = 0;
  headers_idx = aa_absindex(L, headers_idx);
  while (body->data && next_member(body->data, body->len, from, field, &vs, &ve)) {
    if (taken == 0) {
      size_t n = unescape(body->data + vs, ve - vs);
      /* pushes the credential, or nothing when the value is not a plausible
       * secret (then the caller finds the placeholder and no secret) */
      if (n != (size_t)-1 && credential_push(L, CREDENTIAL_CREATED_SECRET, "", 0, body->data + vs, n) == 0) {
        lua_pushlightuserdata(L, (void *)&headers_key);
        lua_insert(L, -2);
        lua_rawset(L, headers_idx);
      }
    }
    buffer_wipe_bytes(body->data + vs, ve - vs);
    replace_value(body, vs, ve);
    taken++;
    from = vs + PLACEHOLDER_LEN + 1;
  }
  return taken;
}

/* ---- Lua bindings ---------------------------------------------------- */

static int l_secret_route(lua_State *L) {
  const char *field = secret_route(luaL_checkstring(L, 1), luaL_checkstring(L, 2));
  if (field) lua_pushstring(L, field);
  else lua_pushnil(L);
  return 1;
}

static int l_take_secret(lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlightuserdata(L, (void *)&headers_key);
  lua_rawget(L, 1);
  if (!aa_testudata(L, -1, CREDENTIAL_MT)) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlightuserdata(L, (void *)&headers_key);
  lua_pushnil(L);
  lua_rawset(L, 1);
  return 1;
}

void secret_body_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_secret_route);
  lua_setfield(L, module_index, "secret_route");
  lua_pushcfunction(L, l_take_secret);
  lua_setfield(L, module_index, "take_secret");
  lua_pushliteral(L, SECRET_PLACEHOLDER);
  lua_setfield(L, module_index, "SECRET_PLACEHOLDER");
}
