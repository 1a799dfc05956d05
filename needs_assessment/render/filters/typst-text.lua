--[[
typst-text.lua: text stays text in typst, whichever renderer runs (pandoc Lua filter).

Pandoc's typst writer escapes a heading or list marker at the start of a paragraph, but not at the
start of a table cell, a tight list item or any other `Plain` block: a cell "= Similar" is written
`[= Similar]`, which typst reads as a level-1 heading inside the cell (and a template that breaks
the page before each chapter heading then fails: "pagebreaks are not allowed inside of
containers"). The same goes for "+ " (numbered list), "- " (bullet list), "/ " (term list) and
"1. " (numbered list). This filter escapes those markers wherever a line of text starts: at the
start of every Plain, Para and Header, and after a line break. `#`, `$`, `*` and the rest are
already escaped by the writer everywhere.

Used by both renderers: the embedded renderer runs it before filters/typst.lua; real Quarto runs it
from the project's extension (`_extensions/needs-assessment/`, at post-render). It changes nothing
for any other output format.
]]

if FORMAT ~= "typst" then
  return {}
end

local SPACE = { Space = true, SoftBreak = true, LineBreak = true }

-- Replacement inlines for a Str that starts a line, or nil when it is safe. `at_end`: the Str is
-- followed by a space, a break or nothing, which is where a marker must end to be one.
local function escaped(s, at_end)
  local c = s:sub(1, 1)
  if c == "=" or c == "+" or c == "/" then
    -- these have no other meaning at the start of a line, so they are always escaped
    local out = { pandoc.RawInline("typst", "\\" .. c) }
    if #s > 1 then table.insert(out, pandoc.Str(s:sub(2))) end
    return out
  end
  if s == "-" and at_end then
    -- "-4.6" is left alone: it is not a list, and typst shows it with a minus sign
    return { pandoc.RawInline("typst", "\\-") }
  end
  local digits = s:match("^(%d+)%.$")
  if digits and at_end then
    return { pandoc.RawInline("typst", digits .. "\\.") }
  end
  return nil
end

-- `inlines` with the line that starts at position i made safe. Spans are looked into: the writer
-- does not wrap them in a call, so their first character is the line's first character.
local function escape_at(inlines, i)
  local el = inlines[i]
  if el == nil then
    return inlines
  end
  if el.t == "Span" then
    el.content = escape_at(el.content, 1)
    inlines[i] = el
    return inlines
  end
  if el.t ~= "Str" then
    return inlines
  end
  local nxt = inlines[i + 1]
  local repl = escaped(el.text, nxt == nil or SPACE[nxt.t] ~= nil)
  if not repl then
    return inlines
  end
  local out = pandoc.Inlines({})
  for k = 1, i - 1 do out:insert(inlines[k]) end
  for _, r in ipairs(repl) do out:insert(r) end
  for k = i + 1, #inlines do out:insert(inlines[k]) end
  return out
end

local function fix_inlines(inlines)
  inlines = escape_at(inlines, 1)
  local i = 1
  while i < #inlines do
    if inlines[i].t == "LineBreak" then
      inlines = escape_at(inlines, i + 1)
    end
    i = i + 1
  end
  return inlines
end

local function fix_block(el)
  el.content = fix_inlines(el.content)
  return el
end

return {
  { Plain = fix_block, Para = fix_block, Header = fix_block },
}
