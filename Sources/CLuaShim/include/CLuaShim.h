/*
 * CLuaShim: the little C that Swift needs around Lua 5.4.
 *
 * 1. Lua's function-like macros, as functions Swift can call.
 * 2. The trampoline behind every Swift function exposed to Lua: Swift returns a
 *    sentinel and this C frame raises or yields after the Swift frame is gone, so no
 *    longjmp ever crosses Swift (DESIGN.md, bridge rule 1).
 * 3. The allocator with a memory limit, the instruction-count hook for time limits and
 *    interrupts, and protected forms of the pushes that allocate (bridge rule 2).
 *
 * Every function states its stack effect as the Lua manual does: [-pops, +pushes, errors].
 */
#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>
#include <signal.h>
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

/* Return codes of a Swift function, read by the trampoline. n >= 0 is a result count. */
#define SHIM_RAISE (-1) /* the error value is on top of the stack: raise it */
#define SHIM_YIELD (-2) /* suspend the calling coroutine: the scheduler resumes it */

/* Why the hook stopped a script. */
#define SHIM_STOP_NONE 0
#define SHIM_STOP_INTERRUPT 1
#define SHIM_STOP_TIMEOUT 2

/* One block per Lua state, shared by all its threads (it is the allocator's ud). */
typedef struct shim_runtime {
    size_t used;            /* bytes allocated now */
    size_t peak;            /* highest `used` seen */
    size_t limit;           /* 0: no limit */
    int unlimited;          /* > 0: the limit is lifted (error messages, state setup) */
    volatile sig_atomic_t interrupt; /* set from a signal handler */
    double deadline;        /* CLOCK_MONOTONIC seconds; 0: none */
    int stop;               /* SHIM_STOP_*: sticky until cleared by the host */
    unsigned long memory_failures; /* allocations refused by the limit */
} shim_runtime;

typedef int (*shim_dispatch_fn)(lua_State *L, void *box);
typedef void (*shim_release_fn)(void *box);

/* Installs the Swift side of the trampoline; once per process. */
void shim_install(shim_dispatch_fn dispatch, shim_release_fn release);

/* A new state whose allocator accounts in `rt` and whose count hook watches it.
   Returns NULL when memory is short. The state's extra space holds `host`. */
lua_State *shim_newstate(shim_runtime *rt, void *host);
shim_runtime *shim_runtime_of(lua_State *L);
void *shim_host_of(lua_State *L);
double shim_monotonic(void);

/* Swift functions. [-0, +1, -] on success; returns a LUA_* status (LUA_ERRMEM) otherwise,
   pushing nothing. The closure owns one retain of `box`, released by __gc. */
int shim_pushswiftfunction(lua_State *L, void *box);
/* The token a host yield carries as its first value. */
void *shim_host_token(void);

/* Protected pushes: safe while a memory limit is set. Each returns LUA_OK or LUA_ERRMEM
   and on failure leaves the stack as it was. */
int shim_pushlstring(lua_State *L, const char *s, size_t len);     /* [-0, +1] */
int shim_createtable(lua_State *L, int narr, int nrec);            /* [-0, +1] */
int shim_rawset(lua_State *L, int idx);                            /* [-2, +0] (also on failure) */
int shim_rawseti(lua_State *L, int idx, lua_Integer n);            /* [-1, +0] (also on failure) */
int shim_newthread(lua_State *L);                                  /* [-0, +1] */
int shim_ref(lua_State *L, int *ref);                              /* [-1, +0] registry ref */
/* Protected t[k] with metamethods, t at idx and k on top: [-1, +1]; on error the message
   replaces k and the status is returned. */
int shim_gettable(lua_State *L, int idx);
/* Protected t[k] = v with metamethods, k and v on top: [-2, +0] (also on error). */
int shim_settable(lua_State *L, int idx);
/* Protected lua_next: returns 1 (pushed key, value), 0 (done) or -1 (error, message pushed). */
int shim_next(lua_State *L, int idx);
/* Protected luaL_tolstring: [-0, +1]; on error pushes a fallback description. */
const char *shim_tolstring(lua_State *L, int idx, size_t *len);
/* Protected luaL_traceback of `co` into L: [-0, +1]. */
int shim_traceback(lua_State *L, lua_State *co, const char *msg, int level);
/* Pushes a string whatever the limit (for error messages): [-0, +1, m only on real OOM]. */
void shim_pushstring_unlimited(lua_State *L, const char *s, size_t len);

/* The macros of lua.h and lauxlib.h as functions. */
int shim_upvalueindex(int i);
int shim_registryindex(void);
void shim_pop(lua_State *L, int n);
int shim_pcall(lua_State *L, int nargs, int nresults, int msgh);
void shim_pushcfunction(lua_State *L, lua_CFunction f);
int shim_isnoneornil(lua_State *L, int idx);
lua_Integer shim_tointegerx(lua_State *L, int idx, int *isnum);
int shim_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode);
/* Calls the function below nargs arguments; on error the value is kept and its traceback
   is filed for shim_take_traceback. */
int shim_pcall_traceback(lua_State *L, int nargs, int nresults);
/* Pushes the traceback of the last failed shim_pcall_traceback (or nil) and forgets it: [-0, +1]. */
void shim_take_traceback(lua_State *L);
void shim_set_host(lua_State *L, void *host);

/* Routes SIGINT to rt->interrupt (a second Ctrl-C before it is honoured exits 130). */
void shim_watch_sigint(shim_runtime *rt);

/* The json module (json.c): pushes its table (decode, encode, array, is_array, null). A
   lua_CFunction: call it protected. */
int shim_open_json(lua_State *L);
/* json.decode(string) and json.encode(value) as lua_CFunctions, for Swift to call protected. */
int shim_json_decode(lua_State *L);
int shim_json_encode(lua_State *L);

/* The C twin of a Swift no-op, for the call-overhead benchmark. */
void shim_push_c_benchmark_function(lua_State *L);

#endif
