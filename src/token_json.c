/* See token_json.h.  Not a general JSON parser: it only has to find three
 * members of a flat object and skip everything else correctly, and it
 * refuses anything it does not fully understand (a token response that is
 * not plain is treated as malformed, never guessed at). */
#include "token_json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

typedef struct {
  const char *p, *end;
} scan_t;

static void skip_ws(scan_t *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

/* A string starting at s->p (a '"').  Sets start and len to the raw
 * contents and *escaped when it holds a backslash. */
static int scan_string(scan_t *s, const char **start, size_t *len, int *escaped) {
  const char *q;
  if (s->p >= s->end || *s->p != '"') return -1;
  q = ++s->p;
  *escaped = 0;
  while (s->p < s->end && *s->p != '"') {
    unsigned char c = (unsigned char)*s->p;
    if (c < 0x20) return -1;
    if (c == '\\') {
      *escaped = 1;
      if (++s->p >= s->end) return -1;
    }
    s->p++;
  }
  if (s->p >= s->end) return -1;
  *start = q;
  *len = (size_t)(s->p - q);
  s->p++; /* closing quote */
  return 0;
}

static int scan_number(scan_t *s, double *value) {
  char buf[64];
  const char *q = s->p;
  size_t n;
  char *endp;
  if (s->p < s->end && *s->p == '-') s->p++;
  while (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '.' || *s->p == 'e' || *s->p == 'E' ||
                           *s->p == '+' || *s->p == '-'))
    s->p++;
  n = (size_t)(s->p - q);
  if (n == 0 || n >= sizeof buf) return -1;
  memcpy(buf, q, n);
  buf[n] = '\0';
  *value = strtod(buf, &endp);
  return *endp == '\0' ? 0 : -1;
}

static int skip_value(scan_t *s, int depth);

static int skip_container(scan_t *s, int depth, char close) {
  s->p++; /* '{' or '[' */
  skip_ws(s);
  if (s->p < s->end && *s->p == close) { s->p++; return 0; }
  for (;;) {
    skip_ws(s);
    if (close == '}') {
      const char *k;
      size_t kl;
      int esc;
      if (scan_string(s, &k, &kl, &esc) != 0) return -1;
      skip_ws(s);
      if (s->p >= s->end || *s->p != ':') return -1;
      s->p++;
    }
    if (skip_value(s, depth + 1) != 0) return -1;
    skip_ws(s);
    if (s->p >= s->end) return -1;
    if (*s->p == ',') { s->p++; continue; }
    if (*s->p == close) { s->p++; return 0; }
    return -1;
  }
}

static int skip_literal(scan_t *s, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return -1;
  s->p += n;
  return 0;
}

static int skip_value(scan_t *s, int depth) {
  const char *str;
  size_t len;
  int esc;
  double d;
  if (depth > MAX_DEPTH) return -1;
  skip_ws(s);
  if (s->p >= s->end) return -1;
  switch (*s->p) {
  case '"': return scan_string(s, &str, &len, &esc);
  case '{': return skip_container(s, depth, '}');
  case '[': return skip_container(s, depth, ']');
  case 't': return skip_literal(s, "true");
  case 'f': return skip_literal(s, "false");
  case 'n': return skip_literal(s, "null");
  default: return scan_number(s, &d);
  }
}

/* Characters of a bearer token (RFC 6750 b64token, which covers JWTs). */
static int token_chars(const char *t, size_t len) {
  size_t i;
  if (len == 0) return 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)t[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~' || c == '+' || c == '/' || c == '='))
      return 0;
  }
  return 1;
}

int token_json_scan(const char *text, size_t len, token_fields_t *out) {
  scan_t s;
  memset(out, 0, sizeof *out);
  if (!text) return -1;
  s.p = text;
  s.end = text + len;
  skip_ws(&s);
  if (s.p >= s.end || *s.p != '{') return -1;
  s.p++;
  skip_ws(&s);
  if (s.p < s.end && *s.p == '}') {
    s.p++;
  } else {
    for (;;) {
      const char *key, *v;
      size_t kl, vl;
      int esc;
      skip_ws(&s);
      if (scan_string(&s, &key, &kl, &esc) != 0) return -1;
      skip_ws(&s);
      if (s.p >= s.end || *s.p != ':') return -1;
      s.p++;
      skip_ws(&s);
      if (!esc && kl == 12 && memcmp(key, "access_token", 12) == 0) {
        if (out->token || scan_string(&s, &v, &vl, &esc) != 0 || esc || !token_chars(v, vl)) return -1;
        out->token = v;
        out->token_len = vl;
      } else if (!esc && kl == 10 && memcmp(key, "token_type", 10) == 0) {
        if (out->type || scan_string(&s, &v, &vl, &esc) != 0 || esc) return -1;
        out->type = v;
        out->type_len = vl;
      } else if (!esc && kl == 10 && memcmp(key, "expires_in", 10) == 0) {
        if (out->has_expires_in || scan_number(&s, &out->expires_in) != 0) return -1;
        out->has_expires_in = 1;
      } else if (skip_value(&s, 1) != 0) {
        return -1;
      }
      skip_ws(&s);
      if (s.p >= s.end) return -1;
      if (*s.p == ',') { s.p++; continue; }
      if (*s.p == '}') { s.p++; break; }
      return -1;
    }
  }
  skip_ws(&s);
  return s.p == s.end ? 0 : -1;
}
