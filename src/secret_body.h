/* The answers that carry a secret Atlas shows once: creating an API key
 * (its privateKey) and creating a service account or a secret of one (the
 * secret's `secret`).  The libcurl transport recognises these requests by
 * method and path (secret_route) and, before the body becomes a Lua
 * string, takes the value out of the raw body (secret_take): the body Lua
 * sees holds SECRET_PLACEHOLDER instead, the bytes are wiped, and the
 * value lives only in a created-secret credential (credential.h).
 *
 * Lua API:
 *   core.secret_route(method, url)  -> the field name ("privateKey" |
 *                                      "secret") or nil
 *   core.take_secret(headers)       -> the created secret the transport
 *                                      left in a response's headers table
 *                                      (removed from it), or nil
 *   core.SECRET_PLACEHOLDER         -> "<secret>"
 */
#ifndef ATLAS_ADMIN_SECRET_BODY_H
#define ATLAS_ADMIN_SECRET_BODY_H

#include <stddef.h>

#include <lua.h>

#include "buffer.h"

#define SECRET_PLACEHOLDER "<secret>"

/* The field holding a once-only secret in the answer to this request, or
 * NULL.  url: absolute, with or without a query.  Pure C. */
const char *secret_route(const char *method, const char *url);

/* Takes every string value of member `field` out of the JSON text in body
 * (at any depth: an envelope, a service account's secrets list), leaving
 * SECRET_PLACEHOLDER in its place and wiping the bytes.  The first value
 * becomes a created secret stored in the table at headers_idx (under a key
 * only core.take_secret knows).  Returns the number of values taken. */
int secret_take(lua_State *L, buffer_t *body, const char *field, int headers_idx);

void secret_body_register(lua_State *L, int module_index);

#endif
