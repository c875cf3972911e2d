import Dispatch
import SocializerCore
import Synchronization

/// `PRAGMA integrity_check` (or `quick_check`) on a connection of its own,
/// started at once on another thread: it reads every page of the file,
/// which the table checks need not wait for. `findings()` waits for it.
final class IntegrityCheck: Sendable {
    let pragma: String
    private let outcome = Mutex<(result: Result<[DoctorFinding], any Error>, milliseconds: Double)?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ options: Doctor.Options) {
        let pragma = options.quick ? "quick_check" : "integrity_check"
        self.pragma = pragma
        DispatchQueue.global().async { [self] in
            let stopwatch = Stopwatch()
            let result = Result {
                let db = try Connection(path: options.path, mode: .readOnly,
                                        busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
                return try IntegrityCheck.findings(db, pragma: pragma)
            }
            outcome.withLock { $0 = (result, Double(stopwatch.elapsedMicroseconds) / 1000) }
            done.signal()
        }
    }

    /// The findings once the check has finished, and how long it ran.
    func findings() throws -> (findings: [DoctorFinding], milliseconds: Double) {
        done.wait()
        done.signal()
        let (result, milliseconds) = outcome.withLock { $0! }
        return (try result.get(), milliseconds)
    }

    /// "ok", or up to 100 lines of problems; a file too damaged for the
    /// check to finish is one problem, in SQLite's words.
    static func findings(_ db: Connection, pragma: String) throws -> [DoctorFinding] {
        let lines: [String]
        do {
            lines = try db.rows("PRAGMA \(pragma)").map { row -> String in
                if case .text(let text) = row[0] { return text }
                return "\(row[0])"
            }
        } catch let error as DatabaseError where Doctor.isDamage(error) {
            lines = ["it could not finish: \(error.message)"]
        }
        guard lines != ["ok"] else { return [] }
        let shown = lines.prefix(3).joined(separator: "; ") + (lines.count > 3 ? "; …" : "")
        return [DoctorFinding(.integrity, count: Int64(lines.count),
                              "\(pragma) found \(lines.count) problem(s): \(shown); nothing should write to this file",
                              remedy: .recover)]
    }
}
