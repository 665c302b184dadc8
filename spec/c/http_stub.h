/* A minimal loopback HTTP responder for the C test programs: one thread,
 * one connection at a time, keep-alive.  It answers POST /api/oauth/token
 * with a token and anything else with {} and records, for requests that
 * are not the token endpoint, whether they carried HTTP Basic credentials.
 * Test code only: it trusts its client (the core under test). */
#ifndef HTTP_STUB_H
#define HTTP_STUB_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  int listener, port;
  volatile int token_requests, api_requests, basic_on_api;
  pthread_t thread;
} http_stub_t;

static int stub_read_request(int fd, char *buf, size_t cap, size_t *len) {
  size_t n = 0, body = 0;
  char *end = NULL;
  while (!end) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r <= 0) return -1;
    n += (size_t)r;
    buf[n] = '\0';
    end = strstr(buf, "\r\n\r\n");
    if (n >= cap - 1) return -1;
  }
  {
    const char *cl = strstr(buf, "Content-Length:");
    if (!cl) cl = strstr(buf, "content-length:");
    if (cl && cl < end) body = (size_t)strtoul(cl + 15, NULL, 10);
  }
  while (n < (size_t)(end + 4 - buf) + body) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r <= 0) return -1;
    n += (size_t)r;
  }
  buf[n] = '\0';
  *len = n;
  return 0;
}

static void *stub_main(void *arg) {
  http_stub_t *s = (http_stub_t *)arg;
  static char buf[65536];
  for (;;) {
    int fd = accept(s->listener, NULL, NULL);
    if (fd < 0) return NULL;
    for (;;) {
      size_t len;
      const char *reply;
      char out[512];
      if (stub_read_request(fd, buf, sizeof buf, &len) != 0) break;
      if (strncmp(buf, "POST /api/oauth/token ", 22) == 0) {
        s->token_requests++;
        reply = "{\"access_token\":\"eyJhbGciOiJIUzI1NiJ9.stub.token\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
      } else {
        s->api_requests++;
        if (strstr(buf, "Authorization: Basic")) s->basic_on_api++;
        reply = "{}";
      }
      snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
               strlen(reply), reply);
      if (write(fd, out, strlen(out)) < 0) break;
    }
    close(fd);
  }
}

static int stub_start(http_stub_t *s) {
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  memset(s, 0, sizeof *s);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->listener = socket(AF_INET, SOCK_STREAM, 0);
  if (s->listener < 0 || bind(s->listener, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s->listener, 8) != 0 ||
      getsockname(s->listener, (struct sockaddr *)&sa, &sl) != 0)
    return -1;
  s->port = ntohs(sa.sin_port);
  return pthread_create(&s->thread, NULL, stub_main, s);
}

#endif
