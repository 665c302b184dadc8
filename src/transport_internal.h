/* What transport.c shares with the files built around it: the transport
 * object and the halves of a request (setup, collection), so a transfer
 * can run under curl_easy_perform (transport:send, oauth.c's
 * transport:oauth) or inside a multi handle (multi.c: multi:add /
 * multi:perform / transport:finish) with exactly the same options,
 * headers, limits and redaction (trace_collect.c).
 *
 * Dependencies run one way: multi.c and oauth.c use transport.c;
 * transport.c uses trace_collect.c and calls neither multi.c nor oauth.c
 * (oauth.c adds its method to the class itself; a multi that takes a
 * transport's handle leaves it a detach callback, below). */
#ifndef ATLAS_ADMIN_TRANSPORT_INTERNAL_H
#define ATLAS_ADMIN_TRANSPORT_INTERNAL_H

#include <curl/curl.h>
#include <lua.h>

#include "buffer.h"
#include "credential.h"
#include "trace_collect.h"

#define TRANSPORT_MT "atlas_admin.transport"
#define DEFAULT_MAX_RESPONSE ((size_t)8 * 1024 * 1024)
#define MAX_RESPONSE_LIMIT ((size_t)1024 * 1024 * 1024) /* 1 GiB: more is a mistake */
#define DEFAULT_MAX_HEADER ((size_t)64 * 1024)
#define MAX_HEADER_LIMIT ((size_t)16 * 1024 * 1024)

struct transport_s;

/* A batch's hold on a transport.  Written by the owner (multi.c) only: it
 * sets owner and detach when it takes the handle and clears them when it
 * gives the handle back; it sets done/done_rc when the transfer completed.
 * The transport reads owner (busy or not), calls detach when it is closed
 * while still held, and clears done once the result is collected. */
typedef struct {
  void *owner;                         /* the multi holding the handle; NULL when idle */
  void (*detach)(struct transport_s *); /* gives the handle back (owner's code); set with owner */
  struct transport_s *prev, *next;     /* the owner's list of the transports it holds */
  lua_Integer transfer_id;             /* the caller's id for the transfer */
  int done;                            /* completed: its result waits for transport:finish() */
  CURLcode done_rc;
} transport_batch_t;

typedef struct transport_s {
  CURL *curl;                 /* NULL once closed */
  /* The request headers: the fixed lines (Expect, User-Agent,
   * Accept-Encoding), the request's own, then the bearer line for the
   * length of one transfer.  A request that names its headers as a
   * string of lines (what the client compiles once per operation) reuses
   * the list while that string stays the same: nothing per call but the
   * bearer line.  last_fixed: the node the bearer line hangs off. */
  struct curl_slist *headers;
  struct curl_slist *last_fixed;
  char *lines;                /* the header-lines string the list was built from, if cached */
  size_t lines_len;
  char *ua_line;              /* "User-Agent: ...", or NULL */
  int lines_kind;             /* what the list was built for: HEADERS_READ | HEADERS_LARGE_BODY */
  char ae_line[64];           /* "Accept-Encoding: gzip", or empty when libcurl cannot decode it */
  buffer_t head;              /* header block of the latest response */
  buffer_t body;              /* body of the latest response (may hold a token) */
  buffer_t form;              /* an OAuth form body (oauth.c; may hold a token) */
  const char *secret_field;   /* this answer carries a once-only secret in this member (secret_body.h), or NULL */
  size_t max_response, max_header;
  int too_large, header_too_large;
  int trace;                  /* collect exchanges (trace_collect.c) into tr */
  trace_t tr;
  char errbuf[CURL_ERROR_SIZE];
  transport_batch_t batch;
} transport_t;

/* The open, idle transport at idx (raises on a closed or busy one). */
transport_t *transport_check_idle(lua_State *L, int idx);

/* Raises unless the string at idx is an absolute http(s) URL without
 * space, control byte or NUL. */
void transport_check_url(lua_State *L, int idx);

/* The request header list: wiped, freed and unhooked from the handle (it
 * may carry a bearer token); one C string appended (0, or -1 when out of
 * memory, the old list kept); the fixed lines every request starts with
 * (a fresh list: Expect, User-Agent, Accept-Encoding, as kind says).
 * Pure C. */
void transport_free_headers(transport_t *t);
int transport_append_header(transport_t *t, const char *line);
#define HEADERS_READ 1       /* a GET: asks for compression */
#define HEADERS_LARGE_BODY 2 /* a body of 1 KiB or more: turns Expect: 100-continue off */
int transport_fixed_headers(transport_t *t, int kind);

/* Sets the method and the body (NULL: none) on the handle; the body is
 * copied by libcurl when copy is set, else it must outlive the transfer. */
CURLcode transport_set_method(CURL *c, const char *method, const char *body, size_t body_len, int copy);

/* Resets the per-transfer state before a transfer starts.  Pure C. */
void transport_begin_transfer(transport_t *t);

/* Reads method, url, headers, body, bearer, once from the stack at
 * base..base+5, checks them and sets the request up on t's handle (the
 * body copied by libcurl when copy_body is set: a multi transfer outlives
 * the Lua call that started it).  Raises on bad arguments before touching
 * the handle's request state; returns libcurl's verdict on the options. */
CURLcode transport_setup_request(lua_State *L, transport_t *t, int base, int copy_body);

/* After a transfer (or a failed setup): the bearer line is unhooked and
 * wiped; a header list built from a table is freed, one built from a
 * header-lines string is kept for the next request.  Pure C, never
 * raises. */
void transport_after_transfer(transport_t *t);

/* Pushes status, headers, body (an empty string unless with_body), info |
 * nil, code, message, info for the transfer that ended with rc.  After a
 * failure the response body is wiped; after a success it is left for the
 * caller (oauth.c reads a token from it), who wipes it.  Returns 4. */
int transport_push_response(lua_State *L, transport_t *t, CURLcode rc, int with_body, int always_info);

/* transport_push_response with the body, then wipes the response body.
 * Returns 4. */
int transport_push_result(lua_State *L, transport_t *t, CURLcode rc);

#endif
