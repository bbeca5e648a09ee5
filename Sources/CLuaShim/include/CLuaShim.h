/*
 * CLuaShim: the little C that Swift needs around Lua 5.4.
 *
 * state.c       the runtime block, the allocator with its limit and reserve, warnings
 * trampoline.c  the C frame behind every Swift function: Swift returns a sentinel and this
 *               frame raises or yields after the Swift frame is gone, so no longjmp ever
 *               crosses Swift (DESIGN.md, bridge rule 1)
 * protected.c   protected forms of the API calls that allocate or run metamethods (rule 2)
 * hook.c        the runtime's instruction hook (time limit, interrupts) and debug.sethook /
 *               gethook, which chain a script's own hook with it
 * coroutines.c  the coroutine library, passing host waits up to the scheduler
 * loading.c     text-only loading: load, loadfile, dofile and scripts
 * process.c     os.execute and os.exit that keep the runtime in charge
 * watchdog.c    the thread that ends the process when a stop is not honoured in time
 * relay.c       the parent of `run --profiles` passing SIGINT and SIGTERM on to each store
 * json.c        the json module
 * shim.c        Lua's function-like macros as functions
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

/* Why running code must stop. */
#define SHIM_STOP_NONE 0
#define SHIM_STOP_INTERRUPT 1 /* SIGINT */
#define SHIM_STOP_TIMEOUT 2   /* the deadline passed */
#define SHIM_STOP_TERMINATE 3 /* SIGTERM */

/* How often (in VM instructions) the runtime hook looks at the stop conditions. */
#define SHIM_HOOK_PERIOD 1000

/* One block per Lua state, shared by all its threads (it is the allocator's ud). */
typedef struct shim_runtime {
    size_t used;            /* bytes allocated now */
    size_t peak;            /* highest `used` seen */
    size_t limit;           /* 0: no limit */
    size_t reserve;         /* kept under `limit` for error messages (reserve windows) */
    int windows;            /* > 0: inside a reserve window */
    volatile sig_atomic_t interrupt; /* set from a signal handler */
    volatile sig_atomic_t terminate; /* set from a signal handler */
    double deadline;        /* CLOCK_MONOTONIC seconds; 0: none */
    int stop;               /* SHIM_STOP_*: sticky until cleared by the host */
    unsigned long memory_failures; /* allocations refused */
    volatile int closing;   /* the state is closing: Swift functions are gone */
    void *host;             /* the Swift object that owns the state */
    /* os.exit's last word: given the status, returns the one to exit with (NULL: none).
       Called before anything closes; it must not touch the Lua stack. */
    int (*before_exit)(lua_State *L, int status);
    long fail_at;           /* tests: the fail_at-th allocation from now fails (with Lua's
                               retry of it); 0: none */
    int warn_json;          /* warnings as JSON lines */
    int warn_on;            /* warnings on (Lua's "@on") */
    int warn_more;          /* inside a multi-part warning */
    size_t warn_len;
    char warn_text[1024];
} shim_runtime;

typedef int (*shim_dispatch_fn)(lua_State *L, void *box);
typedef void (*shim_release_fn)(void *box);

/* Installs the Swift side of the trampoline; once per process. */
void shim_install(shim_dispatch_fn dispatch, shim_release_fn release);

/* ---- state.c ------------------------------------------------------------------------ */

/* A new state whose allocator accounts in `rt`, with the standard libraries, the runtime
   hook and the library replacements (coroutines, hooks, loading, process). NULL when memory
   is short. */
lua_State *shim_newstate(shim_runtime *rt, void *host);
/* Closes the state: Swift functions answer "no longer available" from here on, and errors
   in finalizers become warnings. */
void shim_close(lua_State *L);
shim_runtime *shim_runtime_of(lua_State *L);
void *shim_host_of(lua_State *L);
double shim_monotonic(void);
/* Sets the memory limit (0: none) and the reserve kept under it. */
void shim_set_limit(shim_runtime *rt, size_t limit);
/* Bytes Lua may still allocate before the limit (SIZE_MAX without one). */
size_t shim_room(shim_runtime *rt);
/* Lua's warnings: on or off ("@on"/"@off" still work), as text or JSON lines on stderr. */
void shim_set_warnings(shim_runtime *rt, int on, int json);
/* Where warning lines go instead of straight to stderr (NULL: straight there). */
typedef void (*shim_warn_writer)(const char *text, size_t len);
void shim_set_warn_writer(shim_warn_writer writer);

/* ---- trampoline.c -------------------------------------------------------------------- */

/* Swift functions. [-0, +1] on success; returns a LUA_* status (LUA_ERRMEM) otherwise,
   pushing nothing, and the box is still the caller's. On success the closure owns one
   retain of `box`, released exactly once by __gc. */
int shim_pushswiftfunction(lua_State *L, void *box);
/* The token a host yield carries as its first value. */
void *shim_host_token(void);

/* ---- protected.c ------------------------------------------------------------------- */

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
/* What lua.c's message handler would print for the error value at idx (without the
   traceback): [-0, +1], protected (a __tostring that raises counts as none). */
const char *shim_describe_error(lua_State *L, int idx, size_t *len);
/* Protected luaL_traceback of `co` into L, from the reserve: [-0, +1]. */
int shim_traceback(lua_State *L, lua_State *co, const char *msg, int level);
/* Pushes a message from the reserve, the collector held (for errors): [-0, +1]. On failure
   the value pushed is Lua's preallocated "not enough memory". */
void shim_pushstring_reserved(lua_State *L, const char *s, size_t len);
/* Pops `n` values of `from` into a new table {n = n, ...} kept in the registry of L:
   [-n, +0] on `from`. Returns LUA_OK (and *ref) or LUA_ERRMEM (values popped all the same). */
int shim_pack(lua_State *L, lua_State *from, int n, int *ref);
/* Pushes the values of a table made by shim_pack onto `to`: [-0, +n]. Returns n, or -1 when
   `to` cannot hold that many (nothing pushed). */
int shim_unpack(lua_State *L, int ref, lua_State *to);

/* ---- coroutines.c ----------------------------------------------------------------- */

/* Gives a new thread its own record and the runtime hook; `root`: a task's coroutine, which
   scripts cannot resume, close or yield. */
void shim_init_thread(lua_State *co, int root);
/* The body of a task's coroutine: calls (fn, args...) under a C frame. A lua_CFunction. */
int shim_task_entry(lua_State *L);
/* Closes a dead or failed coroutine's pending to-be-closed variables (lua_resetthread).
   Returns the status; on error the error value is on top of `co`. */
int shim_closethread(lua_State *co);

/* ---- loading.c ---------------------------------------------------------------------- */

/* Loads a source file (NULL: standard input) as text, streaming (a FIFO or /dev/zero is
   never read whole). A `#` first line is skipped (line numbers kept). [-0, +1]: the chunk,
   or the error message. Returns a LUA_* status, or SHIM_LOAD_BINARY / SHIM_LOAD_OPEN (a
   message is pushed for both). */
#define SHIM_LOAD_BINARY 100
#define SHIM_LOAD_OPEN 101
int shim_loadscript(lua_State *L, const char *path, const char *chunkname);
int shim_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode);

/* ---- relay.c ------------------------------------------------------------------------- */

/* Installs the SIGINT and SIGTERM relay; returns the descriptor that becomes readable when
   one arrives (-1 on failure). */
int shim_relay_start(void);
/* Passes later signals on to pid too; 0 when the table is full. */
int shim_relay_add(pid_t pid);
/* The last signal received (0: none), after draining the descriptor. */
int shim_relay_received(void);
/* Blocks (1) or unblocks (0) SIGINT and SIGTERM in the calling thread: around a spawn. */
void shim_relay_block(int block);
/* In a store's process: SIGTERM to itself when fd, whose only writer is the parent, reads
   end-of-file (the parent died). Returns 0 when the watching thread could not start. */
int shim_supervised_by(int fd);

/* ---- watchdog.c ---------------------------------------------------------------------- */

/* The process's watchdog: a thread that enforces the stops running code does not honour in
   time (a script inside a long C call, a finalizer, a blocking read). SIGINT and SIGTERM go
   to it; so does the deadline. When a stop is still unanswered `grace` seconds after it was
   asked, the thread writes the stop's message to stderr, flushes what it can of stdout and
   ends the process with the stop's exit status. In REPL mode an interrupt is left to the
   REPL (a second Ctrl-C while the first is pending ends the process). */
typedef struct shim_watch_messages {
    const char *interrupt;  /* each a whole line, or NULL for none */
    const char *timeout;
    const char *terminate;
} shim_watch_messages;
#define SHIM_WATCH_RUN 0
#define SHIM_WATCH_REPL 1
int shim_watchdog_start(shim_runtime *rt, int mode, double grace, shim_watch_messages messages);
/* The deadline to enforce (CLOCK_MONOTONIC seconds), or 0 for none; also answers a pending
   timeout (the REPL after a chunk). */
void shim_watchdog_arm(double deadline);
/* Claims the final word: 1 if the caller may report how the run ended, 0 if the watchdog is
   already ending the process (then the caller must wait for that). */
int shim_watchdog_claim_exit(void);

/* ---- json.c ------------------------------------------------------------------------- */

/* Pushes the json module's table (decode, encode, array, is_array, null). A lua_CFunction:
   call it protected. */
int shim_open_json(lua_State *L);
/* json.decode(string) and json.encode(value) as lua_CFunctions, for Swift to call protected. */
int shim_json_decode(lua_State *L);
int shim_json_encode(lua_State *L);

/* ---- shim.c: the macros of lua.h and lauxlib.h as functions -------------------------- */

int shim_upvalueindex(int i);
int shim_registryindex(void);
void shim_pop(lua_State *L, int n);
int shim_pcall(lua_State *L, int nargs, int nresults, int msgh);
void shim_pushcfunction(lua_State *L, lua_CFunction f);
int shim_isnoneornil(lua_State *L, int idx);
lua_Integer shim_tointegerx(lua_State *L, int idx, int *isnum);
/* Calls the function below nargs arguments; on error the value is kept and its traceback
   is filed for shim_take_traceback. */
int shim_pcall_traceback(lua_State *L, int nargs, int nresults);
/* Pushes the traceback of the last failed shim_pcall_traceback (or nil) and forgets it: [-0, +1]. */
void shim_take_traceback(lua_State *L);

/* The C twin of a Swift no-op, for the call-overhead benchmark. */
void shim_push_c_benchmark_function(lua_State *L);

#endif
