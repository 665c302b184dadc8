/* transport:oauth, the service accounts' token and revoke requests over a
 * libcurl transport (oauth.c). */
#ifndef ATLAS_ADMIN_OAUTH_H
#define ATLAS_ADMIN_OAUTH_H

#include <lua.h>

/* Adds the oauth method to the transport class: call after
 * transport_register. */
void oauth_register(lua_State *L);

#endif
