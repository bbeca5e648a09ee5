/*
 * What the files of CLuaShim share and nobody else sees.
 */
#ifndef CLUASHIM_INTERNAL_H
#define CLUASHIM_INTERNAL_H

#include "CLuaShim.h"

/* The per-thread record in each lua_State's extra space (LUA_EXTRASPACE bytes). Lua copies
   the main thread's into every new thread, so the main thread's stays all zero. */
typedef struct shim_thread {
    unsigned char root;      /* a task's coroutine: resumed and closed by the scheduler only */
    unsigned char waiting;   /* suspended by a host wait (directly or through a coroutine it
                                resumed): only the scheduler's answer may resume it */
    unsigned char user_mask; /* the events of the script's own hook (debug.sethook) */
    unsigned char spare;
    int user_count;          /* the script's own hook count */
} shim_thread;

_Static_assert(sizeof(shim_thread) <= LUA_EXTRASPACE, "the thread record fits the extra space");

static inline shim_thread *shim_thread_of(lua_State *L) { return (shim_thread *)lua_getextraspace(L); }

/* The token a host yield carries; the address of a private byte. */
extern char shim_k_host_token;

/* Between a call and its return, allocations may use the reserve kept under the memory
   limit, and the collector is held (no finalizer runs in the window). [-0, +0] */
typedef struct shim_window { int restart_gc; } shim_window;
shim_window shim_reserve_begin(lua_State *L);
void shim_reserve_end(lua_State *L, shim_window w);

/* Pushes `where(level) .. msg` (level as luaL_where counts it from the caller; -1: no
   position) from the reserve, protected; on failure the value pushed is Lua's own
   preallocated "not enough memory". [-0, +1] */
void shim_push_message(lua_State *L, int level, const char *msg);

/* The runtime hook with the script's hook chained in (hook.c). */
void shim_runtime_hook(lua_State *L, lua_Debug *ar);
/* Installs the runtime hook on L with the script's events kept (hook.c). */
void shim_hook_install(lua_State *L);

/* Whom kill(2) reaches for the command os.execute is waiting for (its pid, or minus its
   process group), or 0 (process.c): the watchdog passes signals on to it and kills it when
   it ends the process. */
extern volatile sig_atomic_t shim_child_pid;

/* The lua_CFunction behind every Swift function (trampoline.c), for identity checks. */
int shim_swift_trampoline(lua_State *L);

/* Replaces functions of the library `lib` (a global table; NULL: the globals). [-0, +0] */
static inline void shim_patch(lua_State *L, const char *lib, const luaL_Reg *funcs) {
    if (lib) lua_getglobal(L, lib);
    else lua_pushglobaltable(L);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
}

/* Library replacements, each a lua_CFunction that patches the loaded libraries. */
int shim_open_coroutines(lua_State *L);  /* coroutines.c */
int shim_open_debughooks(lua_State *L);  /* hook.c */
int shim_open_loading(lua_State *L);     /* loading.c */
int shim_open_process(lua_State *L);     /* process.c */

#endif
