-- The secret Atlas shows once, when an API key, a service account or a
-- service account secret is created: put into the result as a C secret
-- object (core.credential kind "created_secret": tostring, errors and
-- traces show <redacted>; secret:reveal() reads it, secret:write_file(path)
-- stores it in a new 0600 file; wiped when collected).
--
-- On the libcurl transport the value never becomes a Lua string: the C
-- transport takes it out of the raw body (src/secret_body.c), the body
-- holds "<secret>" instead and the object waits in the response's headers
-- table (core.take_secret).  The nginx cosocket transport reads bodies as
-- Lua strings by nature: there the value is wrapped here, and the raw body
-- kept in the response is withheld (docs/security.md says what remains).
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"

local M = {}

M.PLACEHOLDER = core.SECRET_PLACEHOLDER
local WITHHELD = "<body withheld: it carried a secret>"

--- Refuses the call options a create cannot honour: decode = false would
-- hand back the JSON text, where the secret is only a placeholder.
function M.check_options(opts, operation)
  if type(opts) == "table" and opts.decode == false then
    return nil, errors.validation("decode", operation .. " returns the secret Atlas shows once as an object; "
      .. "decode = false would return the JSON text, where it is only a placeholder: leave decode out", operation)
  end
  return true
end

--- Puts the secret of a create's answer in holder[field].  res: the call's
-- response.  Returns the secret object, or nil, err when Atlas's answer had
-- none that could be kept (the identity was created all the same).
function M.attach(holder, field, res, operation)
  local secret = core.take_secret(type(res) == "table" and res.headers or nil)
  local value = holder[field]
  if value == M.PLACEHOLDER and secret then
    holder[field] = secret
    return secret
  end
  if type(value) == "string" and value ~= M.PLACEHOLDER then
    -- the body reached Lua whole (nginx cosocket): wrap it, withhold the raw body
    if type(res) == "table" then res.body = WITHHELD end
    local wrapped = core.credential("created_secret", nil, value)
    holder[field] = wrapped or M.PLACEHOLDER
    if wrapped then return wrapped end
  end
  return nil, errors.refused("secret", "Atlas's answer to " .. operation .. " carried no readable " .. field
    .. "; the identity was created: make a new secret for it (or delete it)", operation)
end

return M
