--- atlas.to_curl(request): a dry-run request as a curl command line, in
-- the style of Atlas's own samples, safe to paste into a POSIX shell.
--
-- Credentials are never in it: the command names the environment
-- variables the samples use (PUBLIC_KEY/PRIVATE_KEY for API keys,
-- ACCESS_TOKEN for bearer tokens and service accounts), left for the
-- shell to expand.  Every other value is single-quoted, so nothing in an
-- id, a username or a body can be expanded or break out of its argument.
local M = {}

-- 'it'\''s' quoting: the only character that needs care inside single
-- quotes is the single quote itself.
local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = quote

local AUTH = {
  digest = '--digest --user "${PUBLIC_KEY}:${PRIVATE_KEY}"',
  bearer = '--header "Authorization: Bearer ${ACCESS_TOKEN}"',
  service_account = '--header "Authorization: Bearer ${ACCESS_TOKEN}"',
}

function M.to_curl(request)
  if type(request) ~= "table" or type(request.method) ~= "string" or type(request.url) ~= "string" then
    error("atlas-admin: to_curl takes the request a call returns with { dry_run = true }", 2)
  end
  local lines = { "curl --include " .. (AUTH[request.auth] or AUTH.bearer) }
  local names = {}
  for name in pairs(request.headers or {}) do
    if name:lower() ~= "authorization" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    lines[#lines + 1] = "--header " .. quote(name .. ": " .. request.headers[name])
  end
  lines[#lines + 1] = "-X " .. request.method .. " " .. quote(request.url)
  if request.body then lines[#lines + 1] = "--data " .. quote(request.body) end
  return table.concat(lines, " \\\n  ")
end

return M
