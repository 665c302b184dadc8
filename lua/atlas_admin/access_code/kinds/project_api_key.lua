-- Kind project_api_key: a api key's roles in a project (the file's
-- projects.<p>.api_keys:).  Made by identity.lua.
return require("atlas_admin.access_code.kinds.identity").project_kind(require("atlas_admin.access_code.kinds.api_key").type)
