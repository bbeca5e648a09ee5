import CLua

extension LuaState {
    /// Runs a stack helper and, in debug builds, checks its stated effect on the way out:
    /// `delta` values pushed (negative: popped) on success, the stack untouched on a throw.
    @inline(__always)
    func balanced<T>(_ delta: Int32, _ helper: StaticString = #function, _ body: () throws -> T) rethrows -> T {
        #if DEBUG
        let before = lua_gettop(L)
        do {
            let result = try body()
            assert(lua_gettop(L) == before + delta, "\(helper): stack effect \(lua_gettop(L) - before), stated \(delta)")
            return result
        } catch {
            assert(lua_gettop(L) == before, "\(helper): stack changed by \(lua_gettop(L) - before) on error")
            throw error
        }
        #else
        return try body()
        #endif
    }
}
