/* Lua 5.1 (LuaJIT) / 5.4 differences, behind private aa_ names.
 *
 * LuaJIT's headers already export some 5.2 functions (luaL_setfuncs,
 * luaL_testudata) but lack lua_absindex and lua_rawlen; defining the public
 * names ourselves would clash, so every shim carries our own prefix. */
#ifndef ATLAS_ADMIN_COMPAT_H
#define ATLAS_ADMIN_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM >= 502
#define aa_absindex(L, i) lua_absindex((L), (i))
#define aa_rawlen(L, i) lua_rawlen((L), (i))
#else
#define aa_absindex(L, i) \
  (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
#define aa_rawlen(L, i) lua_objlen((L), (i))
#endif

/* luaL_setfuncs / luaL_testudata exist in 5.2+ and in LuaJIT 2.1; plain
 * PUC 5.1 is not a target. */
#define aa_setfuncs(L, l) luaL_setfuncs((L), (l), 0)
#define aa_testudata(L, i, t) luaL_testudata((L), (i), (t))

/* Creates a new metatable for userdata type tname with methods in __index
 * and the given metamethods; leaves nothing on the stack. */
static inline void aa_newclass(lua_State *L, const char *tname,
                               const luaL_Reg *methods, const luaL_Reg *meta) {
  luaL_newmetatable(L, tname);   /* mt */
  aa_setfuncs(L, meta);
  lua_newtable(L);               /* mt, methods */
  aa_setfuncs(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

#endif
