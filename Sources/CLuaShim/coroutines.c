/*
 * The coroutine library of lcorolib.c (Lua 5.4.4), with two duties added:
 *
 * - A host wait made inside a script's own coroutine is passed up to the scheduler: the
 *   resumer yields the host token in turn, and its continuation resumes the coroutine with
 *   the scheduler's answer (OpenResty's flattening). Every coroutine on that chain is marked
 *   waiting while the answer is due; none of them can be resumed or closed by a script.
 * - A task's own coroutine (a root) belongs to the scheduler: a script cannot resume, close
 *   or yield it, and it answers coroutine.running() and isyieldable() like lua5.4's main
 *   thread does.
 *
 * Being C, none of these functions adds a Lua frame: tracebacks, hooks and debug.getinfo
 * see what they see under lua5.4.
 */
#include "internal.h"

/* What a refusal on a task's own coroutine adds to Lua's words. */
#define TASK_ROOT " (a task's coroutine belongs to the scheduler: use async.wait)"

#define CANNOT_WAIT \
    "cannot wait here: Lua 5.4 cannot yield across a C call (a table.sort comparator, a " \
    "string.gsub callback, a metamethod called from C, or a module's main chunk while " \
    "require loads it); call it outside and pass the result in"

void shim_init_thread(lua_State *co, int root) {
    *shim_thread_of(co) = (shim_thread){.root = (unsigned char)root};
    shim_hook_install(co);
}
int shim_closethread(lua_State *co) { return lua_resetthread(co); }

static lua_State *getco(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "thread");
    return co;
}

/* Resumes `co` with narg values of L; `answer`: they are the scheduler's answer to the
   wait `co` is in. Returns the number of results moved to L, or -1 with a message. */
static int auxresume(lua_State *L, lua_State *co, int narg, int answer) {
    int status, nres;
    shim_thread *t = shim_thread_of(co);
    if (t->root && co != L) { /* itself: lua_resume answers as lua5.4 does for main */
        /* Lua's own words first, so that scripts matching them keep working; then why. */
        lua_pushstring(L, lua_status(co) == LUA_OK && lua_gettop(co) == 0 && !t->waiting
                              ? "cannot resume dead coroutine" TASK_ROOT : "cannot resume non-suspended coroutine" TASK_ROOT);
        return -1;
    }
    if (t->waiting && !answer) {
        lua_pushliteral(L, "cannot resume non-suspended coroutine");
        return -1;
    }
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    status = lua_resume(co, L, narg, &nres);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres); /* remove results anyway */
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres); /* move yielded values */
        return nres;
    }
    lua_xmove(co, L, 1); /* move error message */
    return -1;
}

/* Whether the r values `co` gave L are a host wait on its way up. */
static int is_host_wait(lua_State *L, lua_State *co, int r) {
    return r >= 1 && lua_status(co) == LUA_YIELD && lua_type(L, -r) == LUA_TLIGHTUSERDATA &&
           lua_touserdata(L, -r) == &shim_k_host_token;
}

/* Yields the host token up from L (keeping `keep` values below it for the continuation);
   0 when L cannot yield, with the stack cut to `keep`. */
static int pass_up(lua_State *L, int keep, lua_KFunction k) {
    lua_settop(L, keep);
    if (!lua_isyieldable(L)) return 0;
    shim_thread_of(L)->waiting = 1;
    lua_pushlightuserdata(L, &shim_k_host_token);
    return lua_yieldk(L, 1, 0, k);
}

/* ---- resume ---------------------------------------------------------------------------- */

static int resume_k(lua_State *L, int status, lua_KContext ctx);

static int finish_resume(lua_State *L, lua_State *co, int r) {
    if (is_host_wait(L, co, r)) {
        pass_up(L, 1, resume_k); /* returns only when L cannot yield */
        lua_pushboolean(L, 0);
        lua_pushliteral(L, CANNOT_WAIT);
        return 2;
    }
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2; /* return false + error message */
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1; /* return true + 'resume' returns */
}

/* The scheduler's answer arrived: hand it down to the coroutine that waits. */
static int resume_k(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    shim_thread_of(L)->waiting = 0;
    lua_State *co = lua_tothread(L, 1);
    return finish_resume(L, co, auxresume(L, co, lua_gettop(L) - 1, 1));
}

static int co_resume(lua_State *L) {
    lua_State *co = getco(L);
    return finish_resume(L, co, auxresume(L, co, lua_gettop(L) - 1, 0));
}

/* ---- wrap -------------------------------------------------------------------------------- */

static int wrap_k(lua_State *L, int status, lua_KContext ctx);

static int finish_wrap(lua_State *L, lua_State *co, int r) {
    if (is_host_wait(L, co, r)) {
        pass_up(L, 0, wrap_k);
        return luaL_error(L, "%s", CANNOT_WAIT);
    }
    if (r < 0) { /* error? */
        int stat = lua_status(co);
        if (stat != LUA_OK && stat != LUA_YIELD) { /* error in the coroutine? */
            stat = lua_resetthread(co); /* close its tbc variables */
            lua_xmove(co, L, 1);        /* move error message to the caller */
        }
        if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1); /* add extra info, if available */
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L); /* propagate error */
    }
    return r;
}

static int wrap_k(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    shim_thread_of(L)->waiting = 0;
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    return finish_wrap(L, co, auxresume(L, co, lua_gettop(L), 1));
}

static int co_auxwrap(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    return finish_wrap(L, co, auxresume(L, co, lua_gettop(L), 0));
}

/* ---- tasks ------------------------------------------------------------------------------ */

static int task_k(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    return lua_gettop(L);
}

/* The body of every task's coroutine: calls (fn, args...) and returns what it returns. A C
   frame under the script's function, as lua.c's docall is under the main chunk, so that
   tracebacks end as they do under lua5.4 ("[C]: in ?"). */
int shim_task_entry(lua_State *L) {
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, task_k);
    return task_k(L, LUA_OK, 0);
}

/* ---- the rest ---------------------------------------------------------------------------- */

static int co_create(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *NL = lua_newthread(L);
    shim_init_thread(NL, 0); /* its own record, not a copy of the main thread's */
    lua_pushvalue(L, 1); /* move function to top */
    lua_xmove(L, NL, 1); /* move function from L to NL */
    return 1;
}

static int co_wrap(lua_State *L) {
    co_create(L);
    lua_pushcclosure(L, co_auxwrap, 1);
    return 1;
}

static int co_yield(lua_State *L) {
    if (shim_thread_of(L)->root) { /* what lua5.4 says at its main level */
        lua_pushliteral(L, "attempt to yield from outside a coroutine");
        return lua_error(L);
    }
    return lua_yield(L, lua_gettop(L));
}

#define COS_RUN 0
#define COS_DEAD 1
#define COS_YIELD 2
#define COS_NORM 3

static const char *const statname[] = {"running", "dead", "suspended", "normal"};

static int auxstatus(lua_State *L, lua_State *co) {
    if (L == co) return COS_RUN;
    if (shim_thread_of(co)->waiting) return COS_NORM; /* active, below a host wait */
    switch (lua_status(co)) {
    case LUA_YIELD:
        return COS_YIELD;
    case LUA_OK: {
        lua_Debug ar;
        if (lua_getstack(co, 0, &ar)) return COS_NORM; /* it is running */
        else if (lua_gettop(co) == 0) return COS_DEAD;
        else return COS_YIELD; /* initial state */
    }
    default: /* some error occurred */
        return COS_DEAD;
    }
}

static int co_status(lua_State *L) {
    lua_State *co = getco(L);
    lua_pushstring(L, statname[auxstatus(L, co)]);
    return 1;
}

static int co_yieldable(lua_State *L) {
    lua_State *co = lua_isnone(L, 1) ? L : getco(L);
    lua_pushboolean(L, !shim_thread_of(co)->root && lua_isyieldable(co));
    return 1;
}

static int co_running(lua_State *L) {
    int ismain = lua_pushthread(L);
    lua_pushboolean(L, ismain || shim_thread_of(L)->root);
    return 2;
}

static int co_close(lua_State *L) {
    lua_State *co = getco(L);
    int status = auxstatus(L, co);
    if (shim_thread_of(co)->root && co != L)
        return luaL_error(L, "cannot close a %s coroutine" TASK_ROOT, statname[status == COS_YIELD ? COS_NORM : status]);
    switch (status) {
    case COS_DEAD:
    case COS_YIELD: {
        status = lua_resetthread(co);
        if (status == LUA_OK) {
            lua_pushboolean(L, 1);
            return 1;
        }
        lua_pushboolean(L, 0);
        lua_xmove(co, L, 1); /* move error message */
        return 2;
    }
    default: /* normal or running coroutine */
        return luaL_error(L, "cannot close a %s coroutine", statname[status]);
    }
}

static const luaL_Reg co_funcs[] = {
    {"create", co_create},   {"resume", co_resume},       {"running", co_running},
    {"status", co_status},   {"wrap", co_wrap},           {"yield", co_yield},
    {"isyieldable", co_yieldable}, {"close", co_close},   {NULL, NULL}};

int shim_open_coroutines(lua_State *L) {
    shim_patch(L, "coroutine", co_funcs);
    return 0;
}
