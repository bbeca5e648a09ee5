#include "StoreScriptLua.h"

#include <string.h>

static const char bootstrap[] = {
#embed "lua/bootstrap.lua"
};
static const char bindings[] = {
#embed "lua/bindings.lua"
};
static const char api_error[] = {
#embed "lua/api_error.lua"
};
static const char state[] = {
#embed "lua/state.lua"
};
static const char csv[] = {
#embed "lua/csv.lua"
};
static const char time_chunk[] = {
#embed "lua/time.lua"
};
static const char progress[] = {
#embed "lua/progress.lua"
};
static const char call[] = {
#embed "lua/call.lua"
};
static const char listen_chunk[] = {
#embed "lua/listen.lua"
};

static const struct {
    const char *name;
    const char *text;
    size_t len;
} chunks[] = {
    {"bootstrap", bootstrap, sizeof bootstrap},
    {"bindings", bindings, sizeof bindings},
    {"api_error", api_error, sizeof api_error},
    {"state", state, sizeof state},
    {"csv", csv, sizeof csv},
    {"time", time_chunk, sizeof time_chunk},
    {"progress", progress, sizeof progress},
    {"call", call, sizeof call},
    {"listen", listen_chunk, sizeof listen_chunk},
};

const char *storescript_lua_chunk(const char *name, size_t *len) {
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        if (strcmp(chunks[i].name, name) == 0) {
            *len = chunks[i].len;
            return chunks[i].text;
        }
    }
    return NULL;
}
