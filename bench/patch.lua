-- wrk script: the example app's PATCH (bench/openresty.sh).
wrk.method = "PATCH"
wrk.body = '{"roles":["GROUP_OWNER"]}'
wrk.headers["Content-Type"] = "application/json"
