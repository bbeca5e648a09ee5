"""Random Lua 5.4 programs from a small grammar, for differential testing against lua5.4.

Every program is deterministic and terminates: loops have small constant bounds, recursion
is depth-limited, and nothing prints what differs between two runs of the same VM (table and
function addresses, the order of `pairs` over string keys, which depends on a per-run hash
seed, clocks, garbage-collection timing). What it exercises most is what storescript
replaces or wraps: coroutines (create, resume, yield, wrap, close, status, isyieldable,
running), load with modes and readers, pcall/error with every kind of value, to-be-closed
variables, debug.sethook/gethook, metatables; around them, ordinary arithmetic, strings and
tables, so that a difference anywhere in the VM's meaning would show.
"""
import random

PRELUDE = r'''
local function show(v)
  local t = type(v)
  if t == "table" then
    local mt = getmetatable(v)
    if mt and mt.__tostring then return "T<" .. tostring(v) .. ">" end
    local parts = {}
    for i = 1, math.min(#v, 8) do parts[i] = show(v[i]) end
    return "{" .. table.concat(parts, ",") .. "}#" .. #v
  elseif t == "function" or t == "thread" or t == "userdata" then
    return t
  elseif t == "string" then
    return string.format("%q", v)
  else
    return tostring(v)
  end
end
local function out(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = show((select(i, ...))) end
  print(n, table.concat(parts, " "))
end
local function spairs(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return false
  end)
  local i = 0
  return function() i = i + 1 local k = keys[i] if k ~= nil then return k, t[k] end end
end
local Vec = {}
Vec.__index = Vec
Vec.__add = function(a, b) return setmetatable({x = a.x + (type(b) == "table" and b.x or b)}, Vec) end
Vec.__eq = function(a, b) return a.x == b.x end
Vec.__lt = function(a, b) return a.x < b.x end
Vec.__le = function(a, b) return a.x <= b.x end
Vec.__len = function(a) return a.x end
Vec.__concat = function(a, b) return "vec" .. tostring(type(a) == "table" and a.x or a) .. "|" .. tostring(type(b) == "table" and b.x or b) end
Vec.__call = function(self, y) return self.x * (y or 1) end
Vec.__tostring = function(self) return "vec(" .. tostring(self.x) .. ")" end
Vec.__close = function(self, e) print("close vec", self.x, e ~= nil) end
local function vec(x) return setmetatable({x = x}, Vec) end
'''


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.scopes = [[]]
        self.counter = 0
        self.depth = 0

    # ---- names ---------------------------------------------------------------------------------
    def fresh(self):
        self.counter += 1
        return f"v{self.counter}"

    def visible(self):
        return [n for scope in self.scopes for n in scope]

    def declare(self, name):
        self.scopes[-1].append(name)

    def block(self, body, n):
        self.scopes.append([])
        self.depth += 1
        try:
            return "\n".join(body() for _ in range(n))
        finally:
            self.depth -= 1
            self.scopes.pop()

    # ---- expressions ---------------------------------------------------------------------------
    def literal(self):
        r = self.r
        return r.choice([
            lambda: str(r.randint(-20, 20)),
            lambda: str(r.randint(-2**40, 2**40)),
            lambda: r.choice(["math.maxinteger", "math.mininteger", "0x7fffffffffffffff", "-0x10", "0xff"]),
            lambda: repr(round(r.uniform(-100, 100), r.randint(0, 3))),
            lambda: r.choice(["0.5", "-0.0", "1e300", "1e-300", "math.huge", "-math.huge", "math.pi", "(0/0)", "3.0"]),
            lambda: r.choice(['"abc"', '""', '"10"', '"0x1A"', '" 42 "', '"1e2"', '"héllo"', '"a\\0b"', '"line\\n"', '"%d"']),
            lambda: r.choice(["true", "false", "nil"]),
            lambda: "vec(%d)" % r.randint(-5, 5),
            lambda: "{%s}" % ", ".join(self.expr(1) for _ in range(r.randint(0, 4))),
        ])()

    def expr(self, budget=3):
        r = self.r
        names = self.visible()
        if budget <= 0:
            return r.choice(names) if names and r.random() < 0.5 else self.literal()
        b = budget - 1
        kind = r.random()
        if kind < 0.2:
            return self.literal()
        if kind < 0.35 and names:
            return r.choice(names)
        if kind < 0.55:
            op = r.choice(["+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=",
                           "and", "or", "&", "|", "~", "<<", ">>"])
            return f"({self.expr(b)} {op} {self.expr(b)})"
        if kind < 0.62:
            return f"({r.choice(['- ', 'not ', '# ', '~ '])}{self.expr(b)})"
        if kind < 0.85:
            return self.call(b)
        if kind < 0.9:
            return f"(function(...) {self.function_body(b)} end)({self.args(b)})"
        if kind < 0.95:
            rest = self.args(b)
            return f"select({r.choice(['1', '2', '-1', chr(39) + '#' + chr(39)])}, {self.expr(b)}{', ' + rest if rest else ''})"
        return f"({self.expr(b)})[{self.expr(b)}]"

    def args(self, budget):
        return ", ".join(self.expr(budget) for _ in range(self.r.randint(0, 3)))

    def call(self, b):
        r = self.r
        e = lambda: self.expr(b)
        small = lambda: str(r.randint(-3, 6))
        return r.choice([
            lambda: f"math.floor({e()})", lambda: f"math.ceil({e()})", lambda: f"math.abs({e()})",
            lambda: f"math.max({e()}, {e()})", lambda: f"math.min({e()}, {e()})", lambda: f"math.tointeger({e()})",
            lambda: f"math.type({e()})", lambda: f"math.fmod({e()}, {e()})", lambda: f"math.ult({e()}, {e()})",
            lambda: f"tostring({e()})", lambda: f"tonumber({e()})", lambda: f"tonumber({e()}, {r.choice(['2', '16', '36'])})",
            lambda: f"type({e()})", lambda: f"rawequal({e()}, {e()})", lambda: f"rawlen({e()})",
            lambda: f"string.format({r.choice(['%d', '%5.2f', '%g', '%s', '%q', '%x', '%-5s|', '%i', '%a'])!r}, {e()})",
            lambda: f"string.rep({e()}, {small()}, {e()})", lambda: f"string.sub({e()}, {small()}, {small()})",
            lambda: f"string.upper({e()})", lambda: f"string.len({e()})", lambda: f"string.byte({e()}, {small()})",
            lambda: f"string.char({r.randint(0, 255)}, {r.randint(65, 90)})", lambda: f"string.reverse({e()})",
            lambda: f"string.find({e()}, {r.choice(['%d+', 'a', '.', '(%a)(%a)', '^%s*', 'x*$'])!r})",
            lambda: f"string.gsub({e()}, {r.choice(['%d', '%a', '.', 'l+'])!r}, {r.choice(['%0%0', 'X', '{}'])!r})",
            lambda: f"string.match({e()}, {r.choice(['(%d+)', '(%a+)', '()', '(.)(.)'])!r})",
            lambda: f"table.concat({{{self.args(b)}}}, {r.choice(['', ', ', '-'])!r})",
            lambda: f"table.unpack({{{self.args(b)}}})",
            lambda: f"select('#', table.unpack({{}}, 1, {r.randint(0, 50)}))",
            lambda: f"pcall({r.choice(['error', 'tostring', 'math.floor', 'string.rep', 'coroutine.yield', 'setmetatable', 'select'])}, {e()})",
            lambda: f"#{{{self.args(b)}}}",
            lambda: f"({e()})({e()})",
            lambda: f"({e()}):upper()",
            lambda: f"coroutine.wrap(function(...) coroutine.yield(...) return {e()} end)({e()})",
            lambda: f"coroutine.isyieldable()", lambda: f"coroutine.status(coroutine.running())",
            lambda: f"select(2, coroutine.running())",
            lambda: f"(load({self.chunk_text()}, 'chunk', {r.choice(['nil', chr(39) + 't' + chr(39), chr(39) + 'b' + chr(39), chr(39) + 'bt' + chr(39)])}) or out)({e()})",
            lambda: f"utf8.char({r.randint(0, 0x10FFFF)})", lambda: f"utf8.len({e()})",
        ])()

    def chunk_text(self):
        return repr(self.r.choice(["return 1", "return ...", "return x", "error('in chunk')", "syntax(", "return {...}",
                                   "local a <const> = 5 return a * 2", "return coroutine.running()", "return select('#', ...)"]))

    def function_body(self, budget):
        self.scopes.append([])
        try:
            stmts = [self.simple_statement(budget) for _ in range(self.r.randint(0, 2))]
            return " ".join(stmts) + f" return {self.expr(budget)}, ..."
        finally:
            self.scopes.pop()

    # ---- statements ----------------------------------------------------------------------------
    def simple_statement(self, budget=2):
        r = self.r
        names = self.visible()
        k = r.random()
        if k < 0.35 or not names:
            name = self.fresh()
            stmt = f"local {name} = {self.expr(budget)}"
            self.declare(name)
            return stmt
        if k < 0.6:
            return f"{r.choice(names)} = {self.expr(budget)}"
        return f"out({self.args(budget)})"

    def statement(self):
        r = self.r
        if self.depth > 3:
            return self.protected(self.simple_statement)
        k = r.random()
        if k < 0.3:
            return self.protected(self.simple_statement)
        if k < 0.4:
            return self.protected(lambda: f"if {self.expr()} then\n{self.block(self.statement, 2)}\nelse\n{self.block(self.statement, 1)}\nend")
        if k < 0.48:
            i = self.fresh()
            lo, hi = r.randint(-3, 3), r.randint(-3, 6)
            step = r.choice(["", ", 2", ", -1", ", 0.5"])
            return self.protected(lambda: f"for {i} = {lo}, {hi}{step} do\n{self.block(self.loop_statement, 2)}\nend")
        if k < 0.55:
            t = self.fresh()
            return self.protected(lambda: f"local {t} = {{{self.args(2)}}}\n"
                                  f"for k, v in spairs({t}) do out(k, v) end\n"
                                  f"for i, v in ipairs({t}) do out(i, v) end\n"
                                  f"table.insert({t}, {self.expr(1)}) out(#{t}, table.remove({t}, 1))\n"
                                  f"pcall(table.sort, {t}) out(table.unpack({t}))")
        if k < 0.68:
            return self.coroutine_statement()
        if k < 0.74:
            return self.close_statement()
        if k < 0.8:
            return self.hook_statement()
        if k < 0.87:
            return self.error_statement()
        if k < 0.93:
            return self.protected(lambda: f"out(pcall(function(...) {self.function_body(2)} end, {self.args(2)}))")
        return self.protected(lambda: f"local n = 0 while n < {r.randint(0, 5)} do n = n + 1\n{self.block(self.loop_statement, 1)}\nend out(n)")

    def loop_statement(self):
        return self.r.choice([self.statement, lambda: "if %s then break end" % self.expr(1)])()

    def protected(self, make):
        """Runs a statement inside pcall so one error does not end the program."""
        self.scopes.append([])
        try:
            body = make()
        finally:
            self.scopes.pop()
        return f"out(pcall(function()\n{body}\nend))"

    def coroutine_statement(self):
        r = self.r
        co = self.fresh()
        yields = "\n".join(f"local y{i} = coroutine.yield({self.expr(1)}) out('got', y{i})" for i in range(r.randint(0, 3)))
        finish = r.choice([f"return {self.expr(1)}", f"error({self.expr(1)})", "error(vec(9))", "coroutine.yield(coroutine.isyieldable())"])
        wrapped = r.random() < 0.3
        lines = [f"local {co} = coroutine.{'wrap' if wrapped else 'create'}(function(...)",
                 f"out('start', ...) out(coroutine.isyieldable(), coroutine.status(coroutine.running()))",
                 yields, finish, "end)"]
        for _ in range(r.randint(1, 5)):
            if wrapped:
                lines.append(f"out(pcall({co}, {self.expr(1)}))")
            else:
                lines.append(f"out(coroutine.resume({co}, {self.expr(1)})) out(coroutine.status({co}))")
        if not wrapped and r.random() < 0.5:
            lines.append(f"out(coroutine.close({co})) out(coroutine.status({co}))")
        if not wrapped and r.random() < 0.3:
            lines.append(f"out(pcall(coroutine.isyieldable, {co}))")
        return self.protected(lambda: "\n".join(lines))

    def close_statement(self):
        r = self.r
        c = self.fresh()
        body = self.block(self.statement, r.randint(0, 2))
        ending = r.choice(["", f"error({self.expr(1)})", "error(vec(3))", "return"])
        return self.protected(lambda: f"do local {c} <close> = vec({r.randint(0, 9)})\n{body}\n{ending}\nend")

    def hook_statement(self):
        r = self.r
        mask = r.choice(['""', '"l"', '"c"', '"r"', '"cr"'])
        count = r.choice(["", ", 1", ", 7", ", 100"])
        body = self.block(self.simple_statement, 2)
        return self.protected(lambda: (
            "local events = {}\n"
            f"debug.sethook(function(e, l) events[#events + 1] = e end, {mask}{count})\n"
            f"{body}\n"
            "debug.sethook()\n"
            "local counts = {} for _, e in ipairs(events) do counts[e] = (counts[e] or 0) + 1 end\n"
            "for k, v in spairs(counts) do out(k, v) end out(debug.gethook())"))

    def error_statement(self):
        r = self.r
        value = r.choice([self.expr(1), "{code = 42}", "vec(7)", "nil", "setmetatable({}, {__tostring = function() return 'custom' end})"])
        level = r.choice(["", ", 0", ", 1", ", 2"])
        return (f"do local ok, e = pcall(error, {value}{level}) out(ok, e) "
                f"local ok2, e2 = pcall(function() local t = nil return t.x end) out(ok2, e2) end")

    def program(self):
        stmts = [self.statement() for _ in range(self.r.randint(3, 10))]
        ending = self.r.choice(["", "", "", f"error({self.expr(1)})", "error(vec(1))", "os.exit(3)", "return"])
        return PRELUDE + "\n".join(stmts) + "\n" + ending + "\n"


def program(seed):
    return Gen(seed).program()


if __name__ == "__main__":
    import sys
    print(program(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
