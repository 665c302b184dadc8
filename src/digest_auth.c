/* HTTP Digest computed by the core, for a transport that is not libcurl
 * (the nginx cosocket path).  libcurl answers digest challenges itself;
 * nginx's cosockets do not, so the core does what libcurl would: parse the
 * challenge, then answer with MD5 and qop=auth, reusing the nonce with an
 * incremented nc until the server says stale=true.
 *
 *   core.digest_session() -> session
 *   session:challenge(www_authenticate) -> true, stale | nil, message
 *       adopts the challenge's realm, nonce, opaque and qop; nc restarts
 *   session:authorization(credential, method, uri) -> "Digest ..." | nil
 *       nil before any challenge; nc is incremented, the cnonce is fresh
 *   session:reset()      forgets the nonce (the next request draws a challenge)
 *   session:has_nonce()  true once a challenge was adopted
 *
 * The private key stays in the credential: HA1 = MD5(user:realm:key) is
 * computed here and wiped; the header holds only hashes.  MD5 comes from
 * OpenSSL's libcrypto (libcurl's TLS library on Debian) rather than being
 * written again. */
#include "digest_auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buffer.h"
#include "compat.h"
#include "credential.h"

#define SESSION_MT "atlas_admin.digest_session"
#define FIELD_MAX 512

typedef struct {
  char realm[FIELD_MAX], nonce[FIELD_MAX], opaque[FIELD_MAX];
  int has_nonce, qop_auth;
  unsigned long nc;
} session_t;

/* Copies the value of name="..." or name=token from a challenge.  Returns
 * 1 when found, 0 when absent, -1 when malformed or too long. */
static int param(const char *h, const char *name, char *out, size_t outsz) {
  size_t nl = strlen(name);
  const char *p = h;
  while (*p) {
    const char *key;
    size_t kl, n = 0;
    int quoted;
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    key = p;
    while (*p && *p != '=' && *p != ',' && *p != ' ') p++;
    kl = (size_t)(p - key);
    while (*p == ' ') p++;
    if (*p != '=') continue; /* a bare token (the "Digest" scheme name) */
    p++;
    while (*p == ' ') p++;
    quoted = *p == '"';
    if (quoted) p++;
    {
      int match = kl == nl && strncasecmp(key, name, nl) == 0;
      while (*p && (quoted ? *p != '"' : (*p != ',' && *p != ' '))) {
        if (quoted && *p == '\\' && p[1]) p++;
        if (match) {
          if (n + 1 >= outsz) return -1;
          out[n++] = *p;
        }
        p++;
      }
      if (quoted) {
        if (*p != '"') return -1;
        p++;
      }
      if (match) {
        out[n] = '\0';
        return 1;
      }
    }
  }
  return 0;
}

static int printable(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7f) return 0;
  return 1;
}

static void md5_hex(const char *data, size_t len, char out[33]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0, i;
  EVP_Digest(data, len, digest, &n, EVP_md5(), NULL);
  for (i = 0; i < n && i < 16; i++) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  out[32] = '\0';
  buffer_wipe_bytes(digest, sizeof digest);
}

static session_t *check_session(lua_State *L) { return (session_t *)luaL_checkudata(L, 1, SESSION_MT); }

static int l_new(lua_State *L) {
  session_t *s = (session_t *)lua_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  luaL_getmetatable(L, SESSION_MT);
  lua_setmetatable(L, -2);
  return 1;
}

static int l_challenge(lua_State *L) {
  session_t *s = check_session(L);
  size_t len;
  const char *h = luaL_checklstring(L, 2, &len);
  char realm[FIELD_MAX], nonce[FIELD_MAX], opaque[FIELD_MAX] = "", qop[FIELD_MAX] = "", stale[16] = "",
       algorithm[32] = "";
  int stale_flag;
  if (strlen(h) != len || len > 4096 || strncasecmp(h, "Digest", 6) != 0 || (h[6] != ' ' && h[6] != '\t')) {
    lua_pushnil(L);
    lua_pushliteral(L, "not a Digest challenge");
    return 2;
  }
  h += 6;
  if (param(h, "realm", realm, sizeof realm) != 1 || param(h, "nonce", nonce, sizeof nonce) != 1 ||
      param(h, "opaque", opaque, sizeof opaque) < 0 || param(h, "qop", qop, sizeof qop) < 0 ||
      param(h, "stale", stale, sizeof stale) < 0 || param(h, "algorithm", algorithm, sizeof algorithm) < 0 ||
      !printable(realm) || !printable(nonce) || !printable(opaque) || nonce[0] == '\0') {
    lua_pushnil(L);
    lua_pushliteral(L, "malformed Digest challenge");
    return 2;
  }
  if (algorithm[0] && strcasecmp(algorithm, "MD5") != 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "unsupported Digest algorithm (only MD5, as Atlas uses)");
    return 2;
  }
  stale_flag = strcasecmp(stale, "true") == 0;
  memcpy(s->realm, realm, sizeof realm);
  memcpy(s->nonce, nonce, sizeof nonce);
  memcpy(s->opaque, opaque, sizeof opaque);
  /* qop may list several options ("auth,auth-int"): we answer auth. */
  s->qop_auth = qop[0] == '\0' ? 0 : strstr(qop, "auth") != NULL;
  s->nc = 0;
  s->has_nonce = 1;
  lua_pushboolean(L, 1);
  lua_pushboolean(L, stale_flag);
  return 2;
}

static int l_authorization(lua_State *L) {
  session_t *s = check_session(L);
  credential_t *cred = credential_check(L, 2);
  size_t ml, ul;
  const char *method = luaL_checklstring(L, 3, &ml);
  const char *uri = luaL_checklstring(L, 4, &ul);
  char a1[3 * FIELD_MAX + 16400], a2[4200], ha1[33], ha2[33], response[33], resp_in[4 * FIELD_MAX + 200];
  char cnonce_hex[33], nc[9];
  unsigned char cnonce[16];
  int i, n;
  char header[6 * FIELD_MAX + 4400];
  luaL_argcheck(L, cred->kind == CREDENTIAL_DIGEST, 2, "digest credential expected");
  luaL_argcheck(L, ml > 0 && ml < 16 && strlen(method) == ml, 3, "invalid method");
  luaL_argcheck(L, ul > 0 && ul < 4096 && strlen(uri) == ul && printable(uri), 4, "invalid uri");
  if (!s->has_nonce) {
    lua_pushnil(L);
    return 1;
  }
  if (RAND_bytes(cnonce, sizeof cnonce) != 1) return luaL_error(L, "atlas-admin: no random bytes for a cnonce");
  for (i = 0; i < 16; i++) snprintf(cnonce_hex + 2 * i, 3, "%02x", cnonce[i]);
  s->nc++;
  snprintf(nc, sizeof nc, "%08lx", s->nc & 0xffffffffUL);
  /* HA1 holds the key's hash; a1 the key itself: both wiped below, before
   * anything that can raise. */
  n = snprintf(a1, sizeof a1, "%s:%s:%s", credential_id(cred), s->realm, credential_secret(cred));
  md5_hex(a1, (size_t)n, ha1);
  buffer_wipe_bytes(a1, sizeof a1);
  n = snprintf(a2, sizeof a2, "%s:%s", method, uri);
  md5_hex(a2, (size_t)n, ha2);
  if (s->qop_auth)
    n = snprintf(resp_in, sizeof resp_in, "%s:%s:%s:%s:auth:%s", ha1, s->nonce, nc, cnonce_hex, ha2);
  else
    n = snprintf(resp_in, sizeof resp_in, "%s:%s:%s", ha1, s->nonce, ha2);
  md5_hex(resp_in, (size_t)n, response);
  buffer_wipe_bytes(ha1, sizeof ha1);
  buffer_wipe_bytes(resp_in, sizeof resp_in);
  if (s->qop_auth)
    n = snprintf(header, sizeof header,
                 "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", qop=auth, nc=%s, cnonce=\"%s\", "
                 "response=\"%s\", algorithm=MD5%s%s%s",
                 credential_id(cred), s->realm, s->nonce, uri, nc, cnonce_hex, response,
                 s->opaque[0] ? ", opaque=\"" : "", s->opaque, s->opaque[0] ? "\"" : "");
  else
    n = snprintf(header, sizeof header,
                 "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=MD5%s%s%s",
                 credential_id(cred), s->realm, s->nonce, uri, response, s->opaque[0] ? ", opaque=\"" : "",
                 s->opaque, s->opaque[0] ? "\"" : "");
  if (n < 0 || (size_t)n >= sizeof header) return luaL_error(L, "atlas-admin: digest header too long");
  lua_pushlstring(L, header, (size_t)n);
  return 1;
}

static int l_reset(lua_State *L) {
  session_t *s = check_session(L);
  memset(s, 0, sizeof *s);
  return 0;
}

static int l_has_nonce(lua_State *L) {
  lua_pushboolean(L, check_session(L)->has_nonce);
  return 1;
}

/* "Basic base64(id:secret)" for a service account, "Bearer <token>" for a
 * bearer credential: the Authorization value a transport that is not
 * libcurl must put on the wire.  These necessarily become Lua strings
 * (nginx's cosockets send Lua strings); only the cosocket transport asks
 * for them, and the README lists the copy. */
static int l_authorization_value(lua_State *L) {
  credential_t *c = credential_check(L, 1);
  if (c->kind == CREDENTIAL_BEARER) {
    lua_pushliteral(L, "Bearer ");
    lua_pushlstring(L, credential_secret(c), c->secret_len);
    lua_concat(L, 2);
    return 1;
  }
  if (c->kind == CREDENTIAL_SERVICE_ACCOUNT) {
    size_t raw_len = c->id_len + 1 + c->secret_len, enc_len = 4 * ((raw_len + 2) / 3);
    unsigned char *raw = (unsigned char *)lua_newuserdata(L, raw_len + enc_len + 1); /* scratch: raise-safe */
    unsigned char *enc = raw + raw_len;
    memcpy(raw, credential_id(c), c->id_len);
    raw[c->id_len] = ':';
    memcpy(raw + c->id_len + 1, credential_secret(c), c->secret_len);
    EVP_EncodeBlock(enc, raw, (int)raw_len);
    buffer_wipe_bytes(raw, raw_len);
    lua_pushliteral(L, "Basic ");
    lua_pushlstring(L, (const char *)enc, enc_len);
    buffer_wipe_bytes(enc, enc_len);
    lua_concat(L, 2);
    return 1;
  }
  return luaL_argerror(L, 1, "bearer or service account credential expected");
}

void digest_auth_register(lua_State *L, int module_index) {
  static const luaL_Reg methods[] = {
    { "challenge", l_challenge }, { "authorization", l_authorization }, { "reset", l_reset },
    { "has_nonce", l_has_nonce }, { NULL, NULL },
  };
  static const luaL_Reg meta[] = { { NULL, NULL } };
  module_index = aa_absindex(L, module_index);
  aa_newclass(L, SESSION_MT, methods, meta);
  lua_pushcfunction(L, l_new);
  lua_setfield(L, module_index, "digest_session");
  lua_pushcfunction(L, l_authorization_value);
  lua_setfield(L, module_index, "authorization_value");
}
