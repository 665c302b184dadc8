/* Service accounts: POST /api/oauth/token (client credentials) and
 * POST /api/oauth/revoke, both with HTTP Basic client_id:client_secret,
 * and the table of issued tokens that bearer requests are checked against.
 * Any of an account's secrets that has not expired is accepted
 * (service_accounts.c), and issuing a token records the secret's
 * lastUsedAt.  A token names its account by client id, looked up at each
 * use, so deleting the account ends its tokens.
 *
 * Limits mirror Atlas: --token-rate token requests per rolling minute per
 * account (429 with Retry-After) and --token-cap live tokens (403
 * access_denied). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "server.h"

#define TOKENS 8192
#define RECENT 1024

typedef struct {
  char value[65];
  char client_id[80]; /* looked up at each use: the account may have been deleted */
  time_t expires;
  int revoked;
} token_t;

static token_t tokens[TOKENS];
static size_t token_count;

typedef struct {
  char client_id[128];
  time_t when;
} recent_t;
static recent_t recent[RECENT]; /* token requests, for the rate limit */
static size_t recent_next;

void oauth_forget_all(void) {
  memset(tokens, 0, sizeof tokens);
  token_count = 0;
  memset(recent, 0, sizeof recent);
  recent_next = 0;
}

void oauth_expire_all(void) {
  size_t i;
  for (i = 0; i < token_count; i++) tokens[i].expires = 0;
}

void oauth_revoke_all(void) {
  size_t i;
  for (i = 0; i < token_count; i++) tokens[i].revoked = 1;
}

static int live(const token_t *t) { return !t->revoked && t->expires > time(NULL); }

auth_result_t oauth_verify_bearer(const char *token, principal_t *who) {
  json_t *account;
  size_t i;
  for (i = 0; i < token_count; i++) {
    if (strcmp(tokens[i].value, token) != 0) continue;
    account = store_service_account(tokens[i].client_id);
    if (!live(&tokens[i]) || !account) return AUTH_BAD;
    who->name = json_string_value(json_object_get(account, "client_id"));
    who->identity = account;
    who->account = 1;
    return AUTH_OK;
  }
  return AUTH_BAD;
}

/* Decodes `Authorization: Basic base64(user:pass)`. */
int parse_basic(struct MHD_Connection *c, char *user, size_t ul, char *pass, size_t pl) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  unsigned char out[512];
  size_t len;
  int n;
  char *colon;
  if (!h || strncmp(h, "Basic ", 6) != 0) return -1;
  h += 6;
  len = strlen(h);
  if (len == 0 || len % 4 || len / 4 * 3 >= sizeof out) return -1;
  n = EVP_DecodeBlock(out, (const unsigned char *)h, (int)len);
  if (n < 0) return -1;
  if (len >= 1 && h[len - 1] == '=') n--;
  if (len >= 2 && h[len - 2] == '=') n--;
  out[n] = '\0';
  colon = strchr((char *)out, ':');
  if (!colon) return -1;
  *colon = '\0';
  if (strlen((char *)out) >= ul || strlen(colon + 1) >= pl) return -1;
  strcpy(user, (char *)out);
  strcpy(pass, colon + 1);
  return 0;
}

/* Finds name=value in an x-www-form-urlencoded body (values we issue need
 * no decoding beyond '+' and %XX). */
static int form_value(const request_t *req, const char *name, char *out, size_t outlen) {
  size_t nlen = strlen(name), i = 0;
  const char *p = req->body ? req->body : "", *end = p + req->len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    if ((size_t)(stop - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
      const char *v = p + nlen + 1;
      while (v < stop && i + 1 < outlen) {
        if (*v == '%' && stop - v >= 3) {
          char hex[3] = { v[1], v[2], 0 };
          out[i++] = (char)strtol(hex, NULL, 16);
          v += 3;
        } else {
          out[i++] = *v == '+' ? ' ' : *v;
          v++;
        }
      }
      out[i] = '\0';
      return 0;
    }
    p = amp ? amp + 1 : end;
  }
  return -1;
}

static enum MHD_Result oauth_error(struct MHD_Connection *c, unsigned status, const char *error,
                                   const char *description, json_t *headers) {
  char *text;
  enum MHD_Result ret;
  json_t *body = json_pack("{s:s, s:s}", "error", error, "error_description", description);
  text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(body);
  ret = reply_raw(c, status, "application/json", text, strlen(text), headers, 0);
  free(text);
  json_decref(headers);
  return ret;
}

/* The account named by valid Basic credentials (any of its secrets that
 * has not expired), or NULL; *used: the secret that matched. */
static json_t *authenticate(struct MHD_Connection *c, json_t **used) {
  char id[256], secret[256];
  json_t *account, *s;
  if (parse_basic(c, id, sizeof id, secret, sizeof secret) != 0) return NULL;
  account = store_service_account(id);
  s = account ? service_account_secret(account, secret) : NULL;
  if (used) *used = s;
  return s ? account : NULL;
}

static enum MHD_Result issue_token(struct MHD_Connection *c, const request_t *req) {
  json_t *secret = NULL, *account = authenticate(c, &secret);
  const char *id;
  char grant[64], retry[24];
  size_t i;
  int in_window = 0, alive = 0;
  time_t now = time(NULL), oldest = now;
  token_t *t;
  stats.token_requests++;
  if (!account) return oauth_error(c, 401, "invalid_client", "Invalid client credentials.", NULL);
  if (form_value(req, "grant_type", grant, sizeof grant) != 0 || strcmp(grant, "client_credentials") != 0)
    return oauth_error(c, 400, "unsupported_grant_type", "grant_type must be client_credentials.", NULL);
  id = json_string_value(json_object_get(account, "client_id"));
  for (i = 0; i < RECENT; i++) {
    if (recent[i].when && strcmp(recent[i].client_id, id) == 0 && now - recent[i].when < 60) {
      in_window++;
      if (recent[i].when < oldest) oldest = recent[i].when;
    }
  }
  if (in_window >= config.token_rate) {
    int wait = (int)(60 - (now - oldest));
    snprintf(retry, sizeof retry, "%d", wait > 0 ? wait : 1);
    return oauth_error(c, 429, "rate_limited", "Too many token requests for this service account.",
                       json_pack("{s:s}", "Retry-After", retry));
  }
  for (i = 0; i < token_count; i++)
    if (strcmp(tokens[i].client_id, id) == 0 && live(&tokens[i])) alive++;
  if (alive >= config.token_cap) {
    char d[160];
    snprintf(d, sizeof d, "The service account has reached the maximum of %d active tokens.", config.token_cap);
    return oauth_error(c, 403, "access_denied", d, NULL);
  }
  snprintf(recent[recent_next].client_id, sizeof recent[recent_next].client_id, "%s", id);
  recent[recent_next].when = now;
  recent_next = (recent_next + 1) % RECENT;
  if (token_count == TOKENS) return oauth_error(c, 503, "temporarily_unavailable", "Token table full.", NULL);
  t = &tokens[token_count++];
  store_random_hex(t->value, 32);
  snprintf(t->client_id, sizeof t->client_id, "%s", id);
  t->expires = now + (time_t)config.token_ttl;
  t->revoked = 0;
  stats.tokens_issued++;
  {
    /* A secret's lastUsedAt is when it last got a token. */
    char when[32];
    store_iso_time(now, when);
    json_object_set_new(secret, "lastUsedAt", json_string(when));
  }
  return reply_json(c, 200, json_pack("{s:s, s:s, s:i}", "access_token", t->value, "token_type", "Bearer",
                                      "expires_in", (int)config.token_ttl), "application/json", 0, 0);
}

static enum MHD_Result revoke_token(struct MHD_Connection *c, const request_t *req) {
  json_t *account = authenticate(c, NULL);
  const char *id = json_string_value(json_object_get(account, "client_id"));
  char value[128];
  size_t i;
  if (!account) return oauth_error(c, 401, "invalid_client", "Invalid client credentials.", NULL);
  if (form_value(req, "token", value, sizeof value) != 0)
    return oauth_error(c, 400, "invalid_request", "token is required.", NULL);
  for (i = 0; i < token_count; i++) {
    if (strcmp(tokens[i].client_id, id) == 0 && strcmp(tokens[i].value, value) == 0 && !tokens[i].revoked) {
      tokens[i].revoked = 1;
      stats.revocations++;
    }
  }
  /* RFC 7009: an unknown token is not an error. */
  return reply_json(c, 200, json_object(), "application/json", 0, 0);
}

enum MHD_Result oauth_handle(struct MHD_Connection *c, const char *url, const request_t *req) {
  if (strcmp(url, "/api/oauth/token") == 0) return issue_token(c, req);
  return revoke_token(c, req);
}
