/* core.sha256_hex(s): the SHA-256 of a string, as 64 lowercase hex digits.
 * Access plans fingerprint the state they were made from with it, so that
 * applying a plan can tell whether the organization changed since (the
 * state is a canonical JSON text of a few hundred kilobytes at most).  Not
 * for secrets: nothing secret is ever hashed here. */
#include "hash.h"

#include <openssl/evp.h>

#include <lauxlib.h>

#include "compat.h"

static int l_sha256_hex(lua_State *L) {
  static const char hex[] = "0123456789abcdef";
  size_t len, i;
  const char *s = luaL_checklstring(L, 1, &len);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  char out[2 * EVP_MAX_MD_SIZE];
  if (EVP_Digest(s, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
    return luaL_error(L, "atlas-admin: SHA-256 is not available from libcrypto");
  for (i = 0; i < n; i++) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  lua_pushlstring(L, out, 2 * (size_t)n);
  return 1;
}

void hash_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_sha256_hex);
  lua_setfield(L, module_index, "sha256_hex");
}
