/* Request validation: ids, usernames, roles and whole request bodies. */
#ifndef ATLAS_ADMIN_SCHEMA_H
#define ATLAS_ADMIN_SCHEMA_H

#include <lua.h>

void schema_register(lua_State *L, int module_index);

#endif
