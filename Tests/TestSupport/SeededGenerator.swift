import Foundation
import SocializerCLI

/// SplitMix64: a small, seeded, deterministic generator, so a failing fuzz
/// case or fault trial reproduces from the seed printed with it.
public struct SeededGenerator: RandomNumberGenerator {
    public let seed: UInt64
    var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// `defaultSeed`, unless `$SOCIALIZER_FAULT_SEED` names one to replay.
    public init(replayable defaultSeed: UInt64) {
        self.init(seed: ProcessInfo.processInfo.environment["SOCIALIZER_FAULT_SEED"].flatMap { UInt64($0) } ?? defaultSeed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
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
