/*
 * The C frame behind every Swift function. Swift returns a result count or a sentinel; this
 * frame raises or yields after the Swift frame is gone, so no longjmp crosses Swift.
 */
#include "internal.h"

static shim_dispatch_fn g_dispatch;
static shim_release_fn g_release;

/* Addresses used as unique registry keys and tokens. */
static char k_function_meta;
char shim_k_host_token;

void shim_install(shim_dispatch_fn dispatch, shim_release_fn release) {
    g_dispatch = dispatch;
    g_release = release;
}

void *shim_host_token(void) { return &shim_k_host_token; }

/* __gc of the box userdata: the one place a box is released. */
static int swift_function_gc(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, 1);
    if (slot != NULL && *slot != NULL && g_release != NULL) {
        void *box = *slot;
        *slot = NULL;
        g_release(box);
    }
    return 0;
}

int shim_open_functions(lua_State *L) {
    lua_createtable(L, 0, 2); /* metatable of the boxes behind Swift functions */
    lua_pushcfunction(L, swift_function_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "storescript.function");
    lua_setfield(L, -2, "__name");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &k_function_meta);
    return 0;
}

/* Runs after the scheduler resumes a coroutine that a Swift function suspended. The
   resume values are (true, results...) or (false, error). */
static int host_resume_k(lua_State *L, int status, lua_KContext base) {
    (void)status;
    shim_thread_of(L)->waiting = 0;
    int first = (int)base + 1;
    if (lua_gettop(L) < first) return 0;
    if (!lua_toboolean(L, first)) {
        lua_settop(L, first + 1);
        return lua_error(L);
    }
    return lua_gettop(L) - first;
}

/* A box whose Swift object is gone (a finalizer resurrected the function after its box was
   collected) or a state that is closing: the function answers with an error, never a trap. */
static int unavailable(lua_State *L) {
    shim_push_message(L, 1, "function no longer available (the Lua state is closing or it was released)");
    return lua_error(L);
}

int shim_swift_trampoline(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
    if (*slot == NULL || shim_runtime_of(L)->closing) return unavailable(L);
    int n = g_dispatch(L, *slot);
    if (n >= 0) return n;
    if (n == SHIM_RAISE) return lua_error(L);
    /* SHIM_YIELD: Swift checked lua_isyieldable and registered what to wait for. */
    int base = lua_gettop(L);
    if (!lua_checkstack(L, 1)) return luaL_error(L, "stack overflow");
    shim_thread_of(L)->waiting = 1;
    lua_pushlightuserdata(L, &shim_k_host_token);
    return lua_yieldk(L, 1, (lua_KContext)base, host_resume_k);
}

/* Builds the closure with an empty box first: every allocation happens before the box is
   stored, so a failure leaves the box to the caller and __gc never sees it. */
static int p_pushswiftfunction(lua_State *L) {
    void *box = lua_touserdata(L, 1);
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &k_function_meta);
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, shim_swift_trampoline, 1);
    *slot = box; /* only now does __gc own it; nothing allocates after this */
    return 1;
}

int shim_pushswiftfunction(lua_State *L, void *box) {
    if (!lua_checkstack(L, 3)) return LUA_ERRMEM;
    lua_pushcfunction(L, p_pushswiftfunction);
    lua_pushlightuserdata(L, box);
    int st = lua_pcall(L, 1, 1, 0);
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}
