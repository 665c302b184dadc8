/* The value checks: see checks.h.  Lists of roles, ids and usernames go
 * through one walker (check_list) with a rule per kind of entry. */
#include "checks.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "codepoints.h"
#include "identity_checks.h"
#include "compat.h"

#define USERNAME_MAX 254  /* RFC 5321 path limit, what Atlas accepts */
#define TEAM_NAME_MAX 255 /* bytes; Atlas does not document a limit */

/* A NUL inside a Lua string is cut there by any C code that reads the
 * value (libcurl, libyaml, logs): "frank@example.com\0.evil" would name
 * frank.  Returns its character number (1-based), or 0. */
static size_t nul_at(const char *s, size_t len) {
  const char *z = memchr(s, '\0', len);
  return z ? (size_t)(z - s) + 1 : 0;
}

/* ---- ids ------------------------------------------------------------- */

int check_id(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i;
  const char *s;
  char shown[64];
  if (lua_type(L, idx) != LUA_TSTRING)
    return problem_fail(p, field, "%s must be a string of 24 lowercase hexadecimal digits, got %s", field,
                        problem_type(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
  if ((i = nul_at(s, len)) != 0)
    return problem_fail(p, field, "%s contains a NUL byte at character %zu; an id is exactly 24 lowercase "
                        "hexadecimal digits (\"%s\")", field, i, problem_quote(s, len, shown, sizeof shown));
  if (len != 24)
    return problem_fail(p, field, "%s must be exactly 24 lowercase hexadecimal digits, got %zu characters (\"%s\")",
                        field, len, problem_quote(s, len, shown, sizeof shown));
  for (i = 0; i < len; i++) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) continue;
    if (c >= 'A' && c <= 'F')
      return problem_fail(p, field, "%s must use lowercase hexadecimal digits; write it in lowercase (\"%s\")", field,
                          problem_quote(s, len, shown, sizeof shown));
    return problem_fail(p, field, "%s must contain only hexadecimal digits 0-9a-f; character %zu is not one (\"%s\")",
                        field, i + 1, problem_quote(s, len, shown, sizeof shown));
  }
  return 1;
}

/* ---- usernames ------------------------------------------------------- */

/* problem_quote, with every byte outside ASCII shown as '?' too: a
 * look-alike letter (or a bidi control) is not echoed back. */
static const char *quote_ascii(const char *s, size_t len, char *out, size_t outsz) {
  size_t i;
  problem_quote(s, len, out, outsz);
  for (i = 0; out[i]; i++)
    if ((unsigned char)out[i] >= 0x80) out[i] = '?';
  return out;
}

int check_username(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i, at = 0, ats = 0;
  const char *s, *domain, *dot;
  char shown[96];
  if (lua_type(L, idx) != LUA_TSTRING)
    return problem_fail(p, field, "%s must be the user's email address (a string), got %s", field,
                        problem_type(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
#define SHOWN quote_ascii(s, len, shown, sizeof shown) /* only on a failure: it costs a copy */
  if (len == 0) return problem_fail(p, field, "%s must be the user's email address, got an empty string", field);
  if (len > USERNAME_MAX)
    return problem_fail(p, field, "%s is %zu bytes long; an email address has at most %d", field, len, USERNAME_MAX);
  if ((i = nul_at(s, len)) != 0)
    return problem_fail(p, field, "%s contains a NUL byte at character %zu; it would cut the email address there "
                        "and name someone else: remove it (\"%s\")", field, i, SHOWN);
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f)
      return problem_fail(p, field, "%s must not contain spaces or control characters (\"%s\")", field, SHOWN);
    if (c >= 0x80)
      return problem_fail(p, field, "%s must be printable ASCII: Atlas usernames are email addresses, and a "
                          "character outside ASCII (byte %zu) can look like an ASCII one; type the address in "
                          "plain ASCII (\"%s\")", field, i + 1, SHOWN);
    if (c == '@') { ats++; at = i; }
  }
  if (ats != 1)
    return problem_fail(p, field, "%s must be an email address with exactly one '@' (\"%s\")", field, SHOWN);
  if (at == 0) return problem_fail(p, field, "%s has nothing before the '@' (\"%s\")", field, SHOWN);
  domain = s + at + 1;
  dot = memchr(domain, '.', len - at - 1);
  if (!dot || dot == domain || s[len - 1] == '.')
    return problem_fail(p, field, "%s must have a domain with a dot after the '@', like user@example.com (\"%s\")",
                        field, SHOWN);
  return 1;
#undef SHOWN
}

/* ---- team names ------------------------------------------------------ */

static const char *script_name(cp_script_t s) { return s == SCRIPT_GREEK ? "Greek" : "Cyrillic"; }

/* Latin letters mixed with Greek or Cyrillic ones: each letter is
 * ordinary, the mixture is what deceives ("pаyments" with a Cyrillic а).
 * A name in one alphabet (or with none) is fine. */
typedef struct {
  size_t latin_at, other_at; /* character numbers of the first of each, 0 when none */
  unsigned other_cp;
  cp_script_t other;
} scripts_t;

static void note_script(scripts_t *sc, unsigned cp, size_t ch) {
  cp_script_t s = cp_script(cp);
  if (s == SCRIPT_LATIN && !sc->latin_at) sc->latin_at = ch;
  if ((s == SCRIPT_GREEK || s == SCRIPT_CYRILLIC) && !sc->other_at) {
    sc->other_at = ch;
    sc->other_cp = cp;
    sc->other = s;
  }
}

/* The look of one character given the one before it: a variation
 * selector or a combining accent on a plain ASCII character is a
 * look-alike of that character (an emoji's selector, or an accent on an
 * accented letter, is not).  prev is 0 at the start. */
static int lookalike_mark(unsigned cp, unsigned prev, const char **what, const char **fix) {
  if (cp_is_variation_selector(cp) && prev < 0x80) {
    *what = "a variation selector on a plain character";
    *fix = "remove it (it prints as nothing)";
    return 1;
  }
  if (cp_is_combining_diacritic(cp) && prev < 0x80) {
    *what = "a combining accent on a plain letter";
    *fix = "write the accented letter as one character (NFC: e.g. U+00E9 for an accented e)";
    return 1;
  }
  return 0;
}

int check_team_name(lua_State *L, int idx, const char *field, problem_t *p) {
  size_t len, i, ch = 0;
  const unsigned char *s;
  char shown[96];
  unsigned cp = 0, prev = 0;
  scripts_t sc = { 0, 0, 0, SCRIPT_OTHER };
  if (lua_type(L, idx) != LUA_TSTRING)
    return problem_fail(p, field, "%s must be the team's name (a string), got %s", field, problem_type(L, idx));
  s = (const unsigned char *)lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
#define SHOWN problem_quote((const char *)s, len, shown, sizeof shown) /* only on a failure */
  if (len == 0) return problem_fail(p, field, "%s must be the team's name, got an empty string", field);
  if (len > TEAM_NAME_MAX)
    return problem_fail(p, field, "%s is %zu bytes long; a team name here has at most %d", field, len, TEAM_NAME_MAX);
  if ((i = nul_at((const char *)s, len)) != 0)
    return problem_fail(p, field, "%s contains a NUL byte at byte %zu; it would cut the name there and name "
                        "another team: remove it", field, i);
  if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
    return problem_fail(p, field, "%s cannot be \"%s\": a team is found by name in a URL path "
                        "(/teams/byName/{teamName}), where . and .. are path steps; choose another name",
                        field, len == 1 ? "." : "..");
  for (i = 0; i < len;) {
    size_t n;
    cp_class_t cls;
    const char *what, *fix;
    if (s[i] < 0x20 || s[i] == 0x7f)
      return problem_fail(p, field, "%s must not contain control characters such as tabs or newlines (\"%s\")", field,
                          SHOWN);
    prev = cp;
    n = cp_decode(s + i, len - i, &cp);
    if (n == 0) return problem_fail(p, field, "%s is not valid UTF-8 text (byte %zu)", field, i + 1);
    i += n;
    ch++;
    if (cp < 0x80) {
      note_script(&sc, cp, ch);
      continue;
    }
    cls = cp_class(cp);
    if (cls == CP_CONTROL)
      return problem_fail(p, field, "%s must not contain control characters such as tabs or newlines "
                          "(U+%04X at character %zu)", field, cp, ch);
    if (cls != CP_OK) {
      what = cp_class_name(cls);
      fix = cp_class_fix(cls);
    } else if (!lookalike_mark(cp, prev, &what, &fix)) {
      note_script(&sc, cp, ch);
      continue;
    }
    /* The value is not echoed: it may reorder or hide the message. */
    return problem_fail(p, field, "%s contains U+%04X (%s) at character %zu: %s; team names are matched exactly, "
                        "so a name with it is another team that prints like this one", field, cp, what, ch, fix);
  }
  if (sc.latin_at && sc.other_at)
    return problem_fail(p, field, "%s mixes Latin letters with %s letters (U+%04X at character %zu); letters of "
                        "two alphabets can look alike (Cyrillic a and Latin a), so write the name in one alphabet",
                        field, script_name(sc.other), sc.other_cp, sc.other_at);
  if (isspace(s[0]) || isspace(s[len - 1]))
    return problem_fail(p, field, "%s starts or ends with a space (\"%s\"); team names are matched exactly, so trim it",
                        field, SHOWN);
  return 1;
#undef SHOWN
}

/* ---- roles ----------------------------------------------------------- */

static const char *kind_label(role_kind_t kind) { return kind == ROLES_ORG ? "organization" : "project"; }

/* index: the role's place in its list (list[index]), or 0 for a role that
 * is the field itself; the path is only written out for a failure. */
static int check_role_at(lua_State *L, int idx, int extra_idx, const char *list, size_t index, role_kind_t kind,
                         problem_t *p) {
  char at[FIELD_MAX];
  const char *field = list;
  size_t len;
  /* the path is written out (field = list[index]) before the message */
#define FAIL_AT(...) \
  ((index ? (problem_index_field(at, sizeof at, list, index), field = at) : field), problem_fail(p, field, __VA_ARGS__))
  const char *s, *hint;
  char shown[72];
  int org_named;
  if (lua_type(L, idx) != LUA_TSTRING)
    return FAIL_AT("%s must be a role name string such as \"%s\", got %s", field,
                   kind == ROLES_ORG ? "ORG_MEMBER" : "GROUP_READ_ONLY", problem_type(L, idx));
  s = lua_tostring(L, idx);
  len = aa_rawlen(L, idx);
  if (strlen(s) != len) /* embedded NUL */
    return FAIL_AT("%s contains a NUL byte; role names are plain ASCII", field);
  org_named = strncmp(s, "ORG_", 4) == 0;
  if (role_known(kind, s)) return 1;
  if (extra_idx && org_named == (kind == ROLES_ORG)) {
    int known;
    lua_pushvalue(L, idx);
    lua_rawget(L, extra_idx);
    known = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (known) return 1;
  }
  problem_quote(s, len, shown, sizeof shown);
  if (kind == ROLES_PROJECT && org_named)
    return FAIL_AT("%s: \"%s\" is an organization role, not a project role; project roles are GROUP_ roles "
                   "(e.g. GROUP_READ_ONLY), and organization roles are set with set_org_roles", field, shown);
  if (kind == ROLES_ORG && (role_known(ROLES_PROJECT, s) || strncmp(s, "GROUP_", 6) == 0))
    return FAIL_AT("%s: \"%s\" is a project role, not an organization role; organization roles are %s "
                   "(project roles go in groupRoleAssignments, or use set_project_roles)", field, shown,
                   role_list_text(ROLES_ORG));
  hint = role_suggest(s, kind);
  if (hint) return FAIL_AT("%s: unknown %s role \"%s\"; did you mean %s?", field, kind_label(kind), shown, hint);
  return FAIL_AT("%s: unknown %s role \"%s\"; known roles are %s (a newer role can be allowed with the "
                 "client option extra_roles)", field, kind_label(kind), shown, role_list_text(kind));
#undef FAIL_AT
}

int check_role(lua_State *L, int idx, int extra_idx, const char *field, role_kind_t kind, problem_t *p) {
  return check_role_at(L, idx, extra_idx, field, 0, kind, p);
}

/* ---- lists ----------------------------------------------------------- */

long check_sequence(lua_State *L, int idx, const char *field, const char *example, problem_t *p) {
  size_t n, count = 0;
  idx = aa_absindex(L, idx);
  n = aa_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1); /* key stays for lua_next */
    count++;
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      problem_fail(p, field, "%s must be a list (a sequence table), not a table with named keys; write %s", field,
                   example);
      return -1;
    }
  }
  if (count != n) {
    problem_fail(p, field, "%s must be a list without holes (found %zu values, length %zu)", field, count, n);
    return -1;
  }
  return (long)n;
}

/* What a list holds: how one entry is checked, and how a repeat is found
 * and reported. */
typedef struct list_rule list_rule_t;
struct list_rule {
  /* checks the entry at idx, the i-th of the list named field */
  int (*entry)(lua_State *L, int idx, const list_rule_t *r, const char *field, size_t i, problem_t *p);
  int fold_case;           /* repeats compare without ASCII case (usernames) */
  size_t shown;            /* how much of a repeated value the message shows */
  const char *repeat;      /* the message for a repeat: path, value, field, earlier index */
  int extra_idx;           /* role lists: the extra roles table, or 0 */
  role_kind_t kind;
};

static int role_entry(lua_State *L, int idx, const list_rule_t *r, const char *field, size_t i, problem_t *p) {
  return check_role_at(L, idx, r->extra_idx, field, i, r->kind, p);
}

static int id_entry(lua_State *L, int idx, const list_rule_t *r, const char *field, size_t i, problem_t *p) {
  char path[FIELD_MAX];
  (void)r;
  problem_index_field(path, sizeof path, field, i);
  return check_id(L, idx, path, p);
}

static int username_entry(lua_State *L, int idx, const list_rule_t *r, const char *field, size_t i, problem_t *p) {
  char path[FIELD_MAX];
  (void)r;
  problem_index_field(path, sizeof path, field, i);
  return check_username(L, idx, path, p);
}

/* The n entries of the sequence at idx: each checked, none repeated. */
static int check_list(lua_State *L, int idx, const char *field, long n, const list_rule_t *r, problem_t *p) {
  long i, j;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, (int)i);
    if (!r->entry(L, -1, r, field, (size_t)i, p)) { lua_pop(L, 1); return 0; }
    for (j = 1; j < i; j++) {
      int same;
      lua_rawgeti(L, idx, (int)j);
      if (r->fold_case) {
        const char *a = lua_tostring(L, -1), *b = lua_tostring(L, -2);
        same = a && b && strcasecmp(a, b) == 0;
      } else {
        same = lua_rawequal(L, -1, -2);
      }
      lua_pop(L, 1);
      if (same) {
        char path[FIELD_MAX], shown[96];
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        problem_index_field(path, sizeof path, field, (size_t)i);
        problem_quote(s, len, shown, r->shown < sizeof shown ? r->shown : sizeof shown);
        lua_pop(L, 1);
        return problem_fail(p, path, r->repeat, path, shown, field, j);
      }
    }
    lua_pop(L, 1);
  }
  return 1;
}

int check_roles(lua_State *L, int idx, int extra_idx, const char *field, role_kind_t kind, problem_t *p) {
  list_rule_t rule = { role_entry, 0, 72, "%s: role \"%s\" is listed twice (also at %s[%ld]); list each role once",
                       0, ROLES_PROJECT };
  long n;
  rule.extra_idx = extra_idx;
  rule.kind = kind;
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return problem_fail(p, field, "%s must be a list of %s role names such as { \"%s\" }, got %s", field,
                        kind_label(kind), kind == ROLES_ORG ? "ORG_MEMBER" : "GROUP_READ_ONLY", problem_type(L, idx));
  n = check_sequence(L, idx, field, kind == ROLES_ORG ? "{ \"ORG_MEMBER\" }, not { ORG_MEMBER = true }"
                                                      : "{ \"GROUP_OWNER\" }, not { GROUP_OWNER = true }", p);
  if (n < 0) return 0;
  if (n == 0)
    return kind == ROLES_ORG
      ? problem_fail(p, field, "%s must name at least one organization role; a member of an organization always "
                     "holds one (ORG_MEMBER is the least)", field)
      : problem_fail(p, field, "%s must name at least one role; PATCH replaces the roles, so list every role the "
                     "user should end up with", field);
  return check_list(L, idx, field, n, &rule, p);
}

int check_id_list(lua_State *L, int idx, const char *field, problem_t *p) {
  static const list_rule_t rule = { id_entry, 0, 32, "%s: %s is listed twice (also at %s[%ld])", 0, ROLES_PROJECT };
  long n;
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return problem_fail(p, field, "%s must be a list of ids (24 hex digits each), got %s", field, problem_type(L, idx));
  if ((n = check_sequence(L, idx, field, "{ \"6b0c0ffee0c0ffee0c0ffe01\" }", p)) < 0) return 0;
  return check_list(L, idx, field, n, &rule, p);
}

int check_username_list(lua_State *L, int idx, const char *field, problem_t *p) {
  static const list_rule_t rule = { username_entry, 1, 96,
                                    "%s: %s is listed twice (also at %s[%ld]; usernames compare without case)", 0,
                                    ROLES_PROJECT };
  long n;
  idx = aa_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return problem_fail(p, field, "%s must be a list of usernames (email addresses), got %s", field,
                        problem_type(L, idx));
  if ((n = check_sequence(L, idx, field, "{ \"ana@example.com\" }", p)) < 0) return 0;
  return check_list(L, idx, field, n, &rule, p);
}

/* ---- Lua bindings ---------------------------------------------------- */

int check_extra_roles_arg(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  return aa_absindex(L, idx);
}

/* core.check_id(value, name): the check of the path parameter name (an
 * id, unless the name has a form of its own: identity_checks.h). */
static int l_check_id(lua_State *L) {
  problem_t p;
  return problem_push(L, check_path_param(L, 1, luaL_optstring(L, 2, "id"), &p), &p);
}

static int l_check_username(lua_State *L) {
  problem_t p;
  return problem_push(L, check_username(L, 1, luaL_optstring(L, 2, "username"), &p), &p);
}

static int l_check_team_name(lua_State *L) {
  problem_t p;
  return problem_push(L, check_team_name(L, 1, luaL_optstring(L, 2, "teamName"), &p), &p);
}

static int l_check_roles(lua_State *L) {
  problem_t p;
  const char *field = luaL_optstring(L, 2, "roles");
  int extra = check_extra_roles_arg(L, 3);
  role_kind_t kind = role_kind_arg(L, 4);
  return problem_push(L, check_roles(L, 1, extra, field, kind, &p), &p);
}

void checks_register(lua_State *L, int module_index) {
  static const luaL_Reg fns[] = {
    { "check_id", l_check_id }, { "check_username", l_check_username }, { "check_team_name", l_check_team_name },
    { "check_roles", l_check_roles }, { NULL, NULL },
  };
  const luaL_Reg *f;
  module_index = aa_absindex(L, module_index);
  for (f = fns; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, module_index, f->name);
  }
}
