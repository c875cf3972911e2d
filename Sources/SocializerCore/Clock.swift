/// Where "now" comes from. The CLI reads the system clock; tests inject a
/// fixed instant so durations like `30d` ("that long ago") are repeatable.
public protocol Clock: Sendable {
    func now() -> Timestamp
}

public struct FixedClock: Clock {
    public var instant: Timestamp
    public init(_ instant: Timestamp) { self.instant = instant }
    public func now() -> Timestamp { instant }
}

#if canImport(Glibc)
import Glibc
#endif

public struct SystemClock: Clock {
    public init() {}
    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microsecondsSinceEpoch: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }
}

/// Elapsed time on the monotonic clock, for durations and batch budgets.
public struct Stopwatch: Sendable {
    private let start: Int64
    public init() { start = Stopwatch.monotonicMicroseconds() }
    public var elapsedMicroseconds: Int64 { Stopwatch.monotonicMicroseconds() - start }
    public var elapsedMilliseconds: Int64 { elapsedMicroseconds / 1000 }

    static func monotonicMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
