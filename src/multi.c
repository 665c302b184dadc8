/* The batch engine: libcurl's multi interface over the client's transports.
 *
 * core.multi() -> multi
 * multi:add(transport, id, method, url, headers, body, bearer, once)
 *   -> true | nil, curl_code, message, info   (setup refused: nothing started)
 *   Starts the request on the transport's own easy handle (so its digest
 *   nonce, options, limits and trace are those of transport:send); the
 *   transport is busy until the transfer completes and its result is
 *   collected with transport:finish().
 * multi:perform(timeout) -> done_ids, in_flight
 *   Drives every transfer, waiting up to timeout seconds for activity when
 *   none completed yet; done_ids lists the ids of the transfers that
 *   completed (collect each with transport:finish()).
 * multi:close()   (idempotent; also __gc): abandons every transfer in
 *   flight and gives each handle back to its transport.
 *
 * Why the C side is this small: the scheduling (which item runs, retry
 * waits, the rate limiter, progress callbacks) is plain Lua between calls
 * to perform, so no Lua code ever runs inside a libcurl call and no Lua
 * error can unwind over live multi state.  perform collects every completed
 * transfer (handle removed, header list wiped) before it pushes anything
 * that could raise, into a table presized so that filling it cannot
 * allocate.
 *
 * Lifetime and ownership: the multi keeps a list of the transports in
 * flight and owns their batch state (transport_internal.h,
 * transport_batch_t).  A transport never calls into this file: when the
 * multi takes its handle it leaves the transport an opaque owner pointer
 * and a detach callback, so whichever is closed or collected first lets go
 * of the other (lua_close runs finalizers in any order).
 */
#include <limits.h>
#include <math.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "compat.h"
#include "transport_internal.h"

#define MULTI_MT "atlas_admin.multi"
#define MAX_WAIT_MS (24L * 3600 * 1000)

typedef struct multi_s {
  CURLM *m;            /* NULL once closed */
  transport_t *head;   /* transports with a transfer in flight */
  int count;
} multi_t;

static multi_t *check_multi(lua_State *L) {
  multi_t *mu = (multi_t *)luaL_checkudata(L, 1, MULTI_MT);
  if (!mu->m) luaL_error(L, "atlas-admin: the batch engine is closed");
  return mu;
}

static void multi_detach(transport_t *t);

static void link_transport(multi_t *mu, transport_t *t) {
  t->batch.owner = mu;
  t->batch.detach = multi_detach;
  t->batch.prev = NULL;
  t->batch.next = mu->head;
  if (mu->head) mu->head->batch.prev = t;
  mu->head = t;
  mu->count++;
}

static void unlink_transport(multi_t *mu, transport_t *t) {
  if (t->batch.prev) t->batch.prev->batch.next = t->batch.next;
  else mu->head = t->batch.next;
  if (t->batch.next) t->batch.next->batch.prev = t->batch.prev;
  t->batch.prev = t->batch.next = NULL;
  t->batch.owner = NULL;
  t->batch.detach = NULL;
  mu->count--;
}

/* Takes t's handle out of its multi and wipes its request headers: on
 * completion, at multi close, and as the detach callback when the
 * transport is closed first.  Pure C. */
static void multi_detach(transport_t *t) {
  multi_t *mu = (multi_t *)t->batch.owner;
  if (!mu) return;
  if (mu->m && t->curl) curl_multi_remove_handle(mu->m, t->curl);
  unlink_transport(mu, t);
  transport_after_transfer(t);
}

static int l_multi(lua_State *L) {
  multi_t *mu = (multi_t *)lua_newuserdata(L, sizeof *mu);
  mu->m = NULL;
  mu->head = NULL;
  mu->count = 0;
  luaL_getmetatable(L, MULTI_MT);
  lua_setmetatable(L, -2);
  mu->m = curl_multi_init();
  if (!mu->m) return luaL_error(L, "atlas-admin: curl_multi_init failed (out of memory?)");
  return 1;
}

static int l_add(lua_State *L) {
  multi_t *mu = check_multi(L);
  transport_t *t = transport_check_idle(L, 2);
  lua_Number idn = luaL_checknumber(L, 3);
  lua_Integer id;
  CURLcode rc;
  CURLMcode mrc;
  /* checked by hand: LuaJIT's luaL_checkinteger truncates 1.5 to 1 */
  luaL_argcheck(L, floor(idn) == idn && fabs(idn) < 9007199254740992.0, 3, "transfer id must be an integer");
  id = (lua_Integer)idn;
  lua_settop(L, 9);
  rc = transport_setup_request(L, t, 4, 1);
  /* PRIVATE finds the transport again when libcurl reports the transfer done. */
  if (rc == CURLE_OK) rc = curl_easy_setopt(t->curl, CURLOPT_PRIVATE, (void *)t);
  if (rc != CURLE_OK) {
    transport_after_transfer(t);
    return transport_push_result(L, t, rc);
  }
  mrc = curl_multi_add_handle(mu->m, t->curl);
  if (mrc != CURLM_OK) {
    transport_after_transfer(t);
    lua_pushnil(L);
    lua_pushinteger(L, -(lua_Integer)mrc);
    lua_pushstring(L, curl_multi_strerror(mrc));
    return 3;
  }
  t->batch.transfer_id = id;
  t->batch.done = 0;
  link_transport(mu, t);
  lua_pushboolean(L, 1);
  return 1;
}

/* Moves every completed transfer out of the multi; their ids go into the
 * table on top (presized to the number in flight).  Returns how many. */
static int collect(lua_State *L, multi_t *mu, int n) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(mu->m, &left)) != NULL) {
    char *p = NULL;
    transport_t *t;
    CURLcode result;
    if (msg->msg != CURLMSG_DONE) continue;
    result = msg->data.result; /* msg is invalid once the handle is removed */
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
    t = (transport_t *)(void *)p;
    if (!t || t->batch.owner != mu) {
      curl_multi_remove_handle(mu->m, msg->easy_handle);
      continue;
    }
    multi_detach(t);
    t->batch.done = 1;
    t->batch.done_rc = result;
    lua_pushinteger(L, t->batch.transfer_id);
    lua_rawseti(L, -2, ++n);
  }
  return n;
}

static int l_perform(lua_State *L) {
  multi_t *mu = check_multi(L);
  double seconds = luaL_optnumber(L, 2, 0);
  int running = 0, n;
  long ms;
  if (!(seconds >= 0) || !isfinite(seconds)) return luaL_argerror(L, 2, "timeout must be a finite number >= 0");
  ms = seconds * 1000 > (double)MAX_WAIT_MS ? MAX_WAIT_MS : (long)ceil(seconds * 1000);
  lua_createtable(L, mu->count, 0); /* room for every id: filling it cannot allocate */
  curl_multi_perform(mu->m, &running);
  n = collect(L, mu, 0);
  if (n == 0 && mu->count > 0 && ms > 0) {
    curl_multi_poll(mu->m, NULL, 0, (int)(ms > INT_MAX ? INT_MAX : ms), NULL);
    curl_multi_perform(mu->m, &running);
    n = collect(L, mu, n);
  }
  lua_pushinteger(L, mu->count);
  return 2;
}

static int l_multi_close(lua_State *L) {
  multi_t *mu = (multi_t *)luaL_checkudata(L, 1, MULTI_MT);
  while (mu->head) multi_detach(mu->head);
  if (mu->m) {
    curl_multi_cleanup(mu->m);
    mu->m = NULL;
  }
  return 0;
}

static int l_in_flight(lua_State *L) {
  multi_t *mu = (multi_t *)luaL_checkudata(L, 1, MULTI_MT);
  lua_pushinteger(L, mu->count);
  return 1;
}

static int l_multi_tostring(lua_State *L) {
  multi_t *mu = (multi_t *)luaL_checkudata(L, 1, MULTI_MT);
  lua_pushfstring(L, "atlas_admin.multi (%s, %d in flight)", mu->m ? "open" : "closed", mu->count);
  return 1;
}

void multi_register(lua_State *L, int module_index) {
  static const luaL_Reg methods[] = {
    { "add", l_add }, { "perform", l_perform }, { "close", l_multi_close }, { "in_flight", l_in_flight },
    { NULL, NULL },
  };
  static const luaL_Reg meta[] = { { "__gc", l_multi_close }, { "__tostring", l_multi_tostring }, { NULL, NULL } };
  module_index = aa_absindex(L, module_index);
  aa_newclass(L, MULTI_MT, methods, meta);
  lua_pushcfunction(L, l_multi);
  lua_setfield(L, module_index, "multi");
}
