-- The review as ONE self-contained HTML page (it opens from a mail
-- attachment): the summary, the findings and the access matrix (identities
-- down, projects across, each cell coloured by the highest role, the ways
-- in on hover), sortable and filterable by kind, finding and name with a
-- few lines of inline script, printable.  Nothing is loaded from anywhere:
-- no external script, style, font or image, and the page's own Content
-- Security Policy forbids it.  Every name is escaped.
--
-- With #selftest in the URL the script also checks itself (sorting
-- reorders the rows, a filter hides rows, one matrix row per identity, no
-- error, no resource fetched) and writes the result into
-- <pre id="selftest-result"> (spec/review/browser_spec.lua reads it).
local identities = require "atlas_admin.review.identities"
local rules = require "atlas_admin.review.rules"
local text = require "atlas_admin.review.text"

local M = {}

local ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Text for HTML (content and attribute values): control characters
-- shown escaped, markup characters as entities.
function M.esc(s)
  return (text.clean(s == nil and "" or s):gsub("[&<>\"']", ESC))
end
local esc = M.esc

local LEVEL_RANK = {}
for i, l in ipairs(identities.LEVELS) do LEVEL_RANK[l] = i end

local STYLE = [[
:root{--ink:#1d2330;--muted:#5d6675;--line:#dde1e7;--bg:#f6f7f9;--high:#c62828;--medium:#d97706;--low:#2563eb;
--owner:#f6c5bf;--admin:#fbd9a8;--write:#fdf0b0;--read:#d6eaf8}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",Arial,sans-serif;
color:var(--ink);background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:var(--muted);margin:0 0 16px}code{font:12px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 8px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px;background:var(--bg)}
.card b{display:block;font-size:24px;line-height:1.1}.card span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.high b{color:var(--high)}.card.medium b{color:var(--medium)}.card.low b{color:var(--low)}
.kinds{color:var(--muted);margin:4px 0 0}
.controls{display:flex;gap:16px;align-items:center;flex-wrap:wrap;position:sticky;top:0;z-index:2;background:#fff;
padding:10px 0;border-bottom:1px solid var(--line)}
.controls label{font-size:13px;color:var(--muted)}
.controls select,.controls input{font:inherit;margin-left:6px;padding:3px 6px;border:1px solid var(--line);border-radius:4px}
#count{margin-left:auto;color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);
cursor:pointer;user-select:none;white-space:nowrap;position:relative}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
tr[hidden]{display:none}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;color:#fff;font-size:12px;font-weight:600}
.badge.high{background:var(--high)}.badge.medium{background:var(--medium)}.badge.low{background:var(--low)}
td.fix{width:34%}
td.fix code{white-space:pre-wrap;overflow-wrap:anywhere;color:#374151;font-size:11px}
#matrix td.c{text-align:center;font-size:12px;min-width:64px;border-left:1px solid #fff}
#matrix th.p{text-align:center}
td.owner{background:var(--owner)}td.admin{background:var(--admin)}td.write{background:var(--write)}td.read{background:var(--read)}
.legend span{display:inline-block;padding:1px 10px;margin-right:6px;border-radius:3px;font-size:12px}
.legend .owner{background:var(--owner)}.legend .admin{background:var(--admin)}
.legend .write{background:var(--write)}.legend .read{background:var(--read)}
.flag{color:var(--high);font-weight:600}.name{font-weight:500}.dim{color:var(--muted)}
#selftest-result{display:none}
@media print{body{padding:0;font-size:10px}.controls{display:none}th{cursor:auto}
tr{break-inside:avoid}thead{display:table-header-group}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}}
]]

local SCRIPT = [[
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); });
  var byId = function (id) { return document.getElementById(id); };
  var kind = byId("f-kind"), rule = byId("f-rule"), name = byId("f-name"), count = byId("count");
  var matrix = byId("matrix"), findings = byId("findings");
  var total = +matrix.getAttribute("data-identities");
  function rows(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function keep(tr) {
    var rs = tr.getAttribute("data-rules");
    return (!kind.value || tr.getAttribute("data-kind") === kind.value) &&
      (!rule.value || (rule.value === "*" ? rs.trim() !== "" : rs.indexOf(" " + rule.value + " ") >= 0)) &&
      (!name.value || tr.getAttribute("data-name").indexOf(name.value.toLowerCase()) >= 0);
  }
  function apply() {
    var shown = 0;
    [findings, matrix].forEach(function (table) {
      rows(table).forEach(function (tr) {
        tr.hidden = !keep(tr);
        if (table === matrix && !tr.hidden) shown++;
      });
    });
    count.textContent = shown + " of " + total + " identities shown";
  }
  function key(cell) {
    var v = cell.getAttribute("data-v");
    return v !== null ? +v : cell.textContent.toLowerCase();
  }
  function sort(table, col) {
    var th = table.tHead.rows[0].cells[col];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var list = rows(table).map(function (tr, i) { return [key(tr.cells[col]), i, tr]; });
    list.sort(function (a, b) { return (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]) * dir; });
    var body = table.tBodies[0];
    list.forEach(function (x) { body.appendChild(x[2]); });
  }
  [findings, matrix].forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sort(table, col); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(table, col); });
    });
  });
  [kind, rule].forEach(function (el) { el.addEventListener("change", apply); });
  name.addEventListener("input", apply);
  apply();
  if (location.hash !== "#selftest") return;
  var names = function () { return rows(matrix).map(function (tr) { return tr.getAttribute("data-name"); }); };
  var before = names().join("\n");
  sort(matrix, 1);
  var up = names();
  sort(matrix, 1);
  var down = names();
  var sorted = up.slice().sort();
  var result = { ran: true, rows: rows(matrix).length, identities: total,
    sort_changed_order: up.join("\n") !== before, sorted_ascending: up.join("\n") === sorted.join("\n"),
    sorted_descending: down.join("\n") === up.slice().reverse().join("\n") };
  kind.value = "team";
  apply();
  result.team_rows = rows(matrix).filter(function (tr) { return tr.getAttribute("data-kind") === "team"; }).length;
  result.visible_after_kind_filter = rows(matrix).filter(function (tr) { return !tr.hidden; }).length;
  kind.value = "";
  rule.value = "*";
  apply();
  result.visible_with_findings = rows(matrix).filter(function (tr) { return !tr.hidden; }).length;
  rule.value = "";
  apply();
  result.visible_after_reset = rows(matrix).filter(function (tr) { return !tr.hidden; }).length;
  result.resources = performance.getEntriesByType("resource").length;
  result.scripts = document.scripts.length;
  result.errors = errors;
  byId("selftest-result").textContent = JSON.stringify(result);
})();
]]

local function kind_one(kind) return identities.by_kind[kind].one end

-- The matrix's rows: identities with findings first (most first), then
-- in the review's order.
local function matrix_order(review)
  local list = {}
  for i, identity in ipairs(review.identities) do list[i] = { identity = identity, i = i } end
  table.sort(list, function(a, b)
    if #a.identity.findings ~= #b.identity.findings then return #a.identity.findings > #b.identity.findings end
    return a.i < b.i
  end)
  return list
end

local function rules_attr(names)
  return " " .. table.concat(names, " ") .. " "
end

function M.render(review)
  local s = review.summary
  local out = {}
  local function w(...)
    for _, x in ipairs { ... } do out[#out + 1] = x end
  end
  w('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; ',
    'script-src \'unsafe-inline\'; img-src data:; base-uri \'none\'; form-action \'none\'">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    '<title>Access review of organization ', esc(review.org_id), '</title>\n<style>', STYLE, '</style></head>\n<body>\n')
  w('<h1>Access review</h1>\n<p class="meta">Organization <code>', esc(review.org_id), '</code> &middot; generated ',
    esc(review.generated_at), ' &middot; ', esc(review.requests or 0), ' requests to Atlas</p>\n')
  w('<section class="cards">')
  for _, sev in ipairs(rules.SEVERITIES) do
    w('<div class="card ', sev, '"><b>', tostring(s.findings[sev]), '</b><span>', sev, '</span></div>')
  end
  w('<div class="card"><b>', tostring(s.identities), '</b><span>identities</span></div>',
    '<div class="card"><b>', tostring(s.projects), '</b><span>projects</span></div></section>\n')
  w('<p class="kinds">', esc(text.kinds_line(review)), '</p>\n')

  -- the filters: kinds and rules present in this review
  w('<nav class="controls" aria-label="filters"><label>Kind<select id="f-kind"><option value="">all</option>')
  for _, k in ipairs(identities.KINDS) do
    if s.by_kind[k.kind] then w('<option value="', k.kind, '">', esc(k.label), '</option>') end
  end
  w('</select></label><label>Finding<select id="f-rule"><option value="">all</option>',
    '<option value="*">any finding</option>')
  local seen = {}
  for _, f in ipairs(review.findings) do
    if not seen[f.rule] then
      seen[f.rule] = true
      w('<option value="', esc(f.rule), '">', esc(f.rule), '</option>')
    end
  end
  w('</select></label><label>Name<input id="f-name" type="search" placeholder="filter by name"></label>',
    '<span id="count"></span></nav>\n')

  w('<h2>Findings</h2>\n')
  if #review.findings == 0 then w('<p>No findings.</p>\n') end
  w('<table id="findings"><thead><tr><th>Severity</th><th>Rule</th><th>Subject</th><th>Project</th><th>Detail</th>',
    '<th>Fix</th></tr></thead><tbody>\n')
  for _, f in ipairs(review.findings) do
    w('<tr data-kind="', esc(f.kind or ""), '" data-rules=" ', esc(f.rule), ' " data-name="', esc(f.subject:lower()), '">',
      '<td data-v="', tostring(rules.RANK[f.severity]), '"><span class="badge ', f.severity, '">', f.severity, '</span></td>',
      '<td>', esc(f.rule), '</td><td class="name">', esc(f.subject), '</td><td>', esc(f.project_name or ""), '</td>',
      '<td>', esc(f.detail), '</td><td class="fix"><code>', esc(f.fix), '</code></td></tr>\n')
  end
  w('</tbody></table>\n')

  w('<h2>Access matrix</h2>\n<p class="legend">Highest role in each project: <span class="owner">owner</span>',
    '<span class="admin">admin</span><span class="write">write</span><span class="read">read</span>',
    '<span class="dim">hover a cell for the roles and the ways in (direct, team, org role, invitation); ',
    'click a heading to sort</span></p>\n')
  w('<table id="matrix" data-identities="', tostring(#review.identities), '"><thead><tr><th>Kind</th><th>Name</th>',
    '<th>Status</th><th>Org roles</th><th>Findings</th>')
  for _, p in ipairs(review.projects) do w('<th class="p" title="', esc(p.id), '">', esc(p.name), '</th>') end
  w('</tr></thead><tbody>\n')
  for _, row in ipairs(matrix_order(review)) do
    local identity = row.identity
    w('<tr data-kind="', identity.kind, '" data-rules="', esc(rules_attr(identity.findings)), '" data-name="',
      esc(identity.name:lower()), '"><td>', esc(kind_one(identity.kind)), '</td><td class="name">', esc(identity.name),
      '</td><td>', esc(identity.status or ""), '</td><td>', esc(table.concat(identity.org_roles, ", ")), '</td>',
      '<td data-v="', tostring(#identity.findings), '"', #identity.findings > 0 and ' class="flag"' or '',
      ' title="', esc(table.concat(identity.findings, ", ")), '">', tostring(#identity.findings), '</td>')
    for _, p in ipairs(review.projects) do
      local entry = identity.projects[p.id]
      if entry then
        local why = { esc(table.concat(entry.roles, ", ")) } -- the tooltip: one line each
        for _, way in ipairs(entry.via) do
          why[#why + 1] = esc(identities.via_text(way) .. ": " .. table.concat(way.roles, ", "))
        end
        w('<td class="c ', entry.level, '" data-v="', tostring(LEVEL_RANK[entry.level]), '" title="',
          table.concat(why, "&#10;"), '">', entry.level, '</td>')
      else
        w('<td class="c" data-v="0"></td>')
      end
    end
    w('</tr>\n')
  end
  w('</tbody></table>\n<pre id="selftest-result"></pre>\n<script>', SCRIPT, '</script>\n</body></html>\n')
  return table.concat(out)
end

return M
