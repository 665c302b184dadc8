-- Kind service_account_access: the access list entries of a listed service account (exact
-- when the file lists access_list).  Made by identity.lua.
return require("atlas_admin.access_code.kinds.identity").access_kind(require("atlas_admin.access_code.kinds.service_account").type)
