/* Building responses: JSON bodies, Atlas ApiErrors and the headers Atlas
 * puts on every invitation response. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

int reply_deprecated;
int reply_drop_next;
unsigned last_status;

const char *reason_phrase(unsigned status) {
  switch (status) {
  case 200: return "OK";
  case 204: return "No Content";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 415: return "Unsupported Media Type";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  default: return "Unknown";
  }
}

enum MHD_Result reply_raw(struct MHD_Connection *c, unsigned status, const char *content_type,
                          const char *body, size_t len, json_t *headers, int api_headers) {
  struct MHD_Response *r;
  enum MHD_Result ret;
  if (reply_drop_next) {
    reply_drop_next = 0;
    last_status = 0;
    return MHD_NO; /* the answer is lost: MHD closes the connection */
  }
  r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  if (content_type) MHD_add_response_header(r, "Content-Type", content_type);
  if (api_headers) {
    char remaining[32];
    snprintf(remaining, sizeof remaining, "%ld", stats.ratelimit_remaining);
    if (reply_deprecated) {
      MHD_add_response_header(r, "Deprecation", "Wed, 4 Oct 2023 00:00:00 GMT");
      MHD_add_response_header(r, "Sunset", "Thu, 1 Jul 2027 00:00:00 GMT");
    }
    MHD_add_response_header(r, "Ratelimit-Limit", "1200");
    MHD_add_response_header(r, "Ratelimit-Remaining", remaining);
    /* A request id, as a client's audit trail records it (a counter: unique
     * for the server's life; replies are built under the state lock). */
    {
      static unsigned long request_seq;
      char id[32];
      snprintf(id, sizeof id, "%016lx", ++request_seq);
      MHD_add_response_header(r, "X-Request-Id", id);
    }
  }
  if (headers) {
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v)
      if (json_is_string(v)) MHD_add_response_header(r, k, json_string_value(v));
  }
  ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  last_status = status;
  return ret;
}

enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *body,
                           const char *content_type, int pretty, int api_headers) {
  char *text = json_dumps(body, JSON_SORT_KEYS | JSON_ENCODE_ANY | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
  enum MHD_Result ret;
  json_decref(body);
  if (!text) return MHD_NO;
  ret = reply_raw(c, status, content_type ? content_type : "application/json", text, strlen(text), NULL,
                  api_headers);
  free(text);
  return ret;
}

enum MHD_Result reply_api_error(struct MHD_Connection *c, unsigned status, const char *code,
                                int envelope, int pretty, const char *fmt, ...) {
  char detail[512];
  va_list ap;
  json_t *err;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  err = json_pack("{s:s, s:i, s:s, s:[], s:s}", "detail", detail, "error", (int)status, "errorCode", code,
                  "parameters", "reason", reason_phrase(status));
  if (envelope) {
    /* envelope=true: clients that cannot read the status get it in the body. */
    return reply_json(c, 200, json_pack("{s:i, s:o}", "status", (int)status, "content", err), NULL, pretty, 1);
  }
  return reply_json(c, status, err, NULL, pretty, 1);
}
