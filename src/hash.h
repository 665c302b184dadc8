/* Content hashes (SHA-256 through libcrypto): core.sha256_hex(s). */
#ifndef ATLAS_ADMIN_HASH_H
#define ATLAS_ADMIN_HASH_H

#include <lua.h>

void hash_register(lua_State *L, int module_index);

#endif
