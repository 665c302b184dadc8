/* Trace collection and redaction for the libcurl transport (trace = true):
 * see trace_collect.h.  The libcurl debug callback only appends to the
 * trace's buffers (which hang off the transport's userdata) and never
 * calls Lua; the exchanges become Lua tables after the transfer, in
 * trace_push_exchanges. */
#include "trace_collect.h"

#include "header_rules.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
  buffer_t *b;
  size_t cap;
} head_sink_t;

/* header_redact's sink: whole lines, up to the cap. */
static int put_line(void *ctx, const char *line, size_t n, size_t keep) {
  head_sink_t *sink = (head_sink_t *)ctx;
  if (sink->b->len + n > sink->cap) return 1;
  buffer_append(sink->b, line, keep);
  if (keep < n) buffer_append(sink->b, ": " REDACTED "\r\n", sizeof(": " REDACTED "\r\n") - 1);
  return 0;
}

void trace_headers(buffer_t *b, const char *data, size_t len, size_t cap) {
  head_sink_t sink;
  sink.b = b;
  sink.cap = cap;
  header_redact(data, len, put_line, &sink);
}

static void trace_body(trace_t *tr, buffer_t *b, const char *data, size_t len, int response) {
  if (tr->redact_bodies || (response && tr->redact_response_body)) {
    if (b->len == 0) buffer_append(b, REDACTED, sizeof REDACTED - 1);
    return;
  }
  if (len > tr->max_body - b->len) len = tr->max_body - b->len;
  buffer_append(b, data, len);
}

void trace_begin(trace_t *tr) { tr->nexchanges = 0; }

int trace_on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud) {
  trace_t *tr = (trace_t *)ud;
  exchange_t *x;
  (void)h;
  if (type == CURLINFO_HEADER_OUT) {
    if (tr->nexchanges < MAX_EXCHANGES) {
      x = &tr->exchanges[tr->nexchanges];
      buffer_clear(&x->req_head);
      buffer_clear(&x->req_body);
      buffer_clear(&x->resp_head);
      buffer_clear(&x->resp_body);
      x->status = 0;
      x->start = x->end = monotonic_now();
    }
    tr->nexchanges++;
  }
  if (tr->nexchanges == 0 || tr->nexchanges > MAX_EXCHANGES) return 0;
  x = &tr->exchanges[tr->nexchanges - 1];
  switch (type) {
  case CURLINFO_HEADER_OUT: trace_headers(&x->req_head, data, size, tr->max_head); break;
  case CURLINFO_DATA_OUT: trace_body(tr, &x->req_body, data, size, 0); break;
  case CURLINFO_HEADER_IN:
    if (size >= 12 && memcmp(data, "HTTP/", 5) == 0) {
      const char *sp = memchr(data, ' ', size);
      buffer_clear(&x->resp_head); /* a 100 Continue is followed by the real status */
      if (sp && sp + 4 <= data + size && isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
          isdigit((unsigned char)sp[3]))
        x->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    }
    trace_headers(&x->resp_head, data, size, tr->max_head);
    break;
  case CURLINFO_DATA_IN: trace_body(tr, &x->resp_body, data, size, 1); break;
  default: return 0;
  }
  x->end = monotonic_now();
  return 0;
}

static void set_string(lua_State *L, const char *key, const buffer_t *b) {
  if (b->len == 0) return;
  lua_pushlstring(L, b->data, b->len);
  lua_setfield(L, -2, key);
}

void trace_push_exchanges(lua_State *L, const trace_t *tr, CURL *curl) {
  int i, n = tr->nexchanges < MAX_EXCHANGES ? tr->nexchanges : MAX_EXCHANGES;
  const char *url = NULL;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url);
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    const exchange_t *x = &tr->exchanges[i];
    const char *sp = x->req_head.data ? memchr(x->req_head.data, ' ', x->req_head.len) : NULL;
    lua_createtable(L, 0, 8);
    if (sp) {
      lua_pushlstring(L, x->req_head.data, (size_t)(sp - x->req_head.data));
      lua_setfield(L, -2, "method");
    }
    if (url) {
      lua_pushstring(L, url);
      lua_setfield(L, -2, "url");
    }
    if (x->status) {
      lua_pushinteger(L, (lua_Integer)x->status);
      lua_setfield(L, -2, "status");
    }
    set_string(L, "request_head", &x->req_head);
    set_string(L, "request_body", &x->req_body);
    set_string(L, "response_head", &x->resp_head);
    set_string(L, "response_body", &x->resp_body);
    lua_pushnumber(L, x->end - x->start);
    lua_setfield(L, -2, "elapsed");
    lua_rawseti(L, -2, i + 1);
  }
  if (tr->nexchanges > MAX_EXCHANGES) {
    lua_pushinteger(L, tr->nexchanges - MAX_EXCHANGES);
    lua_setfield(L, -2, "dropped");
  }
}

void trace_free(trace_t *tr) {
  int i;
  for (i = 0; i < MAX_EXCHANGES; i++) {
    buffer_free(&tr->exchanges[i].req_head, 0);
    buffer_free(&tr->exchanges[i].req_body, 0);
    buffer_free(&tr->exchanges[i].resp_head, 0);
    buffer_free(&tr->exchanges[i].resp_body, 0);
  }
}
