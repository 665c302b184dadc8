-- luacheck: the library runs on Lua 5.4 and LuaJIT (5.1 API): lint against
-- what both have.
std = "max"
max_line_length = 150
files["spec/"] = { std = "+busted" }
exclude_files = { "lua_modules/", "build/" }
