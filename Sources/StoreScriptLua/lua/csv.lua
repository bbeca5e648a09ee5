-- csv: RFC 4180 text, read and written. Quoted fields may hold separators, quotes ("") and
-- newlines; a header row names the fields; csv.rows streams a file of any size.
local csv = {}

local function options(opts, fname)
  if opts ~= nil and type(opts) ~= "table" then
    error(string.format("csv.%s: argument #2 (options) expected table, got %s", fname, type(opts)), 3)
  end
  opts = opts or {}
  local sep = opts.separator or ","
  if type(sep) ~= "string" or #sep ~= 1 or sep == '"' or sep == "\n" or sep == "\r" then
    error(string.format("csv.%s: options.separator must be one character (not a quote or a newline)", fname), 3)
  end
  return sep, opts.header ~= false
end

-- Splits records from a source of lines (a function returning the next line, or nil); a quoted
-- field that spans lines pulls the next. Returns an iterator of (fields, line number).
local function records(next_line, sep)
  local lineno = 0
  local function read()
    local line = next_line()
    if line == nil then return nil end
    lineno = lineno + 1
    if line:sub(-1) == "\r" then line = line:sub(1, -2) end -- CRLF
    return line
  end
  return function()
    local line = read()
    if line == nil then return nil end
    local start, fields, i = lineno, {}, 1
    while true do
      if line:sub(i, i) == '"' then
        local parts = {}
        i = i + 1
        while true do
          local q = line:find('"', i, true)
          if not q then
            parts[#parts + 1] = line:sub(i) .. "\n"
            line, i = read(), 1
            if line == nil then error(string.format("csv: the quoted field of line %d is never closed", start), 0) end
          elseif line:sub(q + 1, q + 1) == '"' then
            parts[#parts + 1] = line:sub(i, q) -- "" is one quote
            i = q + 2
          else
            parts[#parts + 1] = line:sub(i, q - 1)
            i = q + 1
            break
          end
        end
        fields[#fields + 1] = table.concat(parts)
        local after = line:sub(i, i)
        if after == "" then return fields, start end
        if after ~= sep then error(string.format("csv: line %d: text after a closing quote", lineno), 0) end
        i = i + 1
      else
        local j = line:find(sep, i, true)
        if j == nil then
          fields[#fields + 1] = line:sub(i)
          return fields, start
        end
        fields[#fields + 1] = line:sub(i, j - 1)
        i = j + 1
      end
    end
  end
end

-- Rows from records: blank lines skipped; with a header, each row a table by header name
-- (and `_line`, the line it started on), else the array of its fields.
local function rows_of(iter, header, fname)
  local names
  if header then
    names = iter()
    if names == nil then return function() return nil end end
    names[1] = names[1]:gsub("^\239\187\191", "") -- a UTF-8 byte order mark
  end
  return function()
    local fields, line
    repeat
      fields, line = iter()
      if fields == nil then return nil end
    until not (#fields == 1 and fields[1] == "")
    if not names then return fields, line end
    if #fields > #names then
      error(string.format("csv.%s: line %d has %d fields, the header %d", fname, line, #fields, #names), 0)
    end
    local row = { _line = line }
    for i, name in ipairs(names) do row[name] = fields[i] or "" end
    return row, line
  end
end

--- csv.rows(path, options?) -> iterator of rows (streaming: the file is read line by line).
function csv.rows(path, opts)
  if type(path) ~= "string" then error("csv.rows: argument #1 (path) expected string, got " .. type(path), 2) end
  local sep, header = options(opts, "rows")
  local f, err = io.open(path, "r")
  if not f then error("csv.rows: " .. err, 2) end
  local lines = f:lines()
  local done = false
  local function next_line()
    if done then return nil end
    local l = lines()
    if l == nil then done = true; f:close() end
    return l
  end
  return rows_of(records(next_line, sep), header, "rows")
end

--- csv.decode(text, options?) -> rows (tables by header name; arrays with header = false).
function csv.decode(text, opts)
  if type(text) ~= "string" then error("csv.decode: argument #1 (text) expected string, got " .. type(text), 2) end
  local sep, header = options(opts, "decode")
  local pos = 1
  local function next_line()
    if pos > #text then return nil end
    local nl = text:find("\n", pos, true)
    local line = text:sub(pos, (nl or #text + 1) - 1)
    pos = (nl or #text) + 1
    return line
  end
  local out = {}
  for row in rows_of(records(next_line, sep), header, "decode") do out[#out + 1] = row end
  return out
end

--- csv.read(path, options?) -> rows: the whole file.
function csv.read(path, opts)
  local out = {}
  for row in csv.rows(path, opts) do out[#out + 1] = row end
  return out
end

local function quote(v, sep)
  if v == nil or v == json.null then return "" end
  local s = tostring(v)
  if s:find('[' .. sep .. '"\r\n]') or s:match("^%s") or s:match("%s$") then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

local function line(values, sep)
  local parts = {}
  for i = 1, values.n or #values do parts[i] = quote(values[i], sep) end
  return table.concat(parts, sep) .. "\r\n"
end

-- A row's line: by header name when there is a header, else the row is the list of values.
local function row_line(row, header, sep)
  if not header then return line(row, sep) end
  local values = { n = #header }
  for i, name in ipairs(header) do values[i] = row[name] end
  return line(values, sep)
end

--- csv.writer(path_or_file, {header = {...}, separator = ","}) -> writer: w:write(row), w:close().
-- Rows are tables by header name (or arrays without a header). "-" writes to stdout.
function csv.writer(target, opts)
  local sep = options(opts, "writer")
  local header = opts and opts.header
  if header ~= nil and type(header) ~= "table" then error("csv.writer: options.header expected a list of names", 2) end
  local f, owned
  if target == "-" then f = io.stdout
  elseif type(target) == "string" then
    local err
    f, err = io.open(target, "w")
    if not f then error("csv.writer: " .. err, 2) end
    owned = true
  elseif io.type(target) == "file" then f = target
  else error("csv.writer: argument #1 expected a path or a file, got " .. type(target), 2) end
  if header then f:write(line(header, sep)) end
  local w = { count = 0 }
  function w:write(row)
    if type(row) ~= "table" then error("writer:write: argument #1 (row) expected table, got " .. type(row), 2) end
    f:write(row_line(row, header, sep))
    self.count = self.count + 1
  end
  function w:close()
    if owned then f:close() else f:flush() end
  end
  return w
end

--- csv.encode(rows, options?) -> text; csv.write(path, rows, options?).
function csv.encode(rows, opts)
  local parts = {}
  local sep = options(opts, "encode")
  local header = opts and opts.header
  if header then parts[#parts + 1] = line(header, sep) end
  for _, row in ipairs(rows) do parts[#parts + 1] = row_line(row, header, sep) end
  return table.concat(parts)
end

function csv.write(path, rows, opts)
  local w = csv.writer(path, opts)
  for _, row in ipairs(rows) do w:write(row) end
  w:close()
  return w.count
end

-- help() and `storescript docs` read these.
local doc = package.loaded["storescript.docs"]
doc[csv.rows] = "csv.rows(path, options?) -> iterator\n  Rows of a CSV file, streamed (any size): tables by header name with _line, or arrays with {header = false}; options.separator."
doc[csv.read] = "csv.read(path, options?) -> rows\n  The whole file at once (as csv.rows reads it)."
doc[csv.decode] = "csv.decode(text, options?) -> rows\n  CSV text to rows (RFC 4180: quoted fields with separators, quotes and newlines; CRLF; a byte order mark)."
doc[csv.writer] = "csv.writer(path or \"-\" or file, {header = {...}, separator = \",\"}) -> writer\n  w:write(row) writes a row (a table by header name, or an array); w:close(); w.count."
doc[csv.write] = "csv.write(path, rows, options?) -> count\n  Writes every row (with options.header first)."
doc[csv.encode] = "csv.encode(rows, options?) -> text\n  Rows to CSV text (quoted where needed, CRLF line ends)."

return csv
