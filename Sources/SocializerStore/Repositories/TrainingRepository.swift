import SocializerCore

/// One row of `training`, with the names of its user and skill and the
/// user's level in that skill (the design document's "Get User's Training
/// Progress" row). The table has no id: a row is its (user, skill) pair.
public struct Training: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var skillID: Int64
    public var skill: String?
    /// As stored: the app may have written a value outside `TrainingStatus`.
    public var status: String
    public var progress: Double
    public var level: Int64?
    public var startedAt: String
    public var completedAt: String?
    public var notes: String?

    init(row: Row) throws {
        userID = try row.int("user_id")
        username = try row.string("username")
        skillID = try row.int("skill_id")
        skill = try row.optionalString("skill_name")
        status = try row.string("status")
        progress = try row.double("progress")
        level = try row.optionalInt("level")
        startedAt = try row.string("started_at")
        completedAt = try row.optionalString("completed_at")
        notes = try row.optionalString("notes")
    }

    public var knownStatus: TrainingStatus? { TrainingStatus(rawValue: status) }

    /// "the training of user 'alice' in skill 'empathy'", for messages.
    var described: String {
        "the training of user '\(Echo.cut(username))' in skill " + Skill(id: skillID, name: skill).described
    }
}

/// Filters of `training list`.
public struct TrainingQuery: Sendable {
    public var userID: Int64?
    public var skillID: Int64?
    public var status: String?
    /// Active trainings started on or before this date (`YYYY-MM-DD`).
    public var activeSince: String?
    public var limit: Int64?
    public init() {}
}

/// A change to an existing training. Which statuses each one applies to
/// is the rule `socializer-training(1)` documents:
///
/// - pause: active only; resume: paused, or pending (as the app creates
///   trainings and `reset` leaves them), progress and start date kept (both
///   write only `status`, as the app's own status update does);
/// - progress: active or paused (the status stays, unless the value is
///   1.0, which completes the training);
/// - complete: pending, active or paused;
/// - reset: any status, also one outside the domain.
public enum TrainingChange: Sendable, Equatable {
    case pause, resume, progress(Double), complete, reset

    /// The statuses the change applies to; nil for any.
    var allowed: [TrainingStatus]? {
        switch self {
        case .pause: return [.active]
        case .resume: return [.pending, .paused]
        case .progress: return [.active, .paused]
        case .complete: return [.pending, .active, .paused]
        case .reset: return nil
        }
    }

    /// "can be paused", for the refusal.
    var what: String {
        switch self {
        case .pause: return "paused"
        case .resume: return "resumed"
        case .progress: return "given progress"
        case .complete: return "completed"
        case .reset: return "reset"
        }
    }
}

/// All SQL for `training`, and its domain rules: status one of
/// `TrainingStatus`, progress 0.0–1.0, dates as `YYYY-MM-DD`.
public struct TrainingRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    /// The design document's "Get User's Training Progress" query, every
    /// column of the row added. `users skills` reuses it, so both list the
    /// same trainings.
    static let select = """
        SELECT t.user_id, u.username, t.skill_id, s.skill_name, t.status, t.progress, us.level,
          t.started_at, t.completed_at, t.notes
        FROM training t
        JOIN users u ON t.user_id = u.id
        JOIN skills s ON t.skill_id = s.id
        LEFT JOIN user_skills us ON us.user_id = t.user_id AND us.skill_id = t.skill_id
        """

    public static func validate(progress: Double) throws {
        guard progress.isFinite, DomainRange.progress.contains(progress) else {
            throw SocializerError.invalid("progress \(progress) is outside 0.0 to 1.0")
        }
    }

    // MARK: Reading

    public func find(userID: Int64, skillID: Int64) throws -> Training? {
        try db.firstRow(TrainingRepository.select + " WHERE t.user_id = ? AND t.skill_id = ?", [userID, skillID])
            .map(Training.init(row:))
    }

    /// The training of the user in the skill; 66 when there is none.
    public func require(_ user: User, _ skill: Skill) throws -> Training {
        guard let training = try find(userID: user.id, skillID: skill.id) else {
            throw SocializerError.notFound("user '\(Echo.cut(user.username))' has no training in skill \(skill.described)")
        }
        return training
    }

    /// Streams the trainings a query selects, by user id, then skill name.
    public func list(_ query: TrainingQuery, _ body: (Training) throws -> Void) throws {
        var select = SelectQuery(TrainingRepository.select, order: "t.user_id, \(db.dialect.bytewise("s.skill_name")), t.skill_id")
        if let userID = query.userID { select.filter("t.user_id = ?", userID) }
        if let skillID = query.skillID { select.filter("t.skill_id = ?", skillID) }
        if let status = query.status { select.filter("t.status = ?", status) }
        if let date = query.activeSince {
            select.filter("t.status = ? AND t.started_at <= ?", TrainingStatus.active.rawValue, date)
        }
        select.limit = query.limit
        try select.each(db, Training.init(row:), body)
    }

    // MARK: Writing

    /// Starts the user's training in the skill: active, progress 0.0,
    /// started `today`, not completed, with `notes` (kept from the old row
    /// when restarting without new ones). An existing row, whatever its
    /// status, is started over only with `restart`.
    public func start(_ user: User, _ skill: Skill, notes: String?, today: String, restart: Bool) throws -> Training {
        if let existing = try find(userID: user.id, skillID: skill.id) {
            guard restart else {
                throw SocializerError.invalid(
                    "user '\(Echo.cut(user.username))' already has a training in skill \(skill.described) "
                        + "(\(Echo.cut(existing.status)), progress \(JSONValue.format(existing.progress)), started \(existing.startedAt))",
                    reason: .trainingExists)
            }
            try db.execute("""
                UPDATE training SET status = ?, progress = ?, started_at = ?, completed_at = NULL, notes = coalesce(?, notes)
                WHERE user_id = ? AND skill_id = ?
                """, [TrainingStatus.active.rawValue, 0.0, today, notes, user.id, skill.id])
        } else {
            try db.execute("""
                INSERT INTO training (user_id, skill_id, status, progress, started_at, completed_at, notes)
                VALUES (?, ?, ?, ?, ?, NULL, ?)
                """, [user.id, skill.id, TrainingStatus.active.rawValue, 0.0, today, notes])
        }
        return try require(user, skill)
    }

    /// Applies `change` to the user's training in the skill, if its status
    /// allows (65 naming the status otherwise); returns the row as changed.
    public func apply(_ change: TrainingChange, _ user: User, _ skill: Skill, today: String) throws -> Training {
        let training = try require(user, skill)
        if let allowed = change.allowed {
            guard let status = training.knownStatus else {
                throw SocializerError.invalid("\(training.described) has the status '\(Echo.cut(training.status))', which is none of "
                    + TrainingStatus.allCases.map(\.rawValue).joined(separator: ", ") + "; reset it or start it over first")
            }
            guard allowed.contains(status) else {
                let since = status == .completed ? training.completedAt.map { " (on \($0))" } ?? "" : ""
                throw SocializerError.invalid("\(training.described) is \(status.rawValue)\(since); only "
                    + TrainingChange.list(allowed) + " training can be \(change.what)")
            }
        }
        let assignments: String
        var values: [DatabaseValueConvertible?]
        switch change {
        case .pause:
            (assignments, values) = ("status = ?", [TrainingStatus.paused.rawValue])
        case .resume:
            (assignments, values) = ("status = ?", [TrainingStatus.active.rawValue])
        case .progress(let value):
            try TrainingRepository.validate(progress: value)
            if value == DomainRange.progress.upperBound {
                (assignments, values) = ("status = ?, progress = ?, completed_at = ?", [TrainingStatus.completed.rawValue, value, today])
            } else {
                (assignments, values) = ("progress = ?", [value])
            }
        case .complete:
            (assignments, values) = ("status = ?, progress = ?, completed_at = ?",
                                     [TrainingStatus.completed.rawValue, DomainRange.progress.upperBound, today])
        case .reset:
            (assignments, values) = ("status = ?, progress = ?, completed_at = NULL", [TrainingStatus.pending.rawValue, 0.0])
        }
        values += [user.id, skill.id]
        try db.execute("UPDATE training SET \(assignments) WHERE user_id = ? AND skill_id = ?", values)
        return try require(user, skill)
    }

    /// Deletes the user's training in the skill; returns the row as it was.
    public func stop(_ user: User, _ skill: Skill) throws -> Training {
        let training = try require(user, skill)
        try db.execute("DELETE FROM training WHERE user_id = ? AND skill_id = ?", [user.id, skill.id])
        return training
    }

    /// Completed trainings whose completion date is before `date`
    /// (`YYYY-MM-DD`). Rows the app marked completed have no completed_at
    /// (its status update writes only the status) and are never selected.
    ///
    /// Migration 0006's `ix_training_completed_at` lets a batch take the
    /// oldest rows straight from the index. A database not migrated that far
    /// has no index on completed_at: there a batch walks the table in rowid
    /// order (PostgreSQL: ctid), from where the previous one stopped (`PurgeTarget.resumes`),
    /// and stops at its LIMIT, because ordering by completed_at would
    /// scan and sort the whole table for every batch (minutes for a million
    /// rows, each batch over the lock budget); measured on a million rows
    /// before batches resumed, 64 batches, the longest 31-53 ms, 3x a bare
    /// DELETE against 1.96x with the index (README, Performance).
    public func purgeTarget(completedBefore date: String) throws -> PurgeTarget {
        let indexed = try db.indexExists(SchemaModel.trainingCompletedIndex.name)
        return PurgeTarget(table: "training", condition: "status = ? AND completed_at < ?",
                           arguments: [.text(TrainingStatus.completed.rawValue), .text(date)],
                           orderBy: indexed ? "completed_at" : db.dialect.storageOrder(primaryKey: []))
    }
}

extension TrainingChange {
    /// "an active", "a paused", "a pending, active or paused".
    static func list(_ statuses: [TrainingStatus]) -> String {
        let names = statuses.map(\.rawValue)
        let joined = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
        return (joined.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + joined
    }
}
