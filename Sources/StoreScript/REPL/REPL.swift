import LuaKit
public struct REPL {
    public var options: Runtime.Options
    public init(options: Runtime.Options) { self.options = options }
    public func run() -> Int32 { 0 }
}
