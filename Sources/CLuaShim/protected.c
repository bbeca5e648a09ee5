/*
 * Protected forms of the API calls Swift makes that can raise: allocations (while a limit
 * is set) and metamethods. Each runs a small lua_CFunction under lua_pcall, so an error
 * comes back as a status, never as a longjmp through Swift.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static int limited(lua_State *L) {
    shim_runtime *rt = shim_runtime_of(L);
    return (rt->limit != 0 || rt->fail_at != 0) && rt->windows == 0;
}

/* ---- messages from the reserve --------------------------------------------------------- */

static int p_message(lua_State *L) { /* (msg, len, level) -> where .. msg */
    int level = (int)lua_tointeger(L, 3);
    lua_pushlstring(L, (const char *)lua_touserdata(L, 1), (size_t)lua_tointeger(L, 2));
    if (level >= 0) {
        luaL_where(L, level + 1); /* + this function's own level */
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return 1;
}

static void push_reserved(lua_State *L, int level, const char *s, size_t len) {
    shim_window w = shim_reserve_begin(L);
    lua_pushcfunction(L, p_message);
    lua_pushlightuserdata(L, (void *)s);
    lua_pushinteger(L, (lua_Integer)len);
    lua_pushinteger(L, level);
    (void)lua_pcall(L, 3, 1, 0); /* on failure: the preallocated memory message */
    shim_reserve_end(L, w);
}

void shim_push_message(lua_State *L, int level, const char *msg) {
    push_reserved(L, level, msg, strlen(msg));
}

void shim_pushstring_reserved(lua_State *L, const char *s, size_t len) {
    push_reserved(L, -1, s, len);
}

/* ---- pushes ------------------------------------------------------------------------------ */

static int p_pushlstring(lua_State *L) {
    lua_pushlstring(L, (const char *)lua_touserdata(L, 1), (size_t)lua_tointeger(L, 2));
    return 1;
}

int shim_pushlstring(lua_State *L, const char *s, size_t len) {
    if (!limited(L)) {
        lua_pushlstring(L, s, len);
        return LUA_OK;
    }
    lua_pushcfunction(L, p_pushlstring);
    lua_pushlightuserdata(L, (void *)s);
    lua_pushinteger(L, (lua_Integer)len);
    int st = lua_pcall(L, 2, 1, 0);
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}

static int p_createtable(lua_State *L) {
    lua_createtable(L, (int)lua_tointeger(L, 1), (int)lua_tointeger(L, 2));
    return 1;
}

int shim_createtable(lua_State *L, int narr, int nrec) {
    if (!limited(L)) {
        lua_createtable(L, narr, nrec);
        return LUA_OK;
    }
    lua_pushcfunction(L, p_createtable);
    lua_pushinteger(L, narr);
    lua_pushinteger(L, nrec);
    int st = lua_pcall(L, 2, 1, 0);
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}

static int p_rawset(lua_State *L) { /* (t, k, v) */
    lua_rawset(L, 1);
    return 0;
}

int shim_rawset(lua_State *L, int idx) {
    if (!limited(L)) {
        lua_rawset(L, idx);
        return LUA_OK;
    }
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, p_rawset); /* t ... k v f */
    lua_pushvalue(L, idx);          /* t ... k v f t */
    lua_pushvalue(L, -4);           /* ... k v f t k */
    lua_pushvalue(L, -4);           /* ... k v f t k v */
    int st = lua_pcall(L, 3, 0, 0);
    lua_pop(L, st == LUA_OK ? 2 : 3);
    return st;
}

static int p_rawseti(lua_State *L) { /* (t, n, v) */
    lua_rawseti(L, 1, lua_tointeger(L, 2));
    return 0;
}

int shim_rawseti(lua_State *L, int idx, lua_Integer n) {
    if (!limited(L)) {
        lua_rawseti(L, idx, n);
        return LUA_OK;
    }
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, p_rawseti); /* ... v f */
    lua_pushvalue(L, idx);
    lua_pushinteger(L, n);
    lua_pushvalue(L, -4);            /* ... v f t n v */
    int st = lua_pcall(L, 3, 0, 0);
    lua_pop(L, st == LUA_OK ? 1 : 2);
    return st;
}

static int p_newthread(lua_State *L) {
    lua_newthread(L);
    return 1;
}

int shim_newthread(lua_State *L) {
    lua_pushcfunction(L, p_newthread);
    int st = lua_pcall(L, 0, 1, 0);
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}

static int p_ref(lua_State *L) { /* (v) -> ref */
    lua_pushinteger(L, luaL_ref(L, LUA_REGISTRYINDEX));
    return 1;
}

int shim_ref(lua_State *L, int *ref) {
    lua_pushcfunction(L, p_ref);
    lua_insert(L, -2);
    int st = lua_pcall(L, 1, 1, 0);
    if (st == LUA_OK) *ref = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return st;
}

/* ---- task results ------------------------------------------------------------------------- */

static int p_pack(lua_State *L) { /* (from, n) -> {[0] = n, ...} */
    lua_State *from = lua_tothread(L, 1);
    int n = (int)lua_tointeger(L, 2);
    lua_createtable(L, n, 1);
    int base = lua_gettop(from) - n;
    for (int i = 1; i <= n; i++) {
        lua_pushvalue(from, base + i);
        lua_xmove(from, L, 1);
        lua_rawseti(L, -2, i);
    }
    lua_pushinteger(L, n);
    lua_rawseti(L, -2, 0);
    return 1;
}

int shim_pack(lua_State *L, lua_State *from, int n, int *ref) {
    int st = LUA_ERRMEM;
    if (from != L && lua_checkstack(L, 4) && lua_checkstack(from, 1)) {
        lua_pushcfunction(L, p_pack);
        lua_pushthread(from);
        lua_xmove(from, L, 1);
        lua_pushinteger(L, n);
        st = lua_pcall(L, 2, 1, 0);
        if (st == LUA_OK) st = shim_ref(L, ref);
        else lua_pop(L, 1);
    }
    lua_pop(from, n);
    return st;
}

int shim_unpack(lua_State *L, int ref, lua_State *to) {
    if (!lua_checkstack(L, 2)) return -1;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_rawgeti(L, -1, 0);
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (!lua_checkstack(to, n + (to == L ? 1 : 0))) {
        lua_pop(L, 1);
        return -1;
    }
    int t = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        if (to != L) lua_xmove(L, to, 1);
    }
    lua_remove(L, t);
    return n;
}

/* ---- metamethods ------------------------------------------------------------------------- */

static int p_next(lua_State *L) { /* (t, k) -> k', v' or nothing */
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    return 0;
}

int shim_next(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    int top = lua_gettop(L) - 1;    /* the key is popped */
    lua_pushcfunction(L, p_next);   /* k f */
    lua_pushvalue(L, idx);          /* k f t */
    lua_rotate(L, -3, -1);          /* f t k */
    if (lua_pcall(L, 2, LUA_MULTRET, 0) != LUA_OK) return -1;
    return lua_gettop(L) > top ? 1 : 0;
}

/* lua.c's message handler, without the traceback: a string or a number as it reads, else
   what __tostring answers, else "(error object is a X value)". */
static int p_describe(lua_State *L) { /* (err) -> message */
    if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER) {
        lua_tostring(L, 1);
        return 1;
    }
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}

const char *shim_describe_error(lua_State *L, int idx, size_t *len) {
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 3)) return NULL;
    lua_pushcfunction(L, p_describe);
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        char fallback[64];
        snprintf(fallback, sizeof fallback, "(error object is a %s value)", luaL_typename(L, idx));
        shim_pushstring_reserved(L, fallback, strlen(fallback));
    }
    return lua_tolstring(L, -1, len);
}

static int p_traceback(lua_State *L) { /* (co, msg, level) */
    lua_State *co = lua_tothread(L, 1);
    luaL_traceback(L, co, (const char *)lua_touserdata(L, 2), (int)lua_tointeger(L, 3));
    return 1;
}

int shim_traceback(lua_State *L, lua_State *co, const char *msg, int level) {
    if (!lua_checkstack(L, 4)) return LUA_ERRMEM;
    shim_window w = shim_reserve_begin(L);
    lua_pushcfunction(L, p_traceback);
    if (co == L) lua_pushthread(L); else { lua_pushthread(co); lua_xmove(co, L, 1); }
    lua_pushlightuserdata(L, (void *)msg);
    lua_pushinteger(L, level);
    int st = lua_pcall(L, 3, 1, 0);
    shim_reserve_end(L, w);
    return st;
}

static int p_gettable(lua_State *L) { /* (t, k) -> t[k] */
    lua_gettable(L, 1);
    return 1;
}

int shim_gettable(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, p_gettable); /* k f */
    lua_pushvalue(L, idx);            /* k f t */
    lua_rotate(L, -3, -1);            /* f t k */
    return lua_pcall(L, 2, 1, 0);
}

static int p_settable(lua_State *L) { /* (t, k, v) */
    lua_settable(L, 1);
    return 0;
}

int shim_settable(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, p_settable); /* k v f */
    lua_pushvalue(L, idx);            /* k v f t */
    lua_rotate(L, -4, 2);             /* f t k v */
    int st = lua_pcall(L, 3, 0, 0);
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}
