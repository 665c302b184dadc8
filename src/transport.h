/* The libcurl transport: one easy handle per client, reused across calls. */
#ifndef ATLAS_ADMIN_TRANSPORT_H
#define ATLAS_ADMIN_TRANSPORT_H

#include <lua.h>

void transport_register(lua_State *L, int module_index);

#endif
