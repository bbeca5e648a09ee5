/*
 * The runtime block of a state: the allocator with its limit, the reserve kept under the
 * limit for error messages, warnings, and the state's birth and death.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double shim_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the allocator -------------------------------------------------------------------- */

/* Growth past the limit fails: outside a reserve window at `limit - reserve`, inside one at
   `limit` itself, so no window ever lets Lua hold more than the limit. */
static void *shim_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    shim_runtime *rt = (shim_runtime *)ud;
    if (ptr == NULL) osize = 0; /* osize then encodes the object's type */
    if (nsize == 0) {
        free(ptr);
        rt->used -= osize;
        return NULL;
    }
    if (nsize > osize) {
        /* Tests: the fail_at-th growth fails, and so does the next one, Lua's retry of it
           after an emergency collection (a single failure would always be recovered). */
        if (rt->fail_at > 0 && --rt->fail_at == 0) rt->fail_at = -2;
        if (rt->fail_at < 0) {
            rt->fail_at++;
            rt->memory_failures++;
            return NULL;
        }
        if (rt->limit != 0) {
            size_t cap = rt->windows > 0 ? rt->limit : rt->limit - rt->reserve;
            if (rt->used + (nsize - osize) > cap) {
                rt->memory_failures++;
                return NULL;
            }
        }
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return nsize > osize ? NULL : ptr; /* Lua assumes shrinking never fails */
    rt->used = rt->used - osize + nsize;
    if (rt->used > rt->peak) rt->peak = rt->used;
    return p;
}

void shim_set_limit(shim_runtime *rt, size_t limit) {
    rt->limit = limit;
    size_t reserve = 64 * 1024;
    if (reserve > limit / 4) reserve = limit / 4;
    rt->reserve = reserve;
}

size_t shim_room(shim_runtime *rt) {
    if (rt->limit == 0) return SIZE_MAX;
    size_t cap = rt->limit - rt->reserve;
    return rt->used >= cap ? 0 : cap - rt->used;
}

shim_runtime *shim_runtime_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (shim_runtime *)ud;
}

void *shim_host_of(lua_State *L) { return shim_runtime_of(L)->host; }

/* ---- reserve windows ---------------------------------------------------------------- */

shim_window shim_reserve_begin(lua_State *L) {
    shim_window w = {0};
    /* -1 inside a finalizer: the collector is held there already */
    if (lua_gc(L, LUA_GCISRUNNING) == 1) {
        lua_gc(L, LUA_GCSTOP);
        w.restart_gc = 1;
    }
    shim_runtime_of(L)->windows++;
    return w;
}

void shim_reserve_end(lua_State *L, shim_window w) {
    shim_runtime_of(L)->windows--;
    if (w.restart_gc) lua_gc(L, LUA_GCRESTART);
}

/* ---- warnings ------------------------------------------------------------------------ */

static void warn_append(shim_runtime *rt, const char *s) {
    size_t room = sizeof rt->warn_text - 1 - rt->warn_len;
    size_t n = strlen(s);
    if (n > room) n = room;
    memcpy(rt->warn_text + rt->warn_len, s, n);
    rt->warn_len += n;
}

static void write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static shim_warn_writer g_warn_writer;

void shim_set_warn_writer(shim_warn_writer writer) { g_warn_writer = writer; }

/* One warning line on stderr: through the host's writer when it set one (the runner's own
   lines: redacted, JSON with time and script), else `storescript: warning: ...` or a JSON
   line from here. */
static void warn_emit(shim_runtime *rt) {
    if (g_warn_writer) {
        fflush(stdout); /* keep the order of what the script printed */
        g_warn_writer(rt->warn_text, rt->warn_len);
        return;
    }
    char line[sizeof rt->warn_text * 6 + 64];
    size_t n = 0;
    if (rt->warn_json) {
        n += (size_t)snprintf(line, sizeof line, "{\"level\":\"warn\",\"msg\":\"");
        for (size_t i = 0; i < rt->warn_len; i++) {
            unsigned char c = (unsigned char)rt->warn_text[i];
            if (c == '"' || c == '\\') { line[n++] = '\\'; line[n++] = (char)c; }
            else if (c == '\n') { line[n++] = '\\'; line[n++] = 'n'; }
            else if (c < 0x20) n += (size_t)snprintf(line + n, sizeof line - n, "\\u%04x", c);
            else line[n++] = (char)c;
        }
        n += (size_t)snprintf(line + n, sizeof line - n, "\"}\n");
    } else {
        n += (size_t)snprintf(line, sizeof line, "storescript: warning: %.*s\n", (int)rt->warn_len, rt->warn_text);
    }
    fflush(stdout); /* keep the order of what the script printed */
    write_all(2, line, n);
}

/* lua_WarnFunction with lauxlib's rules: "@on" and "@off" alone are control messages; a
   message may come in pieces (tocont). */
static void warnf(void *ud, const char *msg, int tocont) {
    shim_runtime *rt = (shim_runtime *)ud;
    if (!rt->warn_more && !tocont && msg[0] == '@') {
        if (strcmp(msg, "@on") == 0) rt->warn_on = 1;
        else if (strcmp(msg, "@off") == 0) rt->warn_on = 0;
        return;
    }
    warn_append(rt, msg);
    rt->warn_more = tocont;
    if (!tocont) {
        if (rt->warn_on) warn_emit(rt);
        rt->warn_len = 0;
    }
}

void shim_set_warnings(shim_runtime *rt, int on, int json) {
    rt->warn_on = on;
    rt->warn_json = json;
}

/* ---- birth and death ------------------------------------------------------------------ */

/* Keeps the Lua panic (an unprotected error: a bug of ours) from aborting with no word. */
static int panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "storescript: unprotected Lua error: %s\n", msg ? msg : "?");
    return 0; /* Lua aborts */
}

int shim_open_functions(lua_State *L); /* trampoline.c */

static int setup_state(lua_State *L) {
    luaL_openlibs(L);
    lua_CFunction parts[] = {shim_open_functions, shim_open_coroutines, shim_open_debughooks,
                             shim_open_loading, shim_open_process};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        lua_pushcfunction(L, parts[i]);
        lua_call(L, 0, 0);
    }
    return 0;
}

lua_State *shim_newstate(shim_runtime *rt, void *host) {
    rt->host = host;
    lua_State *L = lua_newstate(shim_alloc, rt);
    if (L == NULL) return NULL;
    lua_atpanic(L, panic);
    lua_setwarnf(L, warnf, rt);
    lua_pushcfunction(L, setup_state);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_close(L);
        return NULL;
    }
    shim_hook_install(L); /* threads made later get theirs from coroutine.create */
    return L;
}

void shim_close(lua_State *L) {
    shim_runtime_of(L)->closing = 1;
    lua_close(L);
}
