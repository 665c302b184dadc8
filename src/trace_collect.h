/* Trace collection for the libcurl transport (client option trace): the
 * exchanges of one transfer, redacted as they are collected.  Knows
 * nothing of the transport: the transport embeds a trace_t, points
 * CURLOPT_DEBUGFUNCTION/DEBUGDATA at trace_on_debug and it, and pushes the
 * result with trace_push_exchanges. */
#ifndef ATLAS_ADMIN_TRACE_COLLECT_H
#define ATLAS_ADMIN_TRACE_COLLECT_H

#include <stddef.h>

#include <curl/curl.h>
#include <lua.h>

#include "buffer.h"
#include "header_rules.h" /* REDACTED */

#define MAX_EXCHANGES 8 /* a call is at most a challenge, a resend and a token request */

typedef struct {
  buffer_t req_head, req_body, resp_head, resp_body;
  long status;
  double start, end;
} exchange_t;

typedef struct {
  size_t max_head, max_body; /* caps per header block and per body (the transport's limits) */
  int redact_bodies;         /* set for an OAuth transfer: bodies become REDACTED */
  int redact_response_body;  /* set for an answer carrying a once-only secret: its body becomes REDACTED */
  int nexchanges;            /* exchanges begun in this transfer (may exceed MAX_EXCHANGES) */
  exchange_t exchanges[MAX_EXCHANGES];
} trace_t;

/* Starts a new transfer: no exchange yet.  Pure C. */
void trace_begin(trace_t *tr);

/* CURLOPT_DEBUGFUNCTION, with the trace_t as CURLOPT_DEBUGDATA: one
 * exchange per request sent.  Redaction happens here, before the bytes
 * are kept anywhere.  Pure C: runs inside libcurl, never calls Lua. */
int trace_on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud);

/* Appends a block of header lines to b, replacing the value of every
 * sensitive header (header_rules.c: Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie) with REDACTED.  Whole lines, up to cap bytes in b.
 * Pure C. */
void trace_headers(buffer_t *b, const char *data, size_t len, size_t cap);

/* Pushes the transfer's exchanges as a sequence of tables (method, url,
 * status, request_head, request_body, response_head, response_body,
 * elapsed), with "dropped" when more than MAX_EXCHANGES were begun; url
 * is the handle's effective URL. */
void trace_push_exchanges(lua_State *L, const trace_t *tr, CURL *curl);

/* Frees every exchange's buffers (close and __gc).  Pure C. */
void trace_free(trace_t *tr);

#endif
