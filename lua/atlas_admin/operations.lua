-- The API operations this client knows, one row each.  Adding a call is a
-- new row here plus a thin method in client.lua: request building,
-- validation, sending and parsing are shared.
--
--   method        HTTP method
--   path          template under /api/atlas/{v2|v1.0}; {name} is a path
--                 parameter, validated as a 24-hex id
--   params        path parameters in argument order
--   body          body schema name (validated in C), or nil for no body
--   body_fields   the order fields are encoded in (stable bodies make
--                 dry runs, traces and tests comparable)
--   query         query flags the caller may set (booleans)
--   result        "object" (one resource)
--   spec_id       the spec's operationId, for docs and traces
return {
  update_invitation = {
    method = "PATCH",
    path = "/groups/{groupId}/invites",
    params = { "groupId" },
    body = "GroupInvitationRequest",
    body_fields = { "roles", "username" },
    -- The spec lists pretty on this call only, but Atlas honours it on
    -- every call and the v1.0 docs use it on the by-id update as well.
    query = { "envelope", "pretty" },
    result = "object",
    spec_id = "updateGroupInvites",
  },
  update_invitation_by_id = {
    method = "PATCH",
    path = "/groups/{groupId}/invites/{invitationId}",
    params = { "groupId", "invitationId" },
    body = "GroupInvitationUpdateRequest",
    body_fields = { "roles" },
    query = { "envelope", "pretty" },
    result = "object",
    spec_id = "updateGroupInviteById",
  },
}
