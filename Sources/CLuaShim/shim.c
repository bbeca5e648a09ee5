/*
 * Lua's function-like macros as functions Swift can call, the protected call that files a
 * traceback, and the C twin of a Swift no-op for the call-overhead benchmark.
 */
#include "internal.h"

int shim_upvalueindex(int i) { return lua_upvalueindex(i); }
int shim_registryindex(void) { return LUA_REGISTRYINDEX; }
void shim_pop(lua_State *L, int n) { lua_pop(L, n); }
int shim_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
void shim_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
int shim_isnoneornil(lua_State *L, int idx) { return lua_isnoneornil(L, idx); }
lua_Integer shim_tointegerx(lua_State *L, int idx, int *isnum) { return lua_tointegerx(L, idx, isnum); }

static char k_traceback;

/* Keeps the error value as it is (API errors are tables) and files the traceback beside it.
   A traceback that cannot be made (no memory) is left out. */
static int message_handler(lua_State *L) {
    /* level 2: past p_traceback and this handler, at the function that raised */
    if (shim_traceback(L, L, NULL, 2) == LUA_OK) lua_rawsetp(L, LUA_REGISTRYINDEX, &k_traceback);
    else lua_pop(L, 1);
    return 1;
}

void shim_take_traceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_traceback);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_traceback);
}

int shim_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    int st = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return st;
}

static int c_add(lua_State *L) {
    lua_Integer a = lua_tointegerx(L, 1, NULL), b = lua_tointegerx(L, 2, NULL);
    lua_pushinteger(L, a + b);
    return 1;
}

void shim_push_c_benchmark_function(lua_State *L) { lua_pushcfunction(L, c_add); }
