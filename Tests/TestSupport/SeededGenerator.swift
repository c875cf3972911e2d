import Foundation
import SocializerCLI
import SocializerStore

/// The store's SplitMix64 (what `seed --generate` draws from) with the
/// seed it started from, so a failing fuzz case or fault trial reproduces
/// from the seed printed with it.
public struct SeededGenerator: RandomNumberGenerator {
    public let seed: UInt64
    var generator: SplitMix64

    public init(seed: UInt64) {
        self.seed = seed
        generator = SplitMix64(seed: seed)
    }

    /// `defaultSeed`, unless `$SOCIALIZER_FAULT_SEED` names one to replay.
    public init(replayable defaultSeed: UInt64) {
        self.init(seed: ProcessInfo.processInfo.environment["SOCIALIZER_FAULT_SEED"].flatMap { UInt64($0) } ?? defaultSeed)
    }

    public mutating func next() -> UInt64 { generator.next() }

    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
}

/// The repository's root folder (where Package.swift is).
public func repositoryRoot() -> String {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}

/// The verb path an argument list reaches in the command table
/// (`["users", "delete", "alice"]` → `["users", "delete"]`).
public func verbPath(of arguments: [String]) -> [String] {
    var path: [String] = []
    for word in arguments {
        guard let node = CommandTable.node(at: path + [word]) else { break }
        path.append(word)
        if node.children.isEmpty { break }
    }
    return path
}

/// Every mutating verb of the table: table-wide tests need a case for each.
public func mutatingVerbPaths() -> Set<[String]> {
    Set(CommandTable.root.leaves().filter { $0.node.mutating }.map(\.path))
}
