/* What transport.c shares with multi.c (the batch engine): the transport
 * object and the two halves of a request, setup and collection, so a
 * transfer can run either under curl_easy_perform (transport:send) or
 * inside a multi handle (multi:add / multi:perform / transport:finish)
 * with exactly the same options, headers, limits and redaction. */
#ifndef ATLAS_ADMIN_TRANSPORT_INTERNAL_H
#define ATLAS_ADMIN_TRANSPORT_INTERNAL_H

#include <curl/curl.h>
#include <lua.h>

#include "buffer.h"

#define TRANSPORT_MT "atlas_admin.transport"
#define DEFAULT_MAX_RESPONSE ((size_t)8 * 1024 * 1024)
#define MAX_RESPONSE_LIMIT ((size_t)1024 * 1024 * 1024) /* 1 GiB: more is a mistake */
#define DEFAULT_MAX_HEADER ((size_t)64 * 1024)
#define MAX_HEADER_LIMIT ((size_t)16 * 1024 * 1024)
#define MAX_EXCHANGES 8 /* a call is at most a challenge, a resend and a token request */
#define REDACTED "<redacted>"

typedef struct {
  buffer_t req_head, req_body, resp_head, resp_body;
  long status;
  double start, end;
} exchange_t;

struct multi_s;

typedef struct transport_s {
  CURL *curl;                 /* NULL once closed */
  struct curl_slist *headers; /* the current request's headers (may hold a token) */
  buffer_t head;              /* header block of the latest response */
  buffer_t body;              /* body of the latest response (may hold a token) */
  buffer_t form;              /* an OAuth form body (may hold a token) */
  size_t max_response, max_header;
  int too_large, header_too_large;
  int trace, redact_bodies;   /* trace: collect exchanges; redact: an OAuth transfer */
  int nexchanges;             /* exchanges begun in this transfer (may exceed MAX_EXCHANGES) */
  exchange_t exchanges[MAX_EXCHANGES];
  char errbuf[CURL_ERROR_SIZE];
  /* Batch state (multi.c): the multi whose transfer this handle is in
   * (NULL when idle), its neighbours in that multi's list, the caller's id
   * for the transfer, and once it completed, its result until finish(). */
  struct multi_s *multi;
  struct transport_s *mprev, *mnext;
  lua_Integer transfer_id;
  int done;
  CURLcode done_rc;
} transport_t;

/* The open, idle transport at idx (raises on a closed or busy one). */
transport_t *transport_check_idle(lua_State *L, int idx);

/* Reads method, url, headers, body, bearer, once from the stack at
 * base..base+5, checks them and sets the request up on t's handle (the
 * body copied by libcurl when copy_body is set: a multi transfer outlives
 * the Lua call that started it).  Raises on bad arguments before touching
 * the handle's request state; returns libcurl's verdict on the options. */
CURLcode transport_setup_request(lua_State *L, transport_t *t, int base, int copy_body);

/* After a transfer (or a failed setup): unhooks and wipes the header
 * list.  Pure C, never raises. */
void transport_after_transfer(transport_t *t);

/* Pushes status, headers, body, info | nil, code, message, info for the
 * transfer that ended with rc, then wipes the response body.  Returns 4. */
int transport_push_result(lua_State *L, transport_t *t, CURLcode rc);

/* multi.c: takes t out of its multi (transport close, multi close). */
void multi_detach(transport_t *t);

#endif
