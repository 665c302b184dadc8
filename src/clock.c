/* Time for the retry policy, which plain Lua cannot tell well enough:
 *
 *   core.sleep(seconds)   sleeps (nanosleep, resumed after a signal);
 *                         raises on a negative, NaN or huge value (misuse)
 *   core.monotonic()      seconds on a clock that never jumps, for deadlines
 *
 * Under OpenResty the policy sleeps with ngx.sleep instead: this one would
 * block the nginx worker. */
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include <lauxlib.h>

#include "compat.h"

#define SLEEP_MAX 86400.0 /* a day: more is a bug in the caller */

static int l_sleep(lua_State *L) {
  double s = luaL_checknumber(L, 1);
  struct timespec req, rem;
  luaL_argcheck(L, isfinite(s) && s >= 0 && s <= SLEEP_MAX, 1, "seconds must be from 0 to 86400");
  req.tv_sec = (time_t)s;
  req.tv_nsec = (long)((s - (double)req.tv_sec) * 1e9);
  if (req.tv_nsec >= 1000000000L) req.tv_nsec = 999999999L;
  while (nanosleep(&req, &rem) != 0 && errno == EINTR) req = rem;
  return 0;
}

static int l_monotonic(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
  return 1;
}

void clock_register(lua_State *L, int module_index) {
  module_index = aa_absindex(L, module_index);
  lua_pushcfunction(L, l_sleep);
  lua_setfield(L, module_index, "sleep");
  lua_pushcfunction(L, l_monotonic);
  lua_setfield(L, module_index, "monotonic");
}
