/// What a load does with a record that already exists in the database
/// (SPEC §7 `--on-conflict`): refuse it (the whole load fails), keep the
/// stored row, or write the record over it.
public enum ConflictPolicy: String, CaseIterable, Sendable {
    case fail, skip, update
}
