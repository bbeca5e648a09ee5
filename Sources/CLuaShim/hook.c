/*
 * The runtime's hook and the script's. Every thread carries the runtime hook: on count
 * events it looks at the stop conditions (interrupt, termination, deadline) and, once one
 * is set, raises at every instruction so a script's pcall cannot swallow it (Redis's way).
 * debug.sethook and debug.gethook are replaced by versions that keep the script's hook in a
 * registry table (as ldblib.c does) and chain it behind the runtime's, which a script can
 * therefore neither remove nor see.
 */
#include "internal.h"

#include <string.h>

static char k_hooks; /* registry: weak table thread -> the script's hook function */

static const char *const hooknames[] = {"call", "return", "line", "count", "tail call"};

static const char *stop_message(int stop) {
    switch (stop) {
    case SHIM_STOP_INTERRUPT: return "interrupted";
    case SHIM_STOP_TIMEOUT: return "time limit exceeded";
    case SHIM_STOP_TERMINATE: return "terminated";
    default: return "stopped";
    }
}

/* The hook's period: the script's count when it asked for count events, else ours. */
static int period_of(shim_thread *t) {
    return (t->user_mask & LUA_MASKCOUNT) && t->user_count > 0 ? t->user_count : SHIM_HOOK_PERIOD;
}

void shim_hook_install(lua_State *L) {
    shim_thread *t = shim_thread_of(L);
    lua_sethook(L, shim_runtime_hook, t->user_mask | LUA_MASKCOUNT, period_of(t));
}

/* Raises the stop at the running instruction, and from now on at every one. */
static void raise_stop(lua_State *L, shim_runtime *rt) {
    lua_sethook(L, shim_runtime_hook, lua_gethookmask(L) | LUA_MASKCOUNT, 1);
    shim_push_message(L, 0, stop_message(rt->stop)); /* level 0: the running function */
    lua_error(L);
}

/* ldblib's hookf: calls hooktable[L] with the event name and the line. */
static void call_script_hook(lua_State *L, lua_Debug *ar) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_hooks);
    lua_pushthread(L);
    if (lua_rawget(L, -2) == LUA_TFUNCTION) {
        lua_pushstring(L, hooknames[ar->event]);
        if (ar->currentline >= 0) lua_pushinteger(L, ar->currentline);
        else lua_pushnil(L);
        lua_getinfo(L, "lS", ar);
        lua_call(L, 2, 0);
    }
}

void shim_runtime_hook(lua_State *L, lua_Debug *ar) {
    shim_runtime *rt = shim_runtime_of(L);
    shim_thread *t = shim_thread_of(L);
    if (ar->event == LUA_HOOKCOUNT) {
        if (rt->stop == SHIM_STOP_NONE) {
            if (rt->terminate) rt->stop = SHIM_STOP_TERMINATE;
            else if (rt->interrupt) rt->stop = SHIM_STOP_INTERRUPT;
            else if (rt->deadline > 0 && shim_monotonic() > rt->deadline) rt->stop = SHIM_STOP_TIMEOUT;
        }
        if (rt->stop != SHIM_STOP_NONE) raise_stop(L, rt);
        /* A stop answered since (the REPL goes on): back to the usual period. */
        if (lua_gethookcount(L) != period_of(t)) shim_hook_install(L);
    }
    int event_mask = ar->event == LUA_HOOKTAILCALL ? LUA_MASKCALL : 1 << ar->event;
    if (t->user_mask & event_mask) call_script_hook(L, ar);
}

/* ---- debug.sethook / debug.gethook (ldblib.c's, over the thread record) ------------------ */

static lua_State *getthread(lua_State *L, int *arg) {
    if (lua_isthread(L, 1)) {
        *arg = 1;
        return lua_tothread(L, 1);
    }
    *arg = 0;
    return L;
}

static void checkstack(lua_State *L, lua_State *L1, int n) {
    if (L != L1 && !lua_checkstack(L1, n)) luaL_error(L, "stack overflow");
}

static int makemask(const char *smask, int count) {
    int mask = 0;
    if (strchr(smask, 'c')) mask |= LUA_MASKCALL;
    if (strchr(smask, 'r')) mask |= LUA_MASKRET;
    if (strchr(smask, 'l')) mask |= LUA_MASKLINE;
    if (count > 0) mask |= LUA_MASKCOUNT;
    return mask;
}

static char *unmakemask(int mask, char *smask) {
    int i = 0;
    if (mask & LUA_MASKCALL) smask[i++] = 'c';
    if (mask & LUA_MASKRET) smask[i++] = 'r';
    if (mask & LUA_MASKLINE) smask[i++] = 'l';
    smask[i] = '\0';
    return smask;
}

static int db_sethook(lua_State *L) {
    int arg, mask, count;
    lua_State *L1 = getthread(L, &arg);
    if (lua_isnoneornil(L, arg + 1)) { /* no hook? */
        lua_settop(L, arg + 1);
        mask = 0;
        count = 0;
    } else {
        const char *smask = luaL_checkstring(L, arg + 2);
        luaL_checktype(L, arg + 1, LUA_TFUNCTION);
        count = (int)luaL_optinteger(L, arg + 3, 0);
        mask = makemask(smask, count);
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_hooks);
    checkstack(L, L1, 1);
    lua_pushthread(L1);
    lua_xmove(L1, L, 1);        /* key (thread) */
    lua_pushvalue(L, arg + 1);  /* value (hook function) */
    lua_rawset(L, -3);          /* hooktable[L1] = new Lua hook */
    shim_thread *t = shim_thread_of(L1);
    t->user_mask = (unsigned char)mask;
    t->user_count = count;
    shim_hook_install(L1);
    return 0;
}

static int db_gethook(lua_State *L) {
    int arg;
    lua_State *L1 = getthread(L, &arg);
    shim_thread *t = shim_thread_of(L1);
    char buff[5];
    if (t->user_mask == 0) { /* no hook of the script's */
        luaL_pushfail(L);
        return 1;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_hooks);
    checkstack(L, L1, 1);
    lua_pushthread(L1);
    lua_xmove(L1, L, 1);
    lua_rawget(L, -2);   /* 1st result = hooktable[L1] */
    lua_remove(L, -2);   /* remove hook table */
    lua_pushstring(L, unmakemask(t->user_mask, buff));
    lua_pushinteger(L, t->user_count);
    return 3;
}

int shim_open_debughooks(lua_State *L) {
    lua_createtable(L, 0, 1); /* hooktable, weak in its keys */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_hooks);
    static const luaL_Reg funcs[] = {{"sethook", db_sethook}, {"gethook", db_gethook}, {NULL, NULL}};
    shim_patch(L, "debug", funcs);
    return 0;
}
