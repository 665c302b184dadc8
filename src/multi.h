/* The batch engine: libcurl's multi interface over transports. */
#ifndef ATLAS_ADMIN_MULTI_H
#define ATLAS_ADMIN_MULTI_H

#include <lua.h>

void multi_register(lua_State *L, int module_index);

#endif
