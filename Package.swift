// swift-tools-version: 6.0
import PackageDescription

// Layers, bottom up:
//   CSQLite, COpenSSL, CCrypt   system libraries (C API only)
//   SocializerCore              errors, JSON, time: no C, no I/O
//   SocializerSecurity          bcrypt, Fernet, JWT, email hashing, secret input
//   SocializerStore             the SQLite layer, migrations, repositories
//   SocializerCLI               command table, parser, renderer, commands
//   socializer                  the executable: calls the CLI, exits with its code
let package = Package(
    name: "socializer",
    products: [
        .executable(name: "socializer", targets: ["socializer"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(name: "SocializerCore"),
        .target(name: "SocializerSecurity", dependencies: ["SocializerCore", "COpenSSL", "CCrypt"]),
        .target(name: "SocializerStore", dependencies: ["SocializerCore", "SocializerSecurity", "CSQLite"]),
        .target(name: "SocializerCLI", dependencies: ["SocializerCore", "SocializerSecurity", "SocializerStore"]),
        .executableTarget(name: "socializer", dependencies: ["SocializerCLI"]),
        // Helpers shared by the test targets: temporary folders, the legacy
        // database fixture, the in-process CLI runner.
        .target(name: "TestSupport", dependencies: ["SocializerCLI", "SocializerStore"], path: "Tests/TestSupport"),
        .testTarget(name: "SocializerCoreTests", dependencies: ["SocializerCore"]),
        .testTarget(name: "SocializerSecurityTests", dependencies: ["SocializerSecurity", "TestSupport"]),
        .testTarget(name: "SocializerStoreTests", dependencies: ["SocializerStore", "SocializerSecurity", "TestSupport"]),
        .testTarget(name: "SocializerCLITests", dependencies: ["SocializerCLI", "SocializerStore", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["socializer", "SocializerCLI", "SocializerStore", "SocializerSecurity", "TestSupport"]),
    ]
)
