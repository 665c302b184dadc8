/* core.id_path: a request path joined from checked ids (id_path.c). */
#ifndef ATLAS_ADMIN_ID_PATH_H
#define ATLAS_ADMIN_ID_PATH_H

#include <lua.h>

void id_path_register(lua_State *L, int module_index);

#endif
