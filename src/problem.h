/* A validation problem: the path of the offending value (roles[2],
 * roles.orgRoles[1]) and a message that says what is wrong and how to fix
 * it.  Shared by the value checks (checks.c), the body schemas (body.c)
 * and the path joiner (id_path.c): every check returns 1, or 0 with the
 * problem filled, and the Lua bindings turn that into true | nil, field,
 * message. */
#ifndef ATLAS_ADMIN_PROBLEM_H
#define ATLAS_ADMIN_PROBLEM_H

#include <stddef.h>

#include <lua.h>

#define MESSAGE_MAX 640
#define FIELD_MAX 160

typedef struct {
  char field[FIELD_MAX]; /* path of the offending value, e.g. roles.orgRoles[2] */
  char message[MESSAGE_MAX];
} problem_t;

/* Fills p; returns 0 (what a failed check returns). */
int problem_fail(problem_t *p, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A short, printable rendering of an untrusted string for a message:
 * control bytes become '?', long values are cut.  Returns out. */
const char *problem_quote(const char *s, size_t len, char *out, size_t outsz);

/* The Lua type name of the value at idx, for "got <type>". */
const char *problem_type(lua_State *L, int idx);

/* "parent.name" (or just the name at the top) and "parent[i]"; a path
 * too long for the buffer is cut: it only names the field in a message. */
void problem_join_field(char *out, size_t outsz, const char *parent, const char *name);
void problem_index_field(char *out, size_t outsz, const char *parent, size_t i);

/* Pushes true (ok), or nil, field, message; returns how many. */
int problem_push(lua_State *L, int ok, const problem_t *p);

#endif
