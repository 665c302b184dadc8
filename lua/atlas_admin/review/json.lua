-- The review as JSON: the data itself, keys sorted (the same review gives
-- the same bytes).
local cjson = require "cjson.safe"
local jsonenc = require "atlas_admin.util.jsonenc"

local M = {}

local json = cjson.new()

function M.render(review)
  return assert(jsonenc.encode(review, json)) .. "\n"
end

return M
