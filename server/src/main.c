/* atlas-local-server: an Atlas-compatible server for the project-invitation
 * calls, on 127.0.0.1 only.  See server/README.md.
 *
 *   atlas-local-server --port 0 [--fixtures FILE] [--url-file FILE] [--watch-stdin]
 *                      [--nonce-ttl S] [--token-ttl S] [--token-rate N] [--token-cap N] [--latency-ms N] [--quiet]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define MAX_BODY (1024 * 1024)

config_t config = { "server/fixtures/default.json", 300, 3600, 10, 100, 0, "", 0, 0, 0 };

/* Connections are served concurrently (one thread each); all state (the
 * store, nonces, tokens, stats, faults) is used under this lock.  Added
 * latency is slept outside it, so concurrent requests overlap. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
/* API requests between arrival and reply (under state_lock); kept apart from
 * stats so a reset while requests are in progress cannot drive it negative. */
static long api_in_flight;

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static void on_alarm(int sig) { (void)sig; _exit(0); }

static void usage(void) {
  fprintf(stderr,
          "usage: atlas-local-server --port N [--host 127.0.0.1] [--fixtures FILE] [--url-file FILE]\n"
          "       [--watch-stdin] [--nonce-ttl SECONDS] [--token-ttl SECONDS] [--token-rate N]\n"
          "       [--token-cap N] [--latency-ms N] [--quiet]\n");
  exit(2);
}

static enum MHD_Result handle_api(struct MHD_Connection *c, const char *url, const char *method,
                                  const request_t *req);

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  request_t *req = *con_cls;
  (void)cls; (void)c; (void)toe;
  if (req) {
    free(req->body);
    free(req);
    *con_cls = NULL;
  }
}

/* Each connection's flag: has it carried an /api request yet (stats.connections). */
static void connection_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe) {
  (void)cls; (void)c;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    *socket_context = calloc(1, sizeof(int)); /* NULL when out of memory: then not counted */
  } else {
    free(*socket_context);
    *socket_context = NULL;
  }
}

/* Counts c in stats.connections at its first /api request (state_lock held). */
static void count_connection(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  int *seen = ci ? (int *)ci->socket_context : NULL;
  if (seen && !*seen) {
    *seen = 1;
    stats.connections++;
  }
}

/* The one entry point: gathers the body, then routes.  A fault injected
 * through /__mock/fault is applied inside router_handle, after authentication
 * and before any route. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  request_t *req = *con_cls;
  enum MHD_Result ret;
  (void)cls; (void)version;
  if (!req) {
    req = calloc(1, sizeof *req);
    if (!req) return MHD_NO;
    *con_cls = req;
    return MHD_YES;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    if (req->len + n > MAX_BODY) req->too_large = 1;
    else {
      if (req->len + n + 1 > req->cap) {
        size_t cap = (req->len + n + 1) * 2;
        char *p = realloc(req->body, cap);
        if (!p) return MHD_NO;
        req->body = p;
        req->cap = cap;
      }
      memcpy(req->body + req->len, upload, n);
      req->len += n;
      req->body[req->len] = '\0';
    }
    *upload_size = 0;
    return MHD_YES;
  }

  if (strncmp(url, "/__mock/", 8) == 0) {
    pthread_mutex_lock(&state_lock);
    reply_deprecated = 0;
    ret = control_handle(c, url, method, req);
    pthread_mutex_unlock(&state_lock);
    return ret;
  }
  int is_api = strncmp(url, "/api/atlas/", 11) == 0;
  if (is_api) {
    long latency;
    pthread_mutex_lock(&state_lock);
    latency = config.latency_ms;
    /* A jitter lets concurrent requests reach the digest check in any order,
     * as behind a real load balancer (random() is used under the lock). */
    if (config.latency_jitter_ms > 0) latency += random() % (config.latency_jitter_ms + 1);
    /* Counted from before the latency sleep, so a client's concurrency is
     * visible: a batch of 16 slots shows 16 here, a loop of calls shows 1. */
    if (++api_in_flight > stats.peak_in_flight) stats.peak_in_flight = api_in_flight;
    pthread_mutex_unlock(&state_lock);
    if (latency > 0) usleep((useconds_t)(latency * 1000));
  }
  pthread_mutex_lock(&state_lock);
  if (strncmp(url, "/api/", 5) == 0) count_connection(c);
  ret = handle_api(c, url, method, req);
  if (is_api) api_in_flight--;
  pthread_mutex_unlock(&state_lock);
  return ret;
}

/* Everything under /api (the state lock held). */
static enum MHD_Result handle_api(struct MHD_Connection *c, const char *url, const char *method,
                                  const request_t *req) {
  enum MHD_Result ret;
  reply_deprecated = 0; /* router.c sets it for deprecated routes (the invitations) */
  reply_drop_next = 0;
  last_status = 0;
  if (strncmp(url, "/api/", 5) != 0)
    return reply_api_error(c, 404, "RESOURCE_NOT_FOUND", 0, 0, "Cannot find resource %s.", url);
  stats_count_route(method, url);
  if (req->too_large)
    ret = reply_api_error(c, 400, "INVALID_JSON", 0, 0, "Request body too large.");
  else if (strcmp(method, "POST") == 0 && (strcmp(url, "/api/oauth/token") == 0 || strcmp(url, "/api/oauth/revoke") == 0))
    ret = oauth_handle(c, url, req);
  else
    ret = router_handle(c, url, method, req);
  control_log(c, method, url, last_status, req);
  if (!config.quiet) fprintf(stderr, "%s %s\n", method, url);
  return ret;
}

int main(int argc, char **argv) {
  const char *url_file = NULL, *host = "127.0.0.1";
  int port = -1, watch_stdin = 0, i;
  struct sockaddr_in sa;
  struct MHD_Daemon *d;
  const union MHD_DaemonInfo *info;
  char err[512];

  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VALUE() do { if (!v) usage(); i++; } while (0)
    if (strcmp(a, "--port") == 0) { VALUE(); port = atoi(v); }
    else if (strcmp(a, "--host") == 0) { VALUE(); host = v; }
    else if (strcmp(a, "--fixtures") == 0) { VALUE(); config.fixtures = v; }
    else if (strcmp(a, "--url-file") == 0) { VALUE(); url_file = v; }
    else if (strcmp(a, "--nonce-ttl") == 0) { VALUE(); config.nonce_ttl = atof(v); }
    else if (strcmp(a, "--token-ttl") == 0) { VALUE(); config.token_ttl = atof(v); }
    else if (strcmp(a, "--token-rate") == 0) { VALUE(); config.token_rate = atoi(v); }
    else if (strcmp(a, "--token-cap") == 0) { VALUE(); config.token_cap = atoi(v); }
    else if (strcmp(a, "--latency-ms") == 0) { VALUE(); config.latency_ms = config.start_latency_ms = atol(v); }
    else if (strcmp(a, "--watch-stdin") == 0) watch_stdin = 1;
    else if (strcmp(a, "--quiet") == 0) config.quiet = 1;
    else usage();
#undef VALUE
  }
  if (port < 0 || port > 65535) usage();
  /* Loopback only: this server holds well-known test keys. */
  if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "localhost") != 0) {
    fprintf(stderr, "atlas-local-server: only 127.0.0.1 is allowed\n");
    return 2;
  }
  if (store_load(config.fixtures, err, sizeof err) != 0) {
    fprintf(stderr, "atlas-local-server: cannot load fixtures: %s\n", err);
    return 1;
  }
  control_reset_all();

  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  signal(SIGPIPE, SIG_IGN);
  /* MHD's own error log reports the faults' dropped connections: only
   * without --quiet. */
  d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                           (config.quiet ? 0 : MHD_USE_ERROR_LOG), 0, NULL, NULL,
                       on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                       MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
                       MHD_OPTION_NOTIFY_CONNECTION, connection_notify, NULL,
                       /* Idle keep-alive connections close after 5 s: stopping
                        * waits for every connection thread, and a client's
                        * pool (nginx keeps them a minute) must not hold it. */
                       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)5, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "atlas-local-server: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
    return 1;
  }
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(config.base_url, sizeof config.base_url, "http://127.0.0.1:%u", info ? info->port : (unsigned)port);
  printf("%s\n", config.base_url);
  fflush(stdout);
  if (url_file) {
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof tmp, "%s.tmp", url_file);
    f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", config.base_url) < 0 || fclose(f) != 0 || rename(tmp, url_file) != 0) {
      fprintf(stderr, "atlas-local-server: cannot write %s\n", url_file);
      MHD_stop_daemon(d);
      return 1;
    }
  }

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (!stopping) {
    struct pollfd p = { 0, POLLIN, 0 };
    if (!watch_stdin) { pause(); continue; }
    if (poll(&p, 1, 500) > 0) {
      char buf[256];
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) break; /* the parent closed the pipe or died */
    }
  }
  /* MHD waits for every connection thread, and a client may keep an idle
   * connection open for a minute: give it 3 s, then leave anyway (nothing
   * here needs flushing). */
  signal(SIGALRM, on_alarm);
  alarm(3);
  MHD_stop_daemon(d);
  control_reset_all();
  return 0;
}
