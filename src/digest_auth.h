/* HTTP Digest computed by the core, for the nginx cosocket transport. */
#ifndef ATLAS_ADMIN_DIGEST_AUTH_H
#define ATLAS_ADMIN_DIGEST_AUTH_H

#include <lua.h>

void digest_auth_register(lua_State *L, int module_index);

#endif
