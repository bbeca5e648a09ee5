/*
 * json: JSON straight between bytes and the Lua stack.
 *
 * decode: objects become tables, arrays become tables with the array metatable (so that
 * encode(decode("[]")) is "[]"), null becomes json.null, integers stay integers.
 * encode: a table with the array metatable, or whose keys are exactly 1..n, is an array;
 * other tables are objects (string keys; integer keys written as strings); json.null is null.
 * Functions, userdata, threads, NaN, infinities and tables nested deeper than JSON_MAX_DEPTH
 * (which catches cycles) are refused with an error naming where.
 *
 * Pure C: errors are raised with luaL_error, no Swift frame is ever between.
 */
#include "CLuaShim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 1000

static char k_null;      /* json.null is a light userdata of this address */
static char k_array_mt;  /* registry key of the array metatable */

/* ---- decoding --------------------------------------------------------------------------- */

typedef struct {
    const char *s, *p, *end;
    lua_State *L;
    int depth;
} reader;

static int fail(reader *r, const char *what) {
    return luaL_error(r->L, "json.decode: %s at byte %d", what, (int)(r->p - r->s) + 1);
}

static void skip_space(reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) r->p++;
}

static void decode_value(reader *r);

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static unsigned read_hex4(reader *r) {
    if (r->end - r->p < 4) fail(r, "invalid \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)r->p[i]);
        if (h < 0) fail(r, "invalid \\u escape");
        v = v << 4 | (unsigned)h;
    }
    r->p += 4;
    return v;
}

static void add_utf8(luaL_Buffer *b, unsigned c) {
    char out[4];
    int n;
    if (c < 0x80) { out[0] = (char)c; n = 1; }
    else if (c < 0x800) { out[0] = (char)(0xC0 | c >> 6); out[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) { out[0] = (char)(0xE0 | c >> 12); out[1] = (char)(0x80 | (c >> 6 & 0x3F)); out[2] = (char)(0x80 | (c & 0x3F)); n = 3; }
    else { out[0] = (char)(0xF0 | c >> 18); out[1] = (char)(0x80 | (c >> 12 & 0x3F)); out[2] = (char)(0x80 | (c >> 6 & 0x3F)); out[3] = (char)(0x80 | (c & 0x3F)); n = 4; }
    luaL_addlstring(b, out, (size_t)n);
}

/* [-0, +1] the string at r->p (on its opening quote) */
static void decode_string(reader *r) {
    const char *start = ++r->p;
    while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (unsigned char)*r->p >= 0x20) r->p++;
    if (r->p < r->end && *r->p == '"') {
        lua_pushlstring(r->L, start, (size_t)(r->p - start));
        r->p++;
        return;
    }
    luaL_Buffer b;
    luaL_buffinit(r->L, &b);
    luaL_addlstring(&b, start, (size_t)(r->p - start));
    for (;;) {
        if (r->p >= r->end) fail(r, "unterminated string");
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') { r->p++; break; }
        if (c < 0x20) fail(r, "control character in string");
        if (c != '\\') {
            const char *run = r->p;
            while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (unsigned char)*r->p >= 0x20) r->p++;
            luaL_addlstring(&b, run, (size_t)(r->p - run));
            continue;
        }
        r->p++;
        if (r->p >= r->end) fail(r, "unterminated string");
        switch (*r->p++) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            unsigned c1 = read_hex4(r);
            if (c1 >= 0xD800 && c1 < 0xDC00) {
                if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u') fail(r, "unpaired surrogate");
                r->p += 2;
                unsigned c2 = read_hex4(r);
                if (c2 < 0xDC00 || c2 >= 0xE000) fail(r, "unpaired surrogate");
                c1 = 0x10000 + ((c1 - 0xD800) << 10) + (c2 - 0xDC00);
            } else if (c1 >= 0xDC00 && c1 < 0xE000) {
                fail(r, "unpaired surrogate");
            }
            add_utf8(&b, c1);
            break;
        }
        default: r->p--; fail(r, "invalid escape");
        }
    }
    luaL_pushresult(&b);
}

static void decode_number(reader *r) {
    const char *start = r->p;
    int integer = 1;
    if (*r->p == '-') r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9') fail(r, "invalid number");
    if (*r->p == '0') r->p++;
    else while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    if (r->p < r->end && *r->p == '.') {
        integer = 0;
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') fail(r, "invalid number");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        integer = 0;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') fail(r, "invalid number");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    }
    size_t n = (size_t)(r->p - start);
    if (integer && n <= 18) { /* fits without overflow */
        lua_Integer v = 0;
        const char *q = start + (*start == '-');
        for (; q < r->p; q++) v = v * 10 + (*q - '0');
        lua_pushinteger(r->L, *start == '-' ? -v : v);
        return;
    }
    char buf[64];
    char *heap = NULL, *text = buf;
    if (n >= sizeof buf) text = heap = malloc(n + 1);
    if (text == NULL) fail(r, "not enough memory");
    memcpy(text, start, n);
    text[n] = 0;
    if (integer) {
        errno = 0;
        char *endp;
        long long v = strtoll(text, &endp, 10);
        free(heap);
        /* Integers stay integers: one beyond 64 bits is refused, never rounded to a float. */
        if (errno != 0) fail(r, "integer beyond 64 bits (write it as a string, or with a fraction or exponent for a float)");
        lua_pushinteger(r->L, (lua_Integer)v);
        return;
    }
    double d = strtod(text, NULL);
    free(heap);
    if (!isfinite(d)) fail(r, "number out of range");
    lua_pushnumber(r->L, d);
}

static void expect_word(reader *r, const char *word, size_t n) {
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) fail(r, "invalid literal");
    r->p += n;
}

static void decode_value(reader *r) {
    skip_space(r);
    if (r->p >= r->end) fail(r, "unexpected end of input");
    lua_State *L = r->L;
    switch (*r->p) {
    case '{': {
        if (++r->depth > JSON_MAX_DEPTH) fail(r, "nested too deeply");
        luaL_checkstack(L, 4, "json.decode: nested too deeply");
        r->p++;
        lua_createtable(L, 0, 4);
        skip_space(r);
        if (r->p < r->end && *r->p == '}') { r->p++; r->depth--; return; }
        for (;;) {
            skip_space(r);
            if (r->p >= r->end || *r->p != '"') fail(r, "expected a string key");
            decode_string(r);
            skip_space(r);
            if (r->p >= r->end || *r->p != ':') fail(r, "expected ':'");
            r->p++;
            decode_value(r);
            lua_rawset(L, -3);
            skip_space(r);
            if (r->p < r->end && *r->p == ',') { r->p++; continue; }
            if (r->p < r->end && *r->p == '}') { r->p++; break; }
            fail(r, "expected ',' or '}'");
        }
        r->depth--;
        return;
    }
    case '[': {
        if (++r->depth > JSON_MAX_DEPTH) fail(r, "nested too deeply");
        luaL_checkstack(L, 4, "json.decode: nested too deeply");
        r->p++;
        lua_createtable(L, 4, 0);
        lua_rawgetp(L, LUA_REGISTRYINDEX, &k_array_mt);
        lua_setmetatable(L, -2);
        skip_space(r);
        if (r->p < r->end && *r->p == ']') { r->p++; r->depth--; return; }
        lua_Integer i = 1;
        for (;;) {
            decode_value(r);
            lua_rawseti(L, -2, i++);
            skip_space(r);
            if (r->p < r->end && *r->p == ',') { r->p++; continue; }
            if (r->p < r->end && *r->p == ']') { r->p++; break; }
            fail(r, "expected ',' or ']'");
        }
        r->depth--;
        return;
    }
    case '"': decode_string(r); return;
    case 't': expect_word(r, "true", 4); lua_pushboolean(L, 1); return;
    case 'f': expect_word(r, "false", 5); lua_pushboolean(L, 0); return;
    case 'n': expect_word(r, "null", 4); lua_pushlightuserdata(L, &k_null); return;
    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) { decode_number(r); return; }
        fail(r, "unexpected character");
    }
}

int shim_json_decode(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    reader r = { s, s, s + len, L, 0 };
    decode_value(&r);
    skip_space(&r);
    if (r.p != r.end) fail(&r, "unexpected data after the JSON value");
    return 1;
}

/* ---- encoding --------------------------------------------------------------------------- */

/* A growing byte buffer allocated through the state's allocator (so --max-memory counts it),
   owned by a userdata whose __gc frees it if an error cuts the encoding short. */
typedef struct {
    char *data;
    size_t len, cap;
} out_buffer;

static void out_free(lua_State *L, out_buffer *b) {
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    if (b->data) f(ud, b->data, b->cap, 0);
    b->data = NULL;
    b->cap = b->len = 0;
}

static int out_gc(lua_State *L) {
    out_free(L, lua_touserdata(L, 1));
    return 0;
}

static void out_reserve(lua_State *L, out_buffer *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) cap *= 2;
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    char *p = f(ud, b->data, b->cap, cap);
    if (p == NULL) { /* a memory error like Lua's own, so the run ends as one (exit 4) */
        lua_pushliteral(L, "not enough memory");
        lua_error(L);
    }
    b->data = p;
    b->cap = cap;
}

static inline void out_add(lua_State *L, out_buffer *b, const char *s, size_t n) {
    out_reserve(L, b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void out_char(lua_State *L, out_buffer *b, char c) {
    if (b->len == b->cap) out_reserve(L, b, 1);
    b->data[b->len++] = c;
}

static void encode_string(lua_State *L, out_buffer *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    out_reserve(L, b, n + 2);
    out_char(L, b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out_add(L, b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out_add(L, b, "\\\"", 2); break;
        case '\\': out_add(L, b, "\\\\", 2); break;
        case '\n': out_add(L, b, "\\n", 2); break;
        case '\r': out_add(L, b, "\\r", 2); break;
        case '\t': out_add(L, b, "\\t", 2); break;
        default: {
            char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            out_add(L, b, u, 6);
        }
        }
    }
    out_add(L, b, s + run, n - run);
    out_char(L, b, '"');
}

/* How json.encode writes: compact (the default), or indented by `indent` spaces a level, and
 * objects' keys in byte order with `sort_keys` (diffable output). */
typedef struct {
    int indent;
    int sort_keys;
} encode_options;

static void encode_value(lua_State *L, out_buffer *b, int idx, int depth, const encode_options *o);

static void newline(lua_State *L, out_buffer *b, int depth, const encode_options *o) {
    if (!o->indent) return;
    out_char(L, b, '\n');
    for (int i = 0; i < depth * o->indent; i++) out_char(L, b, ' ');
}

typedef struct {
    const char *s;
    size_t n;
    lua_Integer pos;
} sorted_key;

static int key_order(const void *a, const void *b) {
    const sorted_key *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
    if (c) return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* Whether the table at idx is an array: marked, or keys exactly 1..n (n > 0). */
static int is_array(lua_State *L, int idx, lua_Integer *n) {
    *n = (lua_Integer)lua_rawlen(L, idx);
    if (lua_getmetatable(L, idx)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &k_array_mt);
        int marked = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (marked) return 1;
    }
    if (*n == 0) return 0; /* {} is an object */
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) { lua_pop(L, 1); return 0; }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || k > *n) { lua_pop(L, 1); return 0; }
        count++;
    }
    return count == *n;
}

/* Pushes the string form of the key at -2 (lua_next's key), leaving the key as it is. [-0, +1] */
static const char *key_string(lua_State *L, size_t *kn) {
    int kt = lua_type(L, -2);
    if (kt == LUA_TSTRING) { lua_pushvalue(L, -2); return lua_tolstring(L, -1, kn); }
    if (kt == LUA_TNUMBER && lua_isinteger(L, -2)) {
        lua_pushvalue(L, -2); /* convert a copy: lua_next needs the key as it is */
        return lua_tolstring(L, -1, kn);
    }
    luaL_error(L, "json.encode: cannot encode a table key of type %s", luaL_typename(L, -2));
    return NULL;
}

/* An object with its keys in byte order: the keys and their strings are collected into two
 * tables (which keep the strings alive), sorted, and written in that order. */
static void encode_sorted_object(lua_State *L, out_buffer *b, int idx, int depth, const encode_options *o) {
    lua_newtable(L); /* keys: pos → original key */
    int keys = lua_gettop(L);
    lua_newtable(L); /* strings: pos → key string */
    int strings = lua_gettop(L);
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t kn;
        key_string(L, &kn);               /* key value keystring */
        lua_rawseti(L, strings, ++count); /* key value */
        lua_pop(L, 1);                    /* key */
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, count);
    }
    if (count == 0) { lua_pop(L, 2); out_add(L, b, "{}", 2); return; }
    sorted_key *order = lua_newuserdatauv(L, sizeof(sorted_key) * (size_t)count, 0);
    for (lua_Integer i = 1; i <= count; i++) {
        lua_rawgeti(L, strings, i);
        order[i - 1].s = lua_tolstring(L, -1, &order[i - 1].n);
        order[i - 1].pos = i;
        lua_pop(L, 1); /* the string stays alive in `strings` */
    }
    qsort(order, (size_t)count, sizeof(sorted_key), key_order);
    out_char(L, b, '{');
    for (lua_Integer i = 0; i < count; i++) {
        if (i > 0) out_char(L, b, ',');
        newline(L, b, depth + 1, o);
        encode_string(L, b, order[i].s, order[i].n);
        out_char(L, b, ':');
        if (o->indent) out_char(L, b, ' ');
        lua_rawgeti(L, keys, order[i].pos);
        lua_rawget(L, idx);
        encode_value(L, b, lua_gettop(L), depth + 1, o);
        lua_pop(L, 1);
    }
    newline(L, b, depth, o);
    out_char(L, b, '}');
    lua_pop(L, 3); /* order strings keys */
}

static void encode_table(lua_State *L, out_buffer *b, int idx, int depth, const encode_options *o) {
    if (depth > JSON_MAX_DEPTH) luaL_error(L, "json.encode: a table is cyclic or nested deeper than %d levels", JSON_MAX_DEPTH);
    luaL_checkstack(L, 6, "json.encode: nested too deeply");
    lua_Integer n;
    if (is_array(L, idx, &n)) {
        out_char(L, b, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) out_char(L, b, ',');
            newline(L, b, depth + 1, o);
            lua_rawgeti(L, idx, i);
            encode_value(L, b, lua_gettop(L), depth + 1, o);
            lua_pop(L, 1);
        }
        if (n > 0) newline(L, b, depth, o);
        out_char(L, b, ']');
        return;
    }
    if (o->sort_keys) { encode_sorted_object(L, b, idx, depth, o); return; }
    out_char(L, b, '{');
    int first = 1;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t kn;
        const char *k = key_string(L, &kn); /* key value keystring */
        if (!first) out_char(L, b, ',');
        first = 0;
        newline(L, b, depth + 1, o);
        encode_string(L, b, k, kn);
        out_char(L, b, ':');
        if (o->indent) out_char(L, b, ' ');
        encode_value(L, b, lua_gettop(L) - 1, depth + 1, o);
        lua_pop(L, 2); /* keystring value */
    }
    if (!first) newline(L, b, depth, o);
    out_char(L, b, '}');
}

static void encode_value(lua_State *L, out_buffer *b, int idx, int depth, const encode_options *o) {
    switch (lua_type(L, idx)) {
    case LUA_TNIL: out_add(L, b, "null", 4); return;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx)) out_add(L, b, "true", 4); else out_add(L, b, "false", 5);
        return;
    case LUA_TNUMBER: {
        char num[48];
        int len;
        if (lua_isinteger(L, idx)) {
            len = snprintf(num, sizeof num, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            if (!isfinite(d)) luaL_error(L, "json.encode: cannot encode %s", isnan(d) ? "NaN" : "an infinity");
            len = snprintf(num, sizeof num, "%.15g", d);
            if (strtod(num, NULL) != d) len = snprintf(num, sizeof num, "%.17g", d);
            /* keep floats floats: 1.0 stays 1.0 */
            if (strspn(num, "-0123456789") == (size_t)len) { num[len++] = '.'; num[len++] = '0'; num[len] = 0; }
        }
        out_add(L, b, num, (size_t)len);
        return;
    }
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        encode_string(L, b, s, n);
        return;
    }
    case LUA_TTABLE: encode_table(L, b, idx, depth, o); return;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == &k_null) { out_add(L, b, "null", 4); return; }
        /* fall through */
    default:
        luaL_error(L, "json.encode: cannot encode a %s", luaL_typename(L, idx));
    }
}

/* json.encode(value, options?): options.indent (spaces a level, 0 to 16), options.sort_keys. */
int shim_json_encode(lua_State *L) {
    luaL_checkany(L, 1);
    encode_options o = { 0, 0 };
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TTABLE) return luaL_error(L, "json.encode: argument #2 (options) expected table, got %s", luaL_typename(L, 2));
        lua_getfield(L, 2, "indent");
        if (!lua_isnil(L, -1)) {
            int isnum;
            lua_Integer indent = lua_tointegerx(L, -1, &isnum);
            if (!isnum || indent < 0 || indent > 16) return luaL_error(L, "json.encode: options.indent must be an integer from 0 to 16");
            o.indent = (int)indent;
        }
        lua_getfield(L, 2, "sort_keys");
        o.sort_keys = lua_toboolean(L, -1);
    }
    lua_settop(L, 1);
    out_buffer *b = lua_newuserdatauv(L, sizeof(out_buffer), 0);
    b->data = NULL;
    b->len = b->cap = 0;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, out_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    encode_value(L, b, 1, 0, &o);
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    out_free(L, b); /* now; the userdata's __gc then finds nothing */
    return 1;
}

static int json_array(lua_State *L) {
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    else luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_array_mt);
    lua_setmetatable(L, 1);
    return 1;
}

static int json_is_array(lua_State *L) {
    if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1)) { lua_pushboolean(L, 0); return 1; }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_array_mt);
    lua_pushboolean(L, lua_rawequal(L, -1, -2));
    return 1;
}

int shim_open_json(lua_State *L) {
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "json.array");
    lua_setfield(L, -2, "__name");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_array_mt);
    luaL_Reg fns[] = {
        { "decode", shim_json_decode }, { "encode", shim_json_encode }, { "array", json_array },
        { "is_array", json_is_array }, { NULL, NULL },
    };
    luaL_newlib(L, fns);
    lua_pushlightuserdata(L, &k_null);
    lua_setfield(L, -2, "null");
    return 1;
}
