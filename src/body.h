/* Request bodies: schemas, their checks and their JSON (body.c). */
#ifndef ATLAS_ADMIN_BODY_H
#define ATLAS_ADMIN_BODY_H

#include <lua.h>

/* core.body_schema, core.check_body */
void body_register(lua_State *L, int module_index);

#endif
