/* core.sleep and core.monotonic, for the retry policy. */
#ifndef ATLAS_ADMIN_CLOCK_H
#define ATLAS_ADMIN_CLOCK_H

#include <lua.h>

void clock_register(lua_State *L, int module_index);

#endif
