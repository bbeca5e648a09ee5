// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "storescript",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "storescript", targets: ["storescript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // liblua5.4 from Debian, linked dynamically so that Lua C modules (lua-cjson, lpeg) load.
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        // Lua's function-like macros as functions, and the trampolines that raise and yield
        // on Swift's behalf (no longjmp ever crosses a Swift frame).
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // libedit behind a four-function C face (its mutable globals need C accessors under Swift 6).
        .target(name: "CLineEdit", linkerSettings: [.linkedLibrary("edit")]),
        .target(name: "LuaKit", dependencies: ["CLuaShim", "CLua"]),
        // The operation catalog, generated from the official OpenAPI files: pure data and lookups.
        .target(name: "StoreAPI"),
        .target(name: "StoreScript", dependencies: ["LuaKit", "CLineEdit"]),
        .executableTarget(
            name: "storescript",
            dependencies: ["StoreScript", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Bridge micro-benchmarks (scripts/bench/); not installed.
        .executableTarget(name: "storescript-bench", dependencies: ["LuaKit", "CLuaShim", "CLua"]),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit"]),
        .testTarget(name: "StoreAPITests", dependencies: ["StoreAPI"]),
        .testTarget(name: "StoreScriptTests", dependencies: ["StoreScript", "LuaKit"]),
    ],
    swiftLanguageModes: [.v6]
)
