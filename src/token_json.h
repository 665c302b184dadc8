/* A strict scanner for the OAuth token endpoint's JSON answer, so that the
 * access token goes from libcurl's buffer straight into a credential and
 * never becomes a Lua string (issue: secrets the core copies). */
#ifndef ATLAS_ADMIN_TOKEN_JSON_H
#define ATLAS_ADMIN_TOKEN_JSON_H

#include <stddef.h>

typedef struct {
  const char *token;     /* points into the scanned text; NULL if absent */
  size_t token_len;
  const char *type;      /* token_type, NULL if absent */
  size_t type_len;
  double expires_in;
  int has_expires_in;
} token_fields_t;

/* Scans a JSON object for access_token (a string of URL-safe/base64/JWT
 * characters, no escapes), expires_in (a number) and token_type (a
 * string without escapes); other members are skipped whatever they hold.
 * Returns 0 when the text is one well-formed JSON object, -1 otherwise. */
int token_json_scan(const char *text, size_t len, token_fields_t *out);

#endif
