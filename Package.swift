// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "storescript",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "storescript", targets: ["storescript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // No default traits: they pull in full Foundation and swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        // Already under AsyncHTTPClient; named for the extra CA file of a profile.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        // X.509 for the sandbox's sites and CA and for the certs module: parse, sign, CSRs.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.1.0"),
        // config.toml (toml++ underneath).
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // liblua5.4 from Debian, linked dynamically so that Lua C modules (lua-cjson, lpeg) load.
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        // Lua's function-like macros as functions, and the trampolines that raise and yield
        // on Swift's behalf (no longjmp ever crosses a Swift frame).
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // libedit behind a four-function C face (its mutable globals need C accessors under Swift 6).
        .target(name: "CLineEdit", linkerSettings: [.linkedLibrary("edit")]),
        // The Lua half of StoreScript (lua/*.lua), compiled in with #embed (C23).
        .target(name: "StoreScriptLua", exclude: ["lua"]),
        .target(name: "LuaKit", dependencies: ["CLuaShim", "CLua"]),
        // The operation catalog, generated from the official OpenAPI files: pure data and lookups.
        .target(name: "StoreAPI", dependencies: ["JSON"]),
        // JSON values, parsed from and written to bytes (the sandbox's and the client's wire format).
        .target(name: "JSON"),
        // zlib from Debian: the sandbox reads the files of an uploaded theme's zip.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Keys, CSRs, certificates and a two-tier CA (swift-certificates): for the sandbox and the certs module.
        .target(name: "StoreCertificates", dependencies: [
            .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // The local simulator of the BigCommerce API; knows nothing of Lua or of the client.
        .target(name: "StoreSandbox", dependencies: [
            "StoreAPI", "JSON", "StoreCertificates", "CZlib", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "GRDB", package: "GRDB.swift"),
            // Webhook callbacks to their destinations.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // HTTP to BigCommerce and DigiCert: transport, auth, errors. Knows nothing of Lua.
        .target(name: "StoreClient", dependencies: [
            "StoreAPI", "JSON", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "StoreScript", dependencies: [
            "LuaKit", "CLuaShim", "CLua", "CLineEdit", "StoreScriptLua", "StoreSandbox", "StoreClient", "StoreAPI", "JSON", "StoreCertificates",
            .product(name: "TOMLKit", package: "TOMLKit"), .product(name: "GRDB", package: "GRDB.swift"),
            // `storescript listen`: the callback server.
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(
            name: "storescript",
            dependencies: ["StoreScript", "StoreSandbox", "StoreAPI", "StoreClient", "JSON", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["exports.map"],
            // Exports nothing but main: start-up stops paying for 50,000 dynamic symbols (exports.map).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/storescript/exports.map"])]
        ),
        // Bridge micro-benchmarks (scripts/bench/); not installed.
        .executableTarget(name: "storescript-bench", dependencies: ["LuaKit", "CLuaShim", "CLua"]),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit"]),
        .testTarget(name: "StoreAPITests", dependencies: ["StoreAPI"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "StoreClientTests", dependencies: ["StoreClient", "StoreSandbox", "StoreAPI", "JSON"]),
        // The sandbox's rules called directly (the HTTP path is tested through the binary).
        .testTarget(name: "StoreSandboxTests", dependencies: ["StoreSandbox", "StoreAPI", "JSON", "StoreCertificates"]),
        .testTarget(name: "StoreScriptTests", dependencies: ["StoreScript", "LuaKit"]),
    ],
    swiftLanguageModes: [.v6],
    cLanguageStandard: .gnu2x
)
