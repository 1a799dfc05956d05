--[[
typst.lua: the typst half of the embedded renderer (pandoc Lua filter, used with -t typst).

Input: the semantic AST made by needs_assessment/render/assemble.py, where
  * headings carry their role as a class (part, chapter, appendix, section; unlisted = not in
    the contents; callout-heading = inside a callout) and their number as attribute `number`;
  * figures and tables carry attribute `number` ("3.1"), images `fig-alt`;
  * callouts are Div.callout > [Div.callout-title, Div.callout-body] with attribute `kind`;
  * Div.na-pagebreak is a page break.
Output: typst markup for templates/book.typ. Numbers are the ones Python computed (so the PDF
and the HTML always agree); typst shows them through `numbering` functions that return them,
which keeps typst's own outline, bookmarks, captions and tags.
]]

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function typ_inlines(inlines)
  return trim(pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst"))
end

local function typ_blocks(blocks)
  return trim(pandoc.write(pandoc.Pandoc(blocks), "typst"))
end

-- A typst string literal.
local function str(s)
  s = s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\r", ""):gsub("\n", "\\n"):gsub("\t", " ")
  return '"' .. s .. '"'
end

local function label(identifier)
  if identifier and identifier ~= "" then
    return " <" .. identifier .. ">"
  end
  return ""
end

local function numbering(number)
  if number and number ~= "" then
    return "(..) => " .. str(number)
  end
  return "none"
end

local function image_path(src)
  if src:match("^/") then
    return src
  end
  return "/" .. src
end

local function Header(el)
  local c = el.classes
  local supplement = "Section"
  if c:includes("part") then
    supplement = "Part"
  elseif c:includes("appendix") then
    supplement = "Appendix"
  elseif c:includes("chapter") then
    supplement = "Chapter"
  end
  local number = el.attributes["number"]
  if supplement == "Part" and number and number ~= "" then
    number = "Part " .. number   -- so the contents and bookmarks say "Part 1 Context"
  end
  local outlined = c:includes("unlisted") and "false" or "true"
  local bookmarked = c:includes("callout-heading") and "false" or "true"
  return pandoc.RawBlock("typst", string.format(
    "#heading(level: %d, supplement: [%s], numbering: %s, outlined: %s, bookmarked: %s)[%s]%s",
    el.level, supplement, numbering(number), outlined, bookmarked,
    typ_inlines(el.content), label(el.identifier)))
end

local function image_call(img, extra)
  local args = { str(image_path(img.src)) }
  local alt = img.attributes["fig-alt"]
  if not alt or alt == "" then
    alt = pandoc.utils.stringify(img.caption)
  end
  if alt ~= "" then
    table.insert(args, "alt: " .. str(alt))
  end
  local width = img.attributes["width"]
  if width and width:match("^[%d%.]+%%$") then
    table.insert(args, "width: " .. width)
  elseif width and width:match("^[%d%.]+in$") then
    table.insert(args, "width: " .. width)
  elseif extra then
    table.insert(args, extra)
  end
  return "image(" .. table.concat(args, ", ") .. ")"
end

local function Image(img)
  return pandoc.RawInline("typst", "#box(" .. image_call(img, nil) .. ")")
end

local function Figure(el)
  local img = nil
  el.content:walk({
    Image = function(i)
      if not img then img = i end
    end,
  })
  local body
  if img then
    body = image_call(img, "width: 100%")
  else
    body = "[" .. typ_blocks(el.content) .. "]"
  end
  local caption = typ_blocks(el.caption.long)
  local args = { body }
  if caption ~= "" then
    table.insert(args, "caption: [" .. caption .. "]")
  end
  table.insert(args, "kind: image")
  table.insert(args, "supplement: [Figure]")
  table.insert(args, "numbering: " .. numbering(el.attributes["number"]))
  return pandoc.RawBlock("typst", "#figure(" .. table.concat(args, ",\n  ") .. ")" .. label(el.identifier))
end

local ALIGN = { AlignLeft = "left", AlignRight = "right", AlignCenter = "center", AlignDefault = "auto" }

-- Typst for every cell of a table with ONE pandoc.write call (one call per cell cost seconds on a
-- book with thousands of cells): cells are written in order, separated by a marker comment.
local CELL_MARK = "//@@na-cell@@"

local function cells_typst(cells)
  local blocks = {}
  for _, cell in ipairs(cells) do
    for _, b in ipairs(cell.contents) do table.insert(blocks, b) end
    table.insert(blocks, pandoc.RawBlock("typst", CELL_MARK))
  end
  local out = pandoc.write(pandoc.Pandoc(blocks), "typst")
  local bodies = {}
  for piece in out:gmatch("(.-)" .. CELL_MARK:gsub("%p", "%%%0")) do
    table.insert(bodies, trim(piece))
  end
  return bodies
end

local function cell_code(cell, typst_body)
  local body = "[" .. typst_body .. "]"
  local opts = {}
  if cell.row_span and cell.row_span > 1 then table.insert(opts, "rowspan: " .. cell.row_span) end
  if cell.col_span and cell.col_span > 1 then table.insert(opts, "colspan: " .. cell.col_span) end
  local a = ALIGN[cell.alignment]
  if a and a ~= "auto" then table.insert(opts, "align: " .. a) end
  if #opts > 0 then
    return "table.cell(" .. table.concat(opts, ", ") .. ")" .. body
  end
  return body
end

local function rows_code(rows)
  local cells = {}
  for _, row in ipairs(rows) do
    for _, cell in ipairs(row.cells) do table.insert(cells, cell) end
  end
  if #cells == 0 then return {} end
  local bodies = cells_typst(cells)
  local out = {}
  for i, cell in ipairs(cells) do
    table.insert(out, cell_code(cell, bodies[i] or ""))
  end
  return out
end

local function Table(el)
  -- Every column is sized by typst from its contents: widths from a pipe table's dashes follow the
  -- Markdown source's layout, not the cells, and squeezed the numeric columns in the PDF.
  local cols, aligns = {}, {}
  for _, spec in ipairs(el.colspecs) do
    table.insert(aligns, ALIGN[spec[1]] or "auto")
    table.insert(cols, "auto")
  end
  local parts = {
    "columns: (" .. table.concat(cols, ", ") .. ",)",
    "align: (" .. table.concat(aligns, ", ") .. ",)",
  }
  local head = rows_code(el.head.rows)
  if #head > 0 then
    table.insert(parts, "table.header(" .. table.concat(head, ", ") .. ")")
  end
  for _, b in ipairs(el.bodies) do
    for _, code in ipairs(rows_code(b.head)) do table.insert(parts, code) end
    for _, code in ipairs(rows_code(b.body)) do table.insert(parts, code) end
  end
  local foot = rows_code(el.foot.rows)
  if #foot > 0 then
    table.insert(parts, "table.footer(" .. table.concat(foot, ", ") .. ")")
  end
  local tbl = "table(\n    " .. table.concat(parts, ",\n    ") .. "\n  )"
  local caption = typ_blocks(el.caption.long or {})
  local args = { tbl }
  if caption ~= "" then
    table.insert(args, "caption: [" .. caption .. "]")
  end
  table.insert(args, "kind: table")
  table.insert(args, "supplement: [Table]")
  table.insert(args, "numbering: " .. numbering(el.attributes["number"]))
  return pandoc.RawBlock("typst", "#figure(\n  " .. table.concat(args, ",\n  ") .. ")" .. label(el.identifier))
end

local function Div(el)
  if el.classes:includes("na-pagebreak") then
    return pandoc.RawBlock("typst", "#pagebreak(weak: true)")
  end
  if el.classes:includes("callout") then
    local title, body = {}, {}
    for _, b in ipairs(el.content) do
      if b.t == "Div" and b.classes:includes("callout-title") then
        title = b.content
      elseif b.t == "Div" and b.classes:includes("callout-body") then
        body = b.content
      end
    end
    local title_code = "none"
    if #title > 0 then
      title_code = "[" .. typ_blocks(title) .. "]"
    end
    local kind = el.attributes["kind"] or "note"
    local out = { pandoc.RawBlock("typst", string.format("#na-callout(kind: %s, title: %s)[", str(kind), title_code)) }
    for _, b in ipairs(body) do table.insert(out, b) end
    table.insert(out, pandoc.RawBlock("typst", "]" .. label(el.identifier)))
    return out
  end
  return nil
end

-- Figures first (they take their image with them), then everything else; within the second
-- pass pandoc does inlines (images) before blocks, and inner blocks before outer ones.
return {
  { Figure = Figure },
  { Image = Image, Header = Header, Table = Table, Div = Div },
}
