-- make bench's benchmark of the read model, who and the access review with
-- API keys and service accounts (bench/identities.lua), run at a small size
-- so the script stays runnable between benchmark runs.  The size crosses a
-- page boundary in two listings (501 people: two pages of 500; 101 API keys:
-- two pages of 100), so the formula's page terms are checked too.  The
-- script counts requests at the local server and exits with FAILED when a
-- read spends more than its formula; here the formula is also written out by
-- hand, so the script's own arithmetic (bench/org_fixture.lua) is checked.
local local_server = require "local_server"

local VM, BUILD = jit and "luajit" or "lua5.4", jit and "luajit" or "lua54"

describe("bench/identities.lua at a small size", function()
  local out, lines

  setup(function()
    out = local_server.run_lua(VM, BUILD, 'arg = { "501", "3", "2", "101", "3", "1" } dofile("bench/identities.lua")')
    lines = {}
    for label, counts, total, first, challenges in out:gmatch("\n  (%S+)%s+([%d/]+) requests; formula: [^\n]-= (%d+)\n"
      .. "%s+first run on a new client (%d+) %(%+(%d+): digest challenges%)") do
      lines[label] = { counts = counts, total = tonumber(total), first = tonumber(first),
        challenges = tonumber(challenges) }
    end
  end)

  it("runs to the end without a failed check", function()
    assert.is_nil(out:find("FAILED", 1, true), out)
    assert.truthy(out:find("\n  render ", 1, true), out)
    for _, format in ipairs { "text", "md", "csv", "json", "html" } do
      assert.truthy(out:find(" " .. format .. " %d+%.%d+ s %(%d+ KiB%)"), format .. " is not timed:\n" .. out)
    end
  end)

  it("spends exactly the formula's requests on org_access and who_can_access, at most that on the review", function()
    -- pages(users) 2 + pages(teams) 1 + pages(projects) 1 + pages(API keys) 2 + pages(service accounts) 1
    -- + 3 x projects + API keys 101 + service accounts 3
    local listings = 2 + 1 + 1 + 2 + 1
    local expected = {
      org_access = listings + 3 * 3 + 101 + 3,
      who_can_access = listings + 3 * 1, -- who needs no access list
      access_review = listings + 3 * 3 + 101 + 3,
    }
    for label, total in pairs(expected) do
      local line = lines[label]
      assert.is_table(line, label .. " missing from:\n" .. out)
      assert.are.equal(total, line.total, label .. ": the script's formula")
      if label == "access_review" then
        for n in line.counts:gmatch("%d+") do assert.is_true(tonumber(n) <= total, out) end
      else
        assert.are.equal(tostring(total), line.counts, label .. ": requests at the server")
      end
      -- a new client's first run: the same reads plus one digest challenge per new connection (16 at most)
      assert.are.equal(line.total + line.challenges, line.first)
      assert.is_true(line.challenges >= 1 and line.challenges <= 16, out)
    end
  end)

  it("finds API keys and service accounts among who can reach the project", function()
    local vias = out:match("rows by via: ([^\n]+)")
    assert.truthy(vias and vias:find("api_key %d+") and vias:find("service_account %d+"), out)
  end)
end)
