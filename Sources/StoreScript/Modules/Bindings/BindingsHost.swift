#if canImport(Glibc)
import Glibc
#endif
import CLua
import CLuaShim
import JSON
import LuaKit
import StoreAPI
import StoreClient

/// The Swift half of `bc` and `digicert`: what a name is (namespace, binding, nothing) and
/// the table of host functions the Lua half (bindings.lua) receives. A binding's call is
/// marshalled in BindingArguments.swift, sent here, answered in BindingResults.swift; the
/// clients it goes through are in BindingClients.swift.
final class BindingsHost {
    unowned let runtime: Runtime
    var clients: [String: StoreClient] = [:]

    init(runtime: Runtime) { self.runtime = runtime }

    static func operation(_ name: String) -> Operation? { OperationCatalog.operation(named: name) }

    /// Pushes the table of host functions the Lua half receives. [-0, +1]
    func push() throws {
        let lua = runtime.lua
        try lua.newTable()
        try lua.setFunctions(-1, prefix: "bindings", [
            ("kind", { call in
                let name = try call.string(1, "name")
                if BindingsHost.operation(name) != nil { try call.push("binding") }
                else if NameTree.isNamespace(name) { try call.push("namespace") }
                else { call.pushNil() }
                return 1
            }),
            ("binding", { [unowned self] call in
                let name = try call.string(1, "name")
                guard let op = BindingsHost.operation(name) else { call.pushNil(); return 1 }
                try self.pushBinding(op, name: name, on: call.L)
                return 1
            }),
            ("list_of", { call in
                let base = try call.string(1, "name")
                for suffix in [".list", ".list_all"] {
                    if let op = BindingsHost.operation(base + suffix), op.hasListHelpers {
                        try call.push(base + suffix)
                        try call.push(op.pagination.rawValue)
                        return 2
                    }
                }
                call.pushNil()
                return 1
            }),
            ("request", { [unowned self] call in try self.request(call) }),
            ("batch_limit", { call in
                guard let op = BindingsHost.operation(try call.string(1, "name")), op.arrayBody, let limit = op.batchLimit else {
                    call.pushNil()
                    return 1
                }
                call.push(Int64(limit))
                return 1
            }),
            ("doc", { call in
                let name = try call.string(1, "name")
                guard let op = BindingsHost.operation(name) else { call.pushNil(); return 1 }
                try call.push(Reference.help(op, name: name))
                return 1
            }),
            ("children", { call in
                let names = NameTree.children[try call.string(1, "name")] ?? []
                try call.push(.table(LuaTable(array: names.map { .string($0) })))
                return 1
            }),
            ("suggest", { call in
                if let s = NameTree.suggestion(for: try call.string(1, "name")) { try call.push(s) } else { call.pushNil() }
                return 1
            }),
            ("error_meta", { [unowned self] call in
                // The API errors' metatable (api_error.lua): a partial failure is one of them.
                try BindingResults.pushErrorMeta(self.runtime.lua)
                lua_xmove(self.runtime.lua.L, call.L, 1)
                return 1
            }),
            ("route", { call in
                guard let op = BindingsHost.operation(try call.string(1, "name")) else { call.pushNil(); return 1 }
                try call.push(op.method.rawValue)
                try call.push(op.path)
                return 2
            }),
            ("array_body", { call in
                call.push(BindingsHost.operation(try call.string(1, "name"))?.arrayBody == true)
                return 1
            }),
            ("path_params", { call in
                call.push(Int64(BindingsHost.operation(try call.string(1, "name"))?.pathParameters.count ?? 0))
                return 1
            }),
        ])
    }

    private func pushBinding(_ op: Operation, name: String, on L: OpaquePointer) throws {
        try runtime.lua.push(function: name) { [unowned self] call in try self.invoke(op, name, call) }
        if L != runtime.lua.L { lua_xmove(runtime.lua.L, L, 1) }
    }


    func send(_ request: APIRequest, on client: StoreClient, shape: AnswerShape, reportedPath: String, _ call: LuaCall) throws -> Int32 {
        var limited = request
        // Under --max-memory an answer the script could not hold is refused as it arrives.
        limited.maxAnswerBytes = runtime.lua.memoryRoom
        let request = limited
        return try runtime.scheduler.suspend(call) { wakeup in
            client.start(request) { result in
                switch result {
                case .success(let response):
                    wakeup { lua, co in
                        try BindingResults.push(response, shape: shape, method: request.method, path: reportedPath, lua: lua, co: co)
                    }
                case .failure(let error):
                    wakeup { lua, co in try BindingResults.pushFailure(error, lua: lua, co: co) }
                }
            }
        }
    }

}
