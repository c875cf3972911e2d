/// Every problem of a load, in the order found; the first `limit` kept for
/// the report, all of them counted. Shared by the readers and the loaders of
/// one load, so that one list says everything that was wrong.
public final class ProblemList {
    public let limit: Int
    public private(set) var count = 0
    public private(set) var kept: [String] = []

    public init(limit: Int) { self.limit = limit }

    public func add(_ message: String) {
        count += 1
        if kept.count < limit { kept.append(message) }
    }

    public var isEmpty: Bool { count == 0 }

    /// The kept problems, and a last line saying how many more there were.
    /// `raiseHint` names the way to see them all ("raise --max-errors").
    public func details(raiseHint: String) -> [String] {
        var details = kept
        if count > kept.count { details.append("… and \(count - kept.count) more (\(raiseHint) to see them)") }
        return details
    }
}
