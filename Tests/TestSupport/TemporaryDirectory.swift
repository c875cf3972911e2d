import Foundation

/// A fresh folder per test, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init() {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/socializer-test-" + UUID().uuidString.prefix(12)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        // Restore write bits first so read-only test files can be removed.
        chmod(path, 0o755)
        if let items = try? FileManager.default.subpathsOfDirectory(atPath: path) {
            for item in items { chmod(path + "/" + item, 0o755) }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ text: String) -> String {
        let target = file(name)
        FileManager.default.createFile(atPath: target, contents: Data(text.utf8))
        return target
    }

    public func write(_ name: String, bytes: [UInt8]) -> String {
        let target = file(name)
        FileManager.default.createFile(atPath: target, contents: Data(bytes))
        return target
    }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    public func listing() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Temporary files of killed or failed runs still lying around.
    public var partialFiles: [String] { listing().filter { $0.contains("partial-") } }

    /// Permission bits of a file (`0o600`).
    public func mode(_ name: String) -> Int {
        var info = stat()
        stat(file(name), &info)
        return Int(info.st_mode & 0o777)
    }
}

extension TemporaryDirectory {
    /// Every file's name and bytes: equal snapshots mean nothing was written.
    public func snapshot() -> [String: Data] {
        var result: [String: Data] = [:]
        for name in listing() {
            result[name] = FileManager.default.contents(atPath: file(name)) ?? Data()
        }
        return result
    }
}

import SocializerStore

/// The statements a body really runs on `db`, as SQLite's trace hook sees
/// them (the SQL as written, parameters as ?).
public func statementsRun(on db: Connection, _ body: () throws -> Void) rethrows -> [String] {
    final class Box { var statements: [String] = [] }
    let box = Box()
    db.trace { box.statements.append($0) }
    defer { db.trace(nil) }
    try body()
    return box.statements
}

/// `EXPLAIN QUERY PLAN` of `sql` with its parameters unbound (NULL), the
/// details joined with "; ".
public func queryPlan(_ db: Connection, _ sql: String) throws -> String {
    let statement = try db.prepare("EXPLAIN QUERY PLAN " + sql)
    var details: [String] = []
    while try statement.step() { details.append(try statement.currentRow().string("detail")) }
    return details.joined(separator: "; ")
}
