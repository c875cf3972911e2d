/// Small import files for the per-table `import` verbs, one per verb, for
/// the table-wide tests (smoke, refuse-before-changing, audit, disk full).
/// Each names only alice and the skill listening (which those tests'
/// databases hold) and rows that are not there yet, in the verb's own
/// format: a fixture document (skills), csv of one table (training), and
/// fixture lines (rooms).
public enum TransferFiles {
    public static let skills = (name: "skills.json", text: """
        {"socializer_fixture": 1,
         "skills": [{"skill_name": "kindness"}],
         "user_skills": [{"user": "alice", "skill": "kindness", "level": 3}]}

        """)
    public static let training = (name: "training.csv", text: "user,skill,status,progress,started_at,notes\r\n"
        + "alice,listening,active,0.25,2026-06-01,weekly\r\n")
    public static let rooms = (name: "rooms.jsonl", text: """
        {"table": "chat_rooms", "record": {"key": "den", "name": "den", "creator": "alice", "created_at": "2026-06-01T09:00:00Z"}}
        {"table": "room_members", "record": {"room": "den", "user": "alice", "role": "creator", "joined_at": "2026-06-01T09:00:00Z"}}
        {"table": "room_messages", "record": {"room": "den", "sender": "alice", "content": "hello", "created_at": "2026-06-01T09:01:00Z"}}

        """)

    public static let all = [skills, training, rooms]

    /// Writes every file into `folder`.
    public static func write(into folder: TemporaryDirectory) {
        for file in all { _ = folder.write(file.name, file.text) }
    }
}
