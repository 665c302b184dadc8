/* The programmatic identities' value checks: see identity_checks.h. */
#include "identity_checks.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "checks.h"
#include "codepoints.h"
#include "compat.h"

#define KEY_DESC_MAX 250     /* ApiKeyUserDetails.desc maxLength */
#define ACCOUNT_NAME_MAX 64  /* OrgServiceAccountRequest.name maxLength */
#define ACCOUNT_DESC_MAX 250 /* OrgServiceAccountRequest.description maxLength */
#define ADDRESS_MAX 64       /* the longest address/prefix: an IPv6 with a v4 tail and /128 */
#define CLIENT_ID_PREFIX "mdb_sa_id_"

/* ---- texts ----------------------------------------------------------- */

/* Not a letter or a digit for the spec's \p{L}\p{N}: punctuation and
 * symbols outside ASCII (the ranges people meet: Latin-1 signs, general
 * punctuation, arrows, maths and box drawing, CJK punctuation, emoji,
 * private use).  An approximation of Unicode's categories: Atlas has the
 * last word on a rare character this lets through. */
static int non_ascii_symbol(unsigned cp) {
  return (cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0x1F000 && cp <= 0x1FAFF) || cp >= 0xF0000;
}

static int ascii_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' ||
         c == '_' || c == '.' || c == ',' || c == '\'';
}

/* UTF-8 text of min..max characters.  name_chars: only what the spec's
 * name pattern allows.  what: "an API key's desc" etc., for messages. */
static int check_text(lua_State *L, int idx, const char *field, const char *what, size_t max, int name_chars,
                      problem_t *p) {
  size_t len, i = 0, chars = 0, n;
  const unsigned char *s;
  char shown[96];
  if (lua_type(L, idx) != LUA_TSTRING)
    return problem_fail(p, field, "%s must be %s (a string), got %s", field, what, problem_type(L, idx));
  s = (const unsigned char *)lua_tolstring(L, idx, &len);
#define SHOWN problem_quote((const char *)s, len, shown, sizeof shown) /* only on a failure */
  if (len == 0) return problem_fail(p, field, "%s must be %s of 1 to %zu characters, got an empty string", field, what, max);
  while (i < len) {
    unsigned cp;
    cp_class_t cls;
    n = cp_decode(s + i, len - i, &cp);
    chars++;
    if (n == 0)
      return problem_fail(p, field, "%s is not valid UTF-8 at byte %zu; write %s as UTF-8 text (\"%s\")", field, i + 1,
                          what, SHOWN);
    if (cp == 0)
      return problem_fail(p, field, "%s contains a NUL byte at character %zu: remove it (\"%s\")", field, chars, SHOWN);
    cls = cp < 0x80 ? (cp < 0x20 || cp == 0x7f ? CP_CONTROL : CP_OK) : cp_class(cp);
    if (cls != CP_OK)
      return problem_fail(p, field, "%s has %s at character %zu: %s (\"%s\")", field, cp_class_name(cls), chars,
                          cp_class_fix(cls), SHOWN);
    if (name_chars && (cp < 0x80 ? !ascii_name_char((unsigned char)cp) : non_ascii_symbol(cp)))
      return problem_fail(p, field, "%s may hold only letters, digits, spaces and - _ . , ' (Atlas's rule for %s); "
                          "character %zu is not one (\"%s\")", field, what, chars, SHOWN);
    i += n;
  }
  if (chars > max)
    return problem_fail(p, field, "%s is %zu characters long; %s has at most %zu (\"%s\")", field, chars, what, max,
                        SHOWN);
  return 1;
#undef SHOWN
}

int check_key_desc(lua_State *L, int idx, const char *field, problem_t *p) {
  return check_text(L, idx, field, "an API key's description", KEY_DESC_MAX, 0, p);
}

int check_account_name(lua_State *L, int idx, const char *field, problem_t *p) {
  return check_text(L, idx, field, "a service account's name", ACCOUNT_NAME_MAX, 1, p);
}

int check_account_description(lua_State *L, int idx, const char *field, problem_t *p) {
  return check_text(L, idx, field, "a service account's description", ACCOUNT_DESC_MAX, 1, p);
}

/* ---- a secret's lifetime ---------------------------------------------- */

int check_secret_hours(lua_State *L, int idx, const char *field, problem_t *p) {
  lua_Number v;
  if (lua_type(L, idx) != LUA_TNUMBER)
    return problem_fail(p, field, "%s must be a whole number of hours (e.g. 720 for 30 days), got %s", field,
                        problem_type(L, idx));
  v = lua_tonumber(L, idx);
  if (!(v == (lua_Number)(int64_t)v) || v != v)
    return problem_fail(p, field, "%s must be a whole number of hours (e.g. 720 for 30 days), got %.14g", field, (double)v);
  if (v < 1 || v > 2147483647.0)
    return problem_fail(p, field, "%s must be at least 1 hour and at most 2147483647 (your organization's settings "
                        "allow less: see its maxServiceAccountSecretValidityInHours), got %.14g", field, (double)v);
  return 1;
}

/* ---- addresses --------------------------------------------------------- */

/* Parses an address of either family into out (16 bytes); returns 4 or 6,
 * or 0.  IPv6 hex digits must be lowercase (the spec's patterns are). */
static int parse_address(const char *s, unsigned char *out, int *upper) {
  *upper = 0;
  if (strchr(s, ':')) {
    const char *c;
    for (c = s; *c; c++)
      if (*c >= 'A' && *c <= 'F') *upper = 1;
    return inet_pton(AF_INET6, s, out) == 1 ? 6 : 0;
  }
  return inet_pton(AF_INET, s, out) == 1 ? 4 : 0;
}

/* The text at idx as a C string in buf (for inet_pton), or 0 with the
 * problem filled. */
static int address_text(lua_State *L, int idx, const char *field, const char *what, char *buf, size_t bufsz,
                        problem_t *p) {
  size_t len;
  const char *s;
  char shown[96];
  if (lua_type(L, idx) != LUA_TSTRING)
    return problem_fail(p, field, "%s must be %s (a string), got %s", field, what, problem_type(L, idx));
  s = lua_tolstring(L, idx, &len);
  if (len == 0 || len >= bufsz || memchr(s, '\0', len))
    return problem_fail(p, field, "%s must be %s, got \"%s\"", field, what, problem_quote(s, len, shown, sizeof shown));
  memcpy(buf, s, len + 1);
  return 1;
}

static int check_ip_text(const char *s, const char *field, problem_t *p) {
  unsigned char a[16];
  int upper;
  if (strchr(s, '/'))
    return problem_fail(p, field, "%s must be one address; \"%s\" is a block: give it as cidrBlock", field, s);
  if (!parse_address(s, a, &upper))
    return problem_fail(p, field, "%s must be an IPv4 address like 192.0.2.10 or an IPv6 address like 2001:db8::10, "
                        "got \"%s\"", field, s);
  if (upper) return problem_fail(p, field, "%s: write the IPv6 address in lowercase (\"%s\")", field, s);
  return 1;
}

static int check_cidr_text(char *s, const char *field, problem_t *p) {
  unsigned char a[16];
  char *slash = strchr(s, '/'), *end, canonical[INET6_ADDRSTRLEN];
  long prefix;
  int family, upper, bits, i;
  if (!slash)
    return problem_fail(p, field, "%s must be a block like 10.20.0.0/16 (address/prefix); \"%s\" has no prefix: give "
                        "one address as ipAddress", field, s);
  *slash = '\0';
  family = parse_address(s, a, &upper);
  *slash = '/';
  if (!family)
    return problem_fail(p, field, "%s must be a block like 10.20.0.0/16 or 2001:db8::/32; the address before the / is "
                        "not one (\"%s\")", field, s);
  if (upper) return problem_fail(p, field, "%s: write the IPv6 block in lowercase (\"%s\")", field, s);
  bits = family == 4 ? 32 : 128;
  if (slash[1] < '0' || slash[1] > '9' || (slash[1] == '0' && slash[2] != '\0'))
    return problem_fail(p, field, "%s: the prefix after the / must be a number from 0 to %d (\"%s\")", field, bits, s);
  prefix = strtol(slash + 1, &end, 10);
  if (*end != '\0' || prefix < 0 || prefix > bits)
    return problem_fail(p, field, "%s: the prefix after the / must be a number from 0 to %d (\"%s\")", field, bits, s);
  for (i = 0; i < bits / 8; i++) {
    int keep = (int)prefix - i * 8;
    unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
    if (a[i] & (unsigned char)~mask) {
      int j;
      for (j = i; j < bits / 8; j++) {
        keep = (int)prefix - j * 8;
        mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
        a[j] &= mask;
      }
      inet_ntop(family == 4 ? AF_INET : AF_INET6, a, canonical, sizeof canonical);
      return problem_fail(p, field, "%s: \"%s\" has bits set past its /%ld prefix; the block is %s/%ld", field, s,
                          prefix, canonical, prefix);
    }
  }
  return 1;
}

int check_ip_address(lua_State *L, int idx, const char *field, problem_t *p) {
  char buf[ADDRESS_MAX];
  if (!address_text(L, idx, field, "an IPv4 or IPv6 address", buf, sizeof buf, p)) return 0;
  return check_ip_text(buf, field, p);
}

int check_cidr_block(lua_State *L, int idx, const char *field, problem_t *p) {
  char buf[ADDRESS_MAX];
  if (!address_text(L, idx, field, "a CIDR block like 10.20.0.0/16", buf, sizeof buf, p)) return 0;
  return check_cidr_text(buf, field, p);
}

/* An access-list entry as a caller names one to remove: an address, or a
 * block with "/". */
static int check_access_text(char *s, const char *field, problem_t *p) {
  return strchr(s, '/') ? check_cidr_text(s, field, p) : check_ip_text(s, field, p);
}

/* The same as a path segment: the block's "/" written %2F (or %2f). */
static int check_address_segment(lua_State *L, int idx, const char *field, problem_t *p) {
  char buf[ADDRESS_MAX], plain[ADDRESS_MAX], *pct;
  if (!address_text(L, idx, field, "an address, or a block with its / written %2F", buf, sizeof buf, p)) return 0;
  if (strchr(buf, '/'))
    return problem_fail(p, field, "%s is a path segment: write the block's / as %%2F (\"%s\")", field, buf);
  memcpy(plain, buf, sizeof buf);
  if ((pct = strchr(plain, '%')) != NULL) {
    if (pct[1] != '2' || (pct[2] != 'F' && pct[2] != 'f'))
      return problem_fail(p, field, "%s: the only escape an address segment holds is %%2F (\"%s\")", field, buf);
    pct[0] = '/';
    memmove(pct + 1, pct + 3, strlen(pct + 3) + 1);
  }
  return check_access_text(plain, field, p);
}

/* ---- client ids ------------------------------------------------------ */

int check_client_id(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i, plen = sizeof CLIENT_ID_PREFIX - 1;
  const char *s;
  char shown[96];
  if (lua_type(L, idx) != LUA_TSTRING)
    return problem_fail(p, field, "%s must be a service account's client id like mdb_sa_id_ and 24 hexadecimal "
                        "digits, got %s", field, problem_type(L, idx));
  s = lua_tolstring(L, idx, &len);
  if (len != plen + 24 || memcmp(s, CLIENT_ID_PREFIX, plen) != 0)
    return problem_fail(p, field, "%s must be a service account's client id: mdb_sa_id_ followed by 24 hexadecimal "
                        "digits (\"%s\")", field, problem_quote(s, len, shown, sizeof shown));
  for (i = plen; i < len; i++) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) continue;
    return problem_fail(p, field, "%s: character %zu of the client id is not a hexadecimal digit (\"%s\")", field,
                        i + 1, problem_quote(s, len, shown, sizeof shown));
  }
  return 1;
}

/* ---- path parameters ---------------------------------------------------- */

int check_path_param(lua_State *L, int idx, const char *name, problem_t *p) {
  if (strcmp(name, "clientId") == 0) return check_client_id(L, idx, name, p);
  if (strcmp(name, "ipAddress") == 0) return check_address_segment(L, idx, name, p);
  return check_id(L, idx, name, p);
}

/* ---- Lua bindings -------------------------------------------------- */

static int l_check_client_id(lua_State *L) {
  problem_t p;
  return problem_push(L, check_client_id(L, 1, luaL_optstring(L, 2, "clientId"), &p), &p);
}

static int l_check_access_address(lua_State *L) {
  problem_t p;
  char buf[ADDRESS_MAX];
  const char *field = luaL_optstring(L, 2, "address");
  int ok = address_text(L, 1, field, "an IPv4 or IPv6 address, or a CIDR block like 10.20.0.0/16", buf, sizeof buf, &p)
           && check_access_text(buf, field, &p);
  return problem_push(L, ok, &p);
}

void identity_checks_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_check_client_id);
  lua_setfield(L, module_index, "check_client_id");
  lua_pushcfunction(L, l_check_access_address);
  lua_setfield(L, module_index, "check_access_address");
}
