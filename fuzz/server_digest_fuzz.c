/* libFuzzer: the local server's parsing of a client's Digest
 * Authorization header (server/src/digest.c, included for its static
 * parse_params) and of JSON bodies (jansson, as the routes load them). */
#include "../server/src/digest.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *h = malloc(size + 1);
  digest_params_t p;
  json_error_t e;
  json_t *body;
  if (!h) return 0;
  memcpy(h, data, size);
  h[size] = '\0';
  memset(&p, 0, sizeof p);
  parse_params(h, &p);
  unescape(h);
  body = json_loadb((const char *)data, size, 0, &e);
  json_decref(body);
  free(h);
  return 0;
}

/* main.c (left out: libFuzzer has its own main) owns the configuration. */
config_t config = { "server/fixtures/default.json", 300, 3600, 10, 100, 1, "", 0, 0, 0 };
