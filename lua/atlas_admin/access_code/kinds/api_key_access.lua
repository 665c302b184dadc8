-- Kind api_key_access: the access list entries of a listed api key (exact
-- when the file lists access_list).  Made by identity.lua.
return require("atlas_admin.access_code.kinds.identity").access_kind(require("atlas_admin.access_code.kinds.api_key").type)
