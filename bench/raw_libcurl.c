/* The floor for one call: raw libcurl in C, one reused easy handle, the
 * invitation PATCH with its headers and body, the answer's headers and
 * body collected into memory (what any client must do), nothing else.
 *   raw_libcurl URL N digest PUBLIC PRIVATE
 *   raw_libcurl URL N bearer TOKEN
 * bench/callgrind.sh counts its instructions per call against the module's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

typedef struct {
  char *data;
  size_t len, cap;
} buffer_t;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata) {
  buffer_t *b = userdata;
  size_t add = size * n;
  if (b->len + add + 1 > b->cap) {
    size_t cap = (b->len + add + 1) * 2;
    char *p = realloc(b->data, cap);
    if (!p) return 0;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, ptr, add);
  b->len += add;
  b->data[b->len] = '\0';
  return add;
}

int main(int argc, char **argv) {
  const char *base, *kind;
  char url[512], bearer[512];
  long n, i, status = 0;
  CURL *h;
  struct curl_slist *headers = NULL;
  buffer_t body = { 0 }, head = { 0 };
  if (argc < 5) {
    fprintf(stderr, "usage: raw_libcurl URL N digest PUBLIC PRIVATE | raw_libcurl URL N bearer TOKEN\n");
    return 2;
  }
  base = argv[1];
  n = atol(argv[2]);
  kind = argv[3];
  snprintf(url, sizeof url, "%s/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/invites/602eb7429955214668d5b025", base);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  h = curl_easy_init();
  headers = curl_slist_append(headers, "Accept: application/vnd.atlas.2023-01-01+json");
  headers = curl_slist_append(headers, "Content-Type: application/vnd.atlas.2023-01-01+json");
  headers = curl_slist_append(headers, "Expect:");
  if (strcmp(kind, "bearer") == 0) {
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", argv[4]);
    headers = curl_slist_append(headers, bearer);
  } else {
    if (argc < 6) return 2;
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
    curl_easy_setopt(h, CURLOPT_USERNAME, argv[4]);
    curl_easy_setopt(h, CURLOPT_PASSWORD, argv[5]);
  }
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"roles\":[\"GROUP_OWNER\"]}");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
  for (i = 0; i <= n; i++) { /* one more than n: the first is the handshake */
    body.len = head.len = 0;
    if (curl_easy_perform(h) != CURLE_OK) { fprintf(stderr, "raw_libcurl: transfer failed\n"); return 1; }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) { fprintf(stderr, "raw_libcurl: HTTP %ld\n", status); return 1; }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  free(body.data);
  free(head.data);
  curl_global_cleanup();
  return 0;
}
