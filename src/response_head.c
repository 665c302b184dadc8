/* HTTP/1.x response heads into Lua tables, for both transports: the
 * libcurl one (transport.c, the head libcurl collected) and the nginx
 * cosocket one (lua/atlas_admin/ngx/transport.lua, through
 * core.parse_response_head).  One parser, so both read a head alike:
 * names lower-cased, repeated headers joined with ", " (RFC 9110). */
#include "response_head.h"

#include <string.h>

#include <lauxlib.h>

#include "compat.h"

#define MAX_SEEN_HEADERS 64

static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c; }

/* The strings of the last head pushed, by line: a server sends the same
 * names, and mostly the same values, in the same order every time, and
 * taking the string Lua already holds skips interning it again (LuaJIT
 * interns every string, walking hash chains that its sparse hash makes
 * long for look-alike strings; bench/openresty.sh).  A registry table per
 * Lua state: slot 2i - 1 holds line i's name, 2i its value when short
 * and not a cookie (a digest challenge is long: never kept either). */
#define RECENT_VALUE_MAX 64
static const char recent_key = 0;

static int push_recent_table(lua_State *L) {
  lua_pushlightuserdata(L, (void *)&recent_key);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_createtable(L, 2 * MAX_SEEN_HEADERS, 0);
    lua_pushlightuserdata(L, (void *)&recent_key);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
  }
  return lua_gettop(L);
}

/* Pushes s: the recent table's string at slot when it is the same bytes,
 * else a new one (kept at slot for the next head). */
static void push_recent(lua_State *L, int recent, int slot, const char *s, size_t len) {
  size_t have;
  const char *old;
  lua_rawgeti(L, recent, slot);
  old = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &have) : NULL;
  if (old && have == len && memcmp(old, s, len) == 0) return;
  lua_pop(L, 1);
  lua_pushlstring(L, s, len);
  lua_pushvalue(L, -1);
  lua_rawseti(L, recent, slot);
}

/* Where the line at p ends: its LF, or end. */
static const char *line_end(const char *p, const char *end) {
  const char *lf = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
  return lf ? lf : end;
}

/* Fills the table on top with the header lines of [p, end) (the status
 * line first); recent: the recent strings' stack index. */
static void fill_headers(lua_State *L, const char *p, const char *end, int recent) {
  const char *names[MAX_SEEN_HEADERS]; /* the lower-cased names pushed (Lua strings in the table) */
  size_t lens[MAX_SEEN_HEADERS], n = 0;
  int line_no = 0;
  /* skip the status line */
  p = line_end(p, end);
  while (p < end) {
    const char *line = ++p, *colon, *eol, *v, *name;
    size_t nlen, vlen, i;
    int repeated = 0, slot = 0;
    p = line_end(p, end);
    eol = p;
    if (eol > line && eol[-1] == '\r') eol--;
    colon = memchr(line, ':', (size_t)(eol - line));
    if (!colon || colon == line) continue;
    if (line_no < MAX_SEEN_HEADERS) slot = 2 * ++line_no - 1;
    nlen = (size_t)(colon - line);
    if (nlen <= 64) {
      char lower[64];
      for (i = 0; i < nlen; i++) lower[i] = ascii_lower(line[i]);
      if (slot) push_recent(L, recent, slot, lower, nlen); /* headers, name */
      else lua_pushlstring(L, lower, nlen);
    } else {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (i = 0; i < nlen; i++) luaL_addchar(&b, ascii_lower(line[i]));
      luaL_pushresult(&b);                  /* headers, name */
    }
    name = lua_tostring(L, -1);
    for (i = 0; i < n && !repeated; i++) repeated = lens[i] == nlen && memcmp(names[i], name, nlen) == 0;
    if (n >= MAX_SEEN_HEADERS) {
      repeated = 1; /* past what is tracked: look it up */
    } else if (!repeated) {
      names[n] = name; /* a new key: the table keeps this string alive */
      lens[n++] = nlen;
    }
    for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {}
    while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t')) eol--;
    vlen = (size_t)(eol - v);
    if (repeated) {
      lua_pushvalue(L, -1);
      lua_rawget(L, -3);                    /* headers, name, old */
      if (!lua_isnil(L, -1)) {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, vlen);
        lua_concat(L, 3);                   /* headers, name, joined */
        lua_rawset(L, -3);
        continue;
      }
      lua_pop(L, 1);
    }
    if (slot && vlen <= RECENT_VALUE_MAX && !(nlen == 10 && memcmp(name, "set-cookie", 10) == 0))
      push_recent(L, recent, slot + 1, v, vlen);
    else lua_pushlstring(L, v, vlen);
    lua_rawset(L, -3);                      /* headers */
  }
}

/* Pushes a response header block as a table with lower-cased names;
 * repeated headers are joined with ", " as RFC 9110 allows.  (Sized by
 * its lines, so the table is not grown header by header.  A name
 * is lower-cased in a local array, or a Lua buffer when it is long; only
 * a name seen before in the block costs a table lookup.) */
void response_head_push(lua_State *L, const char *data, size_t len) {
  const char *p = data, *end = data ? data + len : NULL, *nl;
  int lines = 0, recent = push_recent_table(L); /* removed before returning */
  /* one slot per header line (a non-empty line after an LF: not the
   * status line, not the blank one): made at its size, never grown */
  for (nl = line_end(p, end); nl < end; nl = line_end(nl + 1, end))
    if (nl + 1 < end && nl[1] != '\r' && nl[1] != '\n') lines++;
  lua_createtable(L, 0, lines < MAX_SEEN_HEADERS ? lines : MAX_SEEN_HEADERS);
  if (p) fill_headers(L, p, end, recent);
  lua_remove(L, recent); /* the headers table is left on top */
}

/* core.parse_response_head(text [, length]) -> status, headers | nil
 * An HTTP/1.x response head (the status line, header lines, up to but not
 * including the blank line: text's first length bytes, all by default),
 * parsed as the libcurl transport parses its own: the nginx transport
 * reads a head off a cosocket in one piece, body bytes often with it, and
 * hands it here instead of matching it line by line in Lua. */
static int l_parse_response_head(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  if (!lua_isnoneornil(L, 2)) {
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && (size_t)n <= len, 2, "length past the text");
    len = (size_t)n;
  }
  int status = 0, i;
  if (len < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ') {
    lua_pushnil(L);
    return 1;
  }
  for (i = 9; i < 12; i++) {
    if (s[i] < '0' || s[i] > '9') {
      lua_pushnil(L);
      return 1;
    }
    status = status * 10 + (s[i] - '0');
  }
  if (len > 12 && s[12] != ' ' && s[12] != '\r' && s[12] != '\n') {
    lua_pushnil(L);
    return 1;
  }
  lua_pushinteger(L, status);
  response_head_push(L, s, len);
  return 2;
}

void response_head_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_parse_response_head);
  lua_setfield(L, module_index, "parse_response_head");
}
