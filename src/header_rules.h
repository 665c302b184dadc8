/* Request and trace header rules, for both transports: which header
 * lines a caller may send, and which values never enter a trace
 * (header_rules.c).  The libcurl transport and its trace collection use
 * them in C; the nginx cosocket transport through core.request_header_text,
 * core.redact_head and core.sensitive_headers. */
#ifndef ATLAS_ADMIN_HEADER_RULES_H
#define ATLAS_ADMIN_HEADER_RULES_H

#include <stddef.h>

#include <lua.h>

#define REDACTED "<redacted>"

/* Header text (a name or a value) without CR, LF or NUL: a Lua string may
 * embed one, and C would silently cut the value there. */
int header_text_valid(const char *s, size_t len);

/* NULL when "name: value" may be sent, else why not (a message without
 * the "atlas-admin: " prefix): CR, LF, NUL, ':' or a space in the name, an
 * empty name, or Authorization (set by the credential, never by a caller). */
const char *header_check(const char *name, size_t nlen, const char *value, size_t vlen);

/* Whether the header line at line (len bytes, "Name: value...") is one
 * whose value never enters a trace: Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie.  Returns the length of its name, or 0. */
size_t header_sensitive(const char *line, size_t len);

/* Walks a block of header lines (split after each LF, the LF kept) and
 * calls put for each: keep == n for a line shown as it is, or the length
 * of the name for a sensitive line, whose value is shown as
 * ": " REDACTED "\r\n" instead.  Stops when put returns nonzero.  Pure C. */
typedef int (*header_put_fn)(void *ctx, const char *line, size_t n, size_t keep);
void header_redact(const char *data, size_t len, header_put_fn put, void *ctx);

/* core.request_header_text(headers) -> text | nil, message
 * core.redact_head(text) -> text with sensitive values replaced
 * core.sensitive_headers() -> { "authorization", ... } */
void header_rules_register(lua_State *L, int module_index);

#endif
