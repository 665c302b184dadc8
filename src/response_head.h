/* Response heads into Lua tables (response_head.c). */
#ifndef ATLAS_ADMIN_RESPONSE_HEAD_H
#define ATLAS_ADMIN_RESPONSE_HEAD_H

#include <stddef.h>

#include <lua.h>

/* Pushes the header lines of a response head (the status line first,
 * then "Name: value" lines; data may be NULL when len is 0) as a table
 * with lower-cased names; repeated headers are joined with ", ".  The
 * bytes are only read. */
void response_head_push(lua_State *L, const char *data, size_t len);

/* core.parse_response_head(text [, length]) -> status, headers | nil */
void response_head_register(lua_State *L, int module_index);

#endif
