#include "CLuaShim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

static shim_dispatch_fn g_dispatch;
static shim_release_fn g_release;

/* Addresses used as unique registry keys and tokens. */
static char k_function_meta;
static char k_host_token;

void shim_install(shim_dispatch_fn dispatch, shim_release_fn release) {
    g_dispatch = dispatch;
    g_release = release;
}

double shim_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- allocator ---------------------------------------------------------------------- */

static void *shim_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    shim_runtime *rt = (shim_runtime *)ud;
    if (ptr == NULL) osize = 0; /* osize then encodes the object's type */
    if (nsize == 0) {
        free(ptr);
        rt->used -= osize;
        return NULL;
    }
    /* Only growth can fail: Lua assumes shrinking always succeeds. */
    if (nsize > osize && rt->limit != 0 && rt->unlimited == 0 &&
        rt->used + (nsize - osize) > rt->limit) {
        rt->memory_failures++;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    rt->used = rt->used - osize + nsize;
    if (rt->used > rt->peak) rt->peak = rt->used;
    return p;
}

shim_runtime *shim_runtime_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (shim_runtime *)ud;
}

void *shim_host_of(lua_State *L) {
    return *(void **)lua_getextraspace(L);
}

/* ---- the count hook ------------------------------------------------------------------ */

/* Raised at every hook call once a stop is set, and the hook then fires on every
   instruction, so a script's own pcall cannot swallow the stop (Redis's approach). */
static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    shim_runtime *rt = shim_runtime_of(L);
    if (rt->stop == SHIM_STOP_NONE) {
        if (rt->interrupt) rt->stop = SHIM_STOP_INTERRUPT;
        else if (rt->deadline > 0 && shim_monotonic() > rt->deadline) rt->stop = SHIM_STOP_TIMEOUT;
        else return;
    }
    const char *why;
    switch (rt->stop) {
    case SHIM_STOP_INTERRUPT: why = "interrupted"; break;
    case SHIM_STOP_TIMEOUT: why = "time limit exceeded"; break;
    default: return;
    }
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    rt->unlimited++;
    luaL_where(L, 0); /* the running function: hooks are not on the call stack */
    lua_pushstring(L, why);
    lua_concat(L, 2);
    rt->unlimited--;
    lua_error(L);
}

/* Keeps the Lua panic (an unprotected error) from silently calling abort with no word. */
static int panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "storescript: unprotected Lua error: %s\n", msg ? msg : "?");
    return 0; /* Lua aborts */
}

static int swift_function_gc(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, 1);
    if (slot != NULL && *slot != NULL && g_release != NULL) {
        g_release(*slot);
        *slot = NULL;
    }
    return 0;
}

static int setup_state(lua_State *L) {
    luaL_openlibs(L);
    lua_createtable(L, 0, 2); /* metatable of the boxes behind Swift functions */
    lua_pushcfunction(L, swift_function_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "storescript.function");
    lua_setfield(L, -2, "__name");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_function_meta);
    return 0;
}

lua_State *shim_newstate(shim_runtime *rt, void *host) {
    lua_State *L = lua_newstate(shim_alloc, rt);
    if (L == NULL) return NULL;
    lua_atpanic(L, panic);
    *(void **)lua_getextraspace(L) = host; /* copied into every new thread */
    lua_pushcfunction(L, setup_state);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_close(L);
        return NULL;
    }
    /* Threads made later inherit the hook (lua_newthread copies it). */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1000);
    return L;
}

/* ---- the trampoline ------------------------------------------------------------------ */

/* Runs after the scheduler resumes a coroutine that a Swift function suspended. The
   resume values are (true, results...) or (false, error). */
static int host_resume_k(lua_State *L, int status, lua_KContext base) {
    (void)status;
    int first = (int)base + 1;
    if (lua_gettop(L) < first) return 0;
    if (!lua_toboolean(L, first)) {
        lua_settop(L, first + 1);
        return lua_error(L);
    }
    return lua_gettop(L) - first;
}

static int swift_trampoline(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
    int n = g_dispatch(L, *slot);
    if (n >= 0) return n;
    if (n == SHIM_RAISE) return lua_error(L);
    /* SHIM_YIELD: Swift checked lua_isyieldable and registered what to wait for. */
    int base = lua_gettop(L);
    lua_pushlightuserdata(L, &k_host_token);
    return lua_yieldk(L, 1, (lua_KContext)base, host_resume_k);
}

static int p_pushswiftfunction(lua_State *L) {
    void *box = lua_touserdata(L, 1);
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_function_meta);
    lua_setmetatable(L, -2);
    *slot = box; /* only now does __gc own it */
    lua_pushcclosure(L, swift_trampoline, 1);
    return 1;
}

int shim_pushswiftfunction(lua_State *L, void *box) {
    lua_pushcfunction(L, p_pushswiftfunction);
    lua_pushlightuserdata(L, box);
    int st = lua_pcall(L, 1, 1, 0);
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}

void *shim_host_token(void) { return &k_host_token; }

/* ---- protected pushes ------------------------------------------------------------------ */

static int limited(lua_State *L) {
    shim_runtime *rt = shim_runtime_of(L);
    return rt->limit != 0 && rt->unlimited == 0;
}

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

void shim_pushstring_unlimited(lua_State *L, const char *s, size_t len) {
    shim_runtime *rt = shim_runtime_of(L);
    rt->unlimited++;
    lua_pushlstring(L, s, len);
    rt->unlimited--;
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

static int p_tolstring(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

const char *shim_tolstring(lua_State *L, int idx, size_t *len) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, p_tolstring);
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        const char *tn = luaL_typename(L, idx);
        shim_pushstring_unlimited(L, tn, strlen(tn));
    }
    return lua_tolstring(L, -1, len);
}

static int p_traceback(lua_State *L) { /* (co, msg, level) */
    lua_State *co = lua_tothread(L, 1);
    luaL_traceback(L, co, lua_tostring(L, 2), (int)lua_tointeger(L, 3));
    return 1;
}

int shim_traceback(lua_State *L, lua_State *co, const char *msg, int level) {
    shim_runtime *rt = shim_runtime_of(L);
    rt->unlimited++;
    lua_pushcfunction(L, p_traceback);
    if (co == L) lua_pushthread(L); else { lua_pushthread(co); lua_xmove(co, L, 1); }
    if (msg) lua_pushstring(L, msg); else lua_pushnil(L);
    lua_pushinteger(L, level);
    int st = lua_pcall(L, 3, 1, 0);
    rt->unlimited--;
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

/* ---- macros as functions ----------------------------------------------------------- */

int shim_upvalueindex(int i) { return lua_upvalueindex(i); }
int shim_registryindex(void) { return LUA_REGISTRYINDEX; }
void shim_pop(lua_State *L, int n) { lua_pop(L, n); }
int shim_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
void shim_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
int shim_isnoneornil(lua_State *L, int idx) { return lua_isnoneornil(L, idx); }
lua_Integer shim_tointegerx(lua_State *L, int idx, int *isnum) { return lua_tointegerx(L, idx, isnum); }

int shim_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode) {
    return luaL_loadbufferx(L, buf, len, name, mode);
}

static char k_traceback;

/* Keeps the error value as it is (API errors are tables) and files the traceback beside it. */
static int message_handler(lua_State *L) {
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_traceback);
    return 1;
}

void shim_take_traceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_traceback);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_traceback);
}

void shim_set_host(lua_State *L, void *host) { *(void **)lua_getextraspace(L) = host; }

int shim_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    int st = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return st;
}

/* ---- benchmark twin --------------------------------------------------------------------- */

static int c_add(lua_State *L) {
    lua_Integer a = lua_tointegerx(L, 1, NULL), b = lua_tointegerx(L, 2, NULL);
    lua_pushinteger(L, a + b);
    return 1;
}

void shim_push_c_benchmark_function(lua_State *L) { lua_pushcfunction(L, c_add); }

/* ---- Ctrl-C ---------------------------------------------------------------------------- */

static shim_runtime *volatile g_sigint_runtime;

/* The first Ctrl-C asks the hook to stop the running chunk; a second one, before the first
   was honoured (a script stuck in C), ends the process as Ctrl-C would. */
static void on_sigint(int sig) {
    (void)sig;
    shim_runtime *rt = g_sigint_runtime;
    if (rt == NULL || rt->interrupt) _exit(130);
    rt->interrupt = 1;
}

void shim_watch_sigint(shim_runtime *rt) {
    g_sigint_runtime = rt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}
