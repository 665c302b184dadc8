/* The value checks of the programmatic identities (API keys and service
 * accounts, atlas-identities-openapi.yaml): their texts, a secret's
 * lifetime, access-list addresses and a service account's client id, and
 * the path parameters that are not plain ids.  Each returns 1, or 0 with
 * the problem filled (problem.h), like checks.h; none of these values is a
 * secret, so messages may show them. */
#ifndef ATLAS_ADMIN_IDENTITY_CHECKS_H
#define ATLAS_ADMIN_IDENTITY_CHECKS_H

#include <lua.h>

#include "problem.h"

/* An API key's desc: 1..250 characters of UTF-8 text without controls. */
int check_key_desc(lua_State *L, int idx, const char *field, problem_t *p);

/* A service account's name (1..64 characters) or description (1..250):
 * letters and digits of any alphabet, space and - _ . , ' (the spec's
 * ^[\p{L}\p{N}\-_.,' ]*$). */
int check_account_name(lua_State *L, int idx, const char *field, problem_t *p);
int check_account_description(lua_State *L, int idx, const char *field, problem_t *p);

/* secretExpiresAfterHours: a whole number of hours, above 0 and within
 * int32 (the spec's bounds; the organization's settings narrow them). */
int check_secret_hours(lua_State *L, int idx, const char *field, problem_t *p);

/* One IPv4 or IPv6 address (no prefix), and one CIDR block
 * (address/prefix, the prefix within 0..32 or 0..128, no host bits set). */
int check_ip_address(lua_State *L, int idx, const char *field, problem_t *p);
int check_cidr_block(lua_State *L, int idx, const char *field, problem_t *p);

/* A service account's client id: mdb_sa_id_ and 24 hexadecimal digits. */
int check_client_id(lua_State *L, int idx, const char *field, problem_t *p);

/* A path parameter, by its name: clientId a client id, ipAddress an
 * address or block as a path segment (the block's "/" written %2F, as the
 * spec asks), anything else an id (checks.h check_id). */
int check_path_param(lua_State *L, int idx, const char *name, problem_t *p);

/* core.check_client_id(v [, field]), core.check_access_address(v [, field]):
 * true | nil, field, message.  check_access_address takes an address or a
 * block (with "/"), as a caller writes it. */
void identity_checks_register(lua_State *L, int module_index);

#endif
