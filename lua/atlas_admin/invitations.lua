-- The project-invitation calls (deprecated by Atlas; sunset 2027-07-01):
-- one thin method per row of operations.lua.  Each returns what the
-- operation returns (see README, "Results"), or nil, err[, response].
local M = {}

function M.install(Client, check_self)
  --- Lists a project's pending invitations (GET /groups/{groupId}/invites).
  -- filter: { username = "a@example.com" } (optional).  Returns a sequence
  -- of invitations (empty when there are none), response.
  function Client:list_invitations(group_id, filter, opts)
    check_self(self, "list_invitations")
    return self:_call("list_invitations", { group_id }, nil, opts, filter)
  end

  --- One invitation by id (GET /groups/{groupId}/invites/{invitationId}).
  function Client:get_invitation(group_id, invitation_id, opts)
    check_self(self, "get_invitation")
    return self:_call("get_invitation", { group_id, invitation_id }, nil, opts)
  end

  --- Invites a user to the project (POST /groups/{groupId}/invites) with
  -- { username = "...", roles = {...} }.  Atlas answers 200 with the invitation.
  function Client:create_invitation(group_id, body, opts)
    check_self(self, "create_invitation")
    return self:_call("create_invitation", { group_id }, body, opts)
  end

  --- Updates a pending invitation, named by the invited user's email.
  -- PATCH /groups/{groupId}/invites with { roles = {...}, username = "..." }.
  -- Roles are replaced, not merged.
  function Client:update_invitation(group_id, body, opts)
    check_self(self, "update_invitation")
    return self:_call("update_invitation", { group_id }, body, opts)
  end

  --- Updates a pending invitation, named by its id.
  -- PATCH /groups/{groupId}/invites/{invitationId} with { roles = {...} }.
  function Client:update_invitation_by_id(group_id, invitation_id, body, opts)
    check_self(self, "update_invitation_by_id")
    return self:_call("update_invitation_by_id", { group_id, invitation_id }, body, opts)
  end

  --- Cancels a pending invitation (DELETE .../invites/{invitationId}).
  -- Returns true, response (Atlas answers 204 No Content).
  function Client:delete_invitation(group_id, invitation_id, opts)
    check_self(self, "delete_invitation")
    return self:_call("delete_invitation", { group_id, invitation_id }, nil, opts)
  end
end

return M
