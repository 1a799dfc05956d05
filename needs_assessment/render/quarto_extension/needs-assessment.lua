--[[
needs-assessment.lua: the book structure and the house furniture that real Quarto needs from the
project (the embedded renderer does the same in Python: render/assemble.py and render/html.py).

Typst (the single-file PDF of the book):
  * a part's heading becomes a house part heading ("Part 1", supplement [Part]) that does not
    count as a chapter, so chapter numbers run 1, 2, ... across parts;
  * the appendices: the synthetic "Appendices" heading becomes a part heading, and from there
    chapters are numbered A, B, ... with the supplement [Appendix];
  * a link to a published file written relative to a chapter (../downloads/x.csv) is made
    relative to the PDF, which sits at the top of the publication.
HTML (one page per chapter):
  * on the front page, its own heading is a level-2 heading under the book's title (one h1);
  * under each page's first heading, the links to the downloads that every page carries
    (needs-assessment.downloads), written relative to that page.
Word (docx, the whole book in one file):
  * the demonstration notice first, in the reference document's "Demonstration Notice" style
    (the protective marking is in the reference document's page header: render/docx.py);
  * each chart's fig-alt as its Word alt text.
The protective marking and demonstration notice at the top of each HTML page are
include-before-body (written by the build); in the PDF they are the house template's.
Written for Quarto 1.10: uses quarto.doc.file_metadata() as Quarto's own orange-book does.
]]

local chapters_seen = 0
local parts_seen = 0
local appendices_started = false

local function file_state()
  local state = quarto.doc.file_metadata()
  if state == nil or state.file == nil then
    return nil
  end
  return state.file
end

local function typst_part(title, number)
  local numbering = "none"
  if number ~= nil then
    numbering = '(..) => "Part ' .. number .. '"'
  end
  -- A part heading is a level-1 heading; put the chapter counter back so it is not counted.
  return pandoc.RawBlock("typst", string.format(
    '#heading(level: 1, supplement: [Part], numbering: %s, outlined: true)[%s]\n#counter(heading).update(%d)',
    numbering, title, chapters_seen))
end

local function escape_typst_text(s)
  return (s:gsub("[\\%[%]#%$%*_`<>@=%-+/~]", "\\%0"))
end

local function typst_header(el)
  local file = file_state()
  if file == nil or el.level ~= 1 then
    return nil
  end
  local kind = file.bookItemType
  local title = escape_typst_text(pandoc.utils.stringify(el.content))
  if kind == "part" then
    parts_seen = parts_seen + 1
    return typst_part(title, parts_seen)
  end
  if kind == "appendix" and not appendices_started then
    appendices_started = true
    chapters_seen = 0
    local start = pandoc.RawBlock("typst",
      '#counter(heading).update(0)\n#state("na-appendix", false).update(true)\n' ..
      '#set heading(numbering: "A.1")\n' ..
      '#show heading.where(level: 1): set heading(supplement: [Appendix])')
    if el.classes:includes("unnumbered") then
      -- Quarto's own "Appendices" divider
      return { start, typst_part(title, nil) }
    end
    return { start, el }
  end
  if not el.classes:includes("unnumbered") then
    chapters_seen = chapters_seen + 1
  end
  return nil
end

local function typst_link(el)
  -- chapters link published files as ../downloads/...; the PDF is at the top of the publication
  el.target = el.target:gsub("^%.%./", "")
  return el
end

local function html_page(doc)
  -- The book's front page has the book's title as its h1; its own heading is a section of it.
  local input = quarto.doc.input_file or ""
  local na = doc.meta["needs-assessment"]
  if pandoc.path.filename(input):match("^index%.q?md$") and na ~= nil and na.book then
    doc.blocks = doc.blocks:walk({
      Header = function(h)
        if h.level == 1 then h.level = 2 end
        return h
      end,
    })
  end
  if na == nil or na.downloads == nil then
    return doc
  end
  local offset = quarto.project.offset or "."
  local items = {}
  for _, item in ipairs(na.downloads) do
    local href = pandoc.utils.stringify(item.href or "")
    if href ~= "" then
      local label = pandoc.utils.stringify(item.label or href)
      if not href:match("^%a[%w+.-]*:") then
        -- Quarto has already made the path of a file that is in the project (downloads/, a
        -- resource) relative to this page; a file published beside the site (the PDFs) is not
        -- in the project, so it is linked through the page's offset to the site's top.
        local here = pandoc.path.directory(quarto.doc.input_file or ".")
        local f = io.open(pandoc.path.join({ here, href }), "r")
        if f then
          f:close()
        else
          href = offset .. "/" .. href
        end
      end
      table.insert(items, { pandoc.Plain({ pandoc.Link(label, href) }) })
    end
  end
  if #items == 0 then
    return doc
  end
  local nav = pandoc.Div({
    pandoc.Plain({ pandoc.Strong("Downloads") }),
    pandoc.BulletList(items),
  }, pandoc.Attr("", { "na-downloads" }, { { "role", "navigation" }, { "aria-label", "Downloads" } }))
  local blocks = doc.blocks
  local at = 1
  for i, b in ipairs(blocks) do
    if b.t == "Header" then
      at = i + 1
      break
    end
  end
  table.insert(blocks, at, nav)
  doc.blocks = blocks
  return doc
end

-- The same words and style name as render/docx.py (DEMONSTRATION_NOTICE, NOTICE_STYLE).
local DEMONSTRATION_NOTICE = "Demonstration: this publication is made from generated demonstration data " ..
  "for a fictional area. It is not official statistics and must not be used to make decisions."

local function docx_document(doc)
  local na = doc.meta["needs-assessment"]
  if na == nil or na.demonstration ~= true then
    return doc
  end
  local notice = pandoc.Div({ pandoc.Para(pandoc.Inlines(DEMONSTRATION_NOTICE)) },
    pandoc.Attr("", {}, { { "custom-style", "Demonstration Notice" } }))
  doc.blocks:insert(1, notice)
  return doc
end

local function docx_image(img)
  -- Word's alt text (docPr descr) is the image's own text, which Quarto leaves empty in a figure:
  -- it is the chart's fig-alt
  local alt = img.attributes["fig-alt"] or img.attributes["alt"]
  if alt ~= nil and alt ~= "" and pandoc.utils.stringify(img.caption) == "" then
    img.caption = pandoc.Inlines(alt)
    return img
  end
  return nil
end

if quarto.doc.is_format("docx") then
  return { { Image = docx_image }, { Pandoc = docx_document } }
end

if quarto.doc.is_format("typst") then
  return quarto.utils.combineFilters({
    quarto.utils.file_metadata_filter(),
    { Header = typst_header, Link = typst_link },
  })
end

if quarto.doc.is_format("html") then
  return { { Pandoc = html_page } }
end

return {}
