/* Credentials: API keys (digest), bearer tokens, service accounts, and the
 * secrets Atlas returns once when an identity is created.  The secret
 * lives only inside the userdata; Lua code cannot read a credential back,
 * and reads a created secret only through its reveal method. */
#ifndef ATLAS_ADMIN_CREDENTIAL_H
#define ATLAS_ADMIN_CREDENTIAL_H

#include <stddef.h>
#include <lua.h>

#define CREDENTIAL_MT "atlas_admin.credential"

typedef enum {
  CREDENTIAL_DIGEST = 1,          /* public key + private key */
  CREDENTIAL_BEARER,              /* a ready access token */
  CREDENTIAL_SERVICE_ACCOUNT,     /* client id + client secret (OAuth) */
  CREDENTIAL_CREATED_SECRET,      /* a secret Atlas returned once: an API key's private key on create, a
                                     service account secret's value (no id); the one kind that can be
                                     read back (reveal) or written to a new 0600 file (write_file) */
} credential_kind_t;

typedef struct {
  credential_kind_t kind;
  size_t id_len;      /* public key / client id; 0 for bearer */
  size_t secret_len;  /* private key / token / client secret */
  char data[];        /* id NUL secret NUL */
} credential_t;

static inline const char *credential_id(const credential_t *c) { return c->data; }
static inline const char *credential_secret(const credential_t *c) {
  return c->data + c->id_len + 1;
}

/* Pushes a new credential holding copies of id and secret.  Returns 0, or
 * -1 with nothing pushed when the secret is empty, too long or not
 * printable ASCII.  May raise on out of memory (the caller must hold no
 * malloc'd memory then). */
int credential_push(lua_State *L, credential_kind_t kind, const char *id, size_t id_len,
                    const char *secret, size_t secret_len);

/* Returns the credential at idx, raising a type error if it is not one. */
credential_t *credential_check(lua_State *L, int idx);
const char *credential_kind_name(credential_kind_t kind);
void credential_register(lua_State *L, int module_index);

#endif
