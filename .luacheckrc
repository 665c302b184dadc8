-- luacheck: the library runs on Lua 5.4 and LuaJIT (5.1 API): lint against
-- what both have.
std = "max"
max_line_length = 150
files["spec/"] = { std = "+busted" }
exclude_files = { "lua_modules/", "build/" }
-- The OpenResty example runs inside nginx: the ngx API is its standard library.
files["examples/openresty/"] = { std = "+ngx_lua" }
-- wrk's scripting API.
files["bench/patch.lua"] = { globals = { "wrk" } }
