/* URL escaping through libcurl. */
#ifndef ATLAS_ADMIN_URL_H
#define ATLAS_ADMIN_URL_H

#include <lua.h>

void url_register(lua_State *L, int module_index);

#endif
