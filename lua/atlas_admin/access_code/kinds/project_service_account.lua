-- Kind project_service_account: a service account's roles in a project (the file's
-- projects.<p>.service_accounts:).  Made by identity.lua.
return require("atlas_admin.access_code.kinds.identity").project_kind(require("atlas_admin.access_code.kinds.service_account").type)
