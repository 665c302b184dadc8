/* Validation problems and the small string helpers every check shares:
 * see problem.h. */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int problem_fail(problem_t *p, const char *field, const char *fmt, ...) {
  va_list ap;
  snprintf(p->field, sizeof p->field, "%s", field);
  va_start(ap, fmt);
  vsnprintf(p->message, sizeof p->message, fmt, ap);
  va_end(ap);
  return 0;
}

const char *problem_quote(const char *s, size_t len, char *out, size_t outsz) {
  size_t i, n = 0, limit = outsz - 4; /* room for "..." and NUL */
  for (i = 0; i < len && n < limit; i++)
    out[n++] = (s[i] >= 0x20 && s[i] != 0x7f) ? s[i] : '?';
  if (i < len) { memcpy(out + n, "...", 3); n += 3; }
  out[n] = '\0';
  return out;
}

const char *problem_type(lua_State *L, int idx) { return lua_typename(L, lua_type(L, idx)); }

/* (Built by hand, not snprintf: every valid body walks these once per
 * field, on the per-call path.) */
static size_t put_text(char *out, size_t at, size_t outsz, const char *s) {
  size_t n = strlen(s);
  if (at >= outsz - 1) return at;
  if (n > outsz - 1 - at) n = outsz - 1 - at;
  memcpy(out + at, s, n);
  return at + n;
}

void problem_join_field(char *out, size_t outsz, const char *parent, const char *name) {
  size_t n = 0;
  if (parent && *parent) {
    n = put_text(out, n, outsz, parent);
    n = put_text(out, n, outsz, ".");
  }
  n = put_text(out, n, outsz, name);
  out[n] = '\0';
}

void problem_index_field(char *out, size_t outsz, const char *parent, size_t i) {
  char digits[24], *d = digits + sizeof digits - 1;
  size_t n;
  *d = '\0';
  do { *--d = (char)('0' + i % 10); i /= 10; } while (i && d > digits);
  n = put_text(out, 0, outsz, parent);
  n = put_text(out, n, outsz, "[");
  n = put_text(out, n, outsz, d);
  n = put_text(out, n, outsz, "]");
  out[n] = '\0';
}

int problem_push(lua_State *L, int ok, const problem_t *p) {
  if (ok) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushstring(L, p->field);
  lua_pushstring(L, p->message);
  return 3;
}
