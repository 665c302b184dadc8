-- The retry policy's pure parts: classification, Retry-After, backoff,
-- the deadline.  No I/O.
local retry = require "atlas_admin.http.retry"

local PATCH = { operation = "update_invitation_by_id", idempotent = true }
local POST = { operation = "create_invitation", idempotent = false }

describe("retry policy", function()
  it("retries rate limits, 502/503/504 and failures where no response arrived", function()
    assert.equal("rate_limited", retry.classify(PATCH, { kind = "api", status = 429, errorCode = "RATE_LIMITED" }))
    assert.equal("rate_limited", retry.classify(PATCH, { kind = "api", status = 429 }))
    assert.equal("rate_limited", retry.classify(PATCH, { kind = "api", status = 400, errorCode = "INVITATIONS_RATE_LIMITED_IP" }))
    assert.equal("rate_limited", retry.classify(PATCH, { kind = "api", status = 400, errorCode = "RATE_LIMITED_IP" }))
    for _, s in ipairs { 502, 503, 504 } do
      assert.equal("unavailable", retry.classify(PATCH, { kind = "api", status = s }))
    end
    for _, code in ipairs { 6, 7, 28, 52, 55, 56 } do
      assert.equal("no_response", retry.classify(PATCH, { kind = "transport", code = code, response_started = false }))
    end
  end)

  it("does not retry what another attempt cannot fix", function()
    for _, e in ipairs {
      { kind = "api", status = 400, errorCode = "INVALID_JSON" }, { kind = "api", status = 404 },
      { kind = "api", status = 409 }, { kind = "api", status = 500 }, { kind = "auth", status = 401 },
      { kind = "validation" }, { kind = "not_found" },
      { kind = "transport", code = 28, response_started = true }, -- a timeout mid-response
      { kind = "transport", code = 63 },                          -- too large
      { kind = "transport", code = 60 },                          -- TLS verification
    } do
      assert.is_nil(retry.classify(PATCH, e), e.kind .. " " .. tostring(e.status or e.code))
    end
  end)

  it("retries a create only when its request provably never left", function()
    assert.equal("no_response", retry.classify(POST, { kind = "transport", code = 7, request_sent = false }))
    assert.is_nil(retry.classify(POST, { kind = "transport", code = 52, request_sent = true }))
    assert.is_nil(retry.classify(POST, { kind = "transport", code = 7 })) -- unknown: not provable
    assert.is_nil(retry.classify(POST, { kind = "api", status = 503 }))
    assert.is_nil(retry.classify(POST, { kind = "api", status = 429 }))
  end)

  it("parses Retry-After as seconds or an HTTP-date", function()
    assert.equal(55, retry.parse_retry_after("55"))
    assert.equal(0, retry.parse_retry_after(" 0 "))
    local now = 1445412480 -- Wed, 21 Oct 2015 07:28:00 GMT
    assert.equal(0, retry.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now))
    assert.equal(90, retry.parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now))
    assert.equal(0, retry.parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now)) -- in the past: now
    assert.equal(86400 * 366, retry.parse_retry_after("Fri, 21 Oct 2016 07:28:00 GMT", now)) -- 2016 is a leap year
    for _, bad in ipairs { "soon", "-5", "1.5", "", "Wed, 21 Foo 2015 07:28:00 GMT" } do
      assert.is_nil(retry.parse_retry_after(bad, now), bad)
    end
    assert.is_nil(retry.parse_retry_after(nil))
  end)

  it("backs off exponentially with full jitter, capped per wait", function()
    local policy = { retry_base = 0.5, retry_max_wait = 3, random = function() return 1 end }
    assert.equal(0.5, (retry.wait_for(policy, 1, {})))
    assert.equal(1, (retry.wait_for(policy, 2, {})))
    assert.equal(2, (retry.wait_for(policy, 3, {})))
    assert.equal(3, (retry.wait_for(policy, 4, {}))) -- capped
    policy.random = function() return 0.25 end
    assert.equal(0.25 * 2, (retry.wait_for(policy, 3, {})))
    assert.equal(3, (retry.wait_for(policy, 1, { retry_after = 55 }))) -- Retry-After capped too
    assert.equal(2, (retry.wait_for(policy, 1, { retry_after = 2 })))
  end)

  it("stops at the deadline without sleeping past it, and counts attempts", function()
    local slept, calls = {}, 0
    local policy = { retries = 5, retry_base = 1, retry_max_wait = 30, retry_deadline = 10,
      random = function() return 1 end, sleep = function(s) slept[#slept + 1] = s end,
      clock = function() local t = 0 for _, s in ipairs(slept) do t = t + s end return t end }
    local _, err = retry.run(policy, PATCH, function()
      calls = calls + 1
      return nil, { kind = "api", status = 503, message = "unavailable" }
    end)
    -- waits 1, 2, 4 (total 7); the next (8) would end past 10 s
    assert.same({ 1, 2, 4 }, slept)
    assert.equal(4, calls)
    assert.equal(4, err.attempts)
    assert.equal("deadline", err.retry_stopped)
    assert.matches("after 4 attempts", err.message)
  end)
end)
