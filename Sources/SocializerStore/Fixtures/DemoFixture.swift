// Generated from fixtures/demo.json; do not edit. DemoFixtureTests fails when
// the two differ; rewrite this file with
//   SOCIALIZER_REGENERATE_DEMO=1 swift test --filter DemoFixtureTests

/// The demo fixture (`fixtures/demo.json`), compiled in so that an installed
/// socializer seeds it with no file beside it (`seed --demo`).
public enum DemoFixture {
    /// How messages name it.
    public static let name = "demo.json (built in)"

    public static let json = #"""
{
  "socializer_fixture": 1,
  "users": [
    {"username": "ada", "password": "demo-password-ada", "hashed_email": "ada@example.com", "role": "admin", "temperature": 0.5,
     "preferences": {"tone": "direct"}, "member_since": "2025-11-30",
     "memory": {"messages": [{"role": "user", "content": "I run the Tuesday practice group."}],
                "general_chat": [{"role": "user", "content": "Morning, everyone!"}],
                "ai_conversation": [{"role": "assistant", "content": "Shall we rehearse your welcome speech?"}]},
     "messages": [{"content": "Can you suggest a warm-up for Tuesday?", "role": "user", "type": "text", "room_id": 1, "timestamp": "2026-06-09T17:40:00"}]},
    {"username": "grace", "password": "demo-password-grace", "hashed_email": "grace@example.com", "member_since": "2025-12-02",
     "llm_provider": "ollama", "llm_endpoint": "http://localhost:11434", "llm_model": "llama3"},
    {"username": "linus", "password": "demo-password-linus", "hashed_email": "linus@example.com", "is_active": false,
     "member_since": "2026-01-15"},
    {"username": "margaret", "password": "demo-password-margaret", "hashed_email": "margaret@example.com", "temperature": 1.1,
     "member_since": "2026-02-01",
     "messages": [{"content": "How do I open a conversation at a meetup?", "role": "user", "type": "text", "room_id": 1, "timestamp": "2026-06-12T18:05:00"},
                  {"content": "Start with something you both can see.", "role": "assistant", "tools_used": []}]},
    {"username": "tim", "password_hash": "$2b$12$F94QLLeCp8XlQiR0CoyYRO5kZG7miRASXV.oBFmw7pPfXJrWjH.Qe",
     "hashed_email": "8f3b8f8fc3a3ffd7e7d42e0749da576587e4a3a5409c6416439099eeb5b8b67c", "member_since": "2026-03-10", "messages": 0},
    {"username": "hedy", "password": "demo-password-hedy", "member_since": "2026-05-20", "hashed_name": "Hedy L."}
  ],
  "skills": [
    {"skill_name": "empathy"},
    {"skill_name": "active_listening"},
    {"skill_name": "small_talk"},
    {"skill_name": "conflict_resolution"},
    {"skill_name": "public_speaking"},
    {"skill_name": "assertiveness"}
  ],
  "user_skills": [
    {"user": "ada", "skill": "public_speaking", "level": 8},
    {"user": "ada", "skill": "empathy", "level": 6},
    {"user": "grace", "skill": "active_listening", "level": 9},
    {"user": "margaret", "skill": "small_talk", "level": 3},
    {"user": "margaret", "skill": "assertiveness", "level": 0},
    {"user": "tim", "skill": "conflict_resolution", "level": 5},
    {"user": "hedy", "skill": "small_talk", "level": 10}
  ],
  "training": [
    {"user": "margaret", "skill": "small_talk", "status": "active", "progress": 0.35, "started_at": "2026-05-02", "notes": "Two meetups a month"},
    {"user": "margaret", "skill": "assertiveness", "status": "pending", "progress": 0.0, "started_at": "2026-06-10"},
    {"user": "tim", "skill": "conflict_resolution", "status": "paused", "progress": 0.5, "started_at": "2026-04-01", "notes": "Back after the move"},
    {"user": "ada", "skill": "public_speaking", "status": "completed", "progress": 1.0, "started_at": "2026-01-05", "completed_at": "2026-03-20"},
    {"user": "hedy", "skill": "empathy", "status": "active", "progress": 0.1, "started_at": "2026-06-01"}
  ],
  "user_preferences": [
    {"user": "ada", "preference_type": "communication", "preference_key": "tone", "preference_value": "direct", "confidence": 0.9, "last_updated": "2026-06-01"},
    {"user": "ada", "preference_type": "topics", "preference_key": "interests", "preference_value": ["chess", "hiking"], "confidence": 0.75, "last_updated": "2026-05-28"},
    {"user": "margaret", "preference_type": "learning", "preference_key": "pace", "preference_value": {"sessions_per_week": 2}, "confidence": 0.6, "last_updated": "2026-06-10"}
  ],
  "chat_rooms": [
    {"key": "practice-hall", "name": "Practice hall", "creator": "ada", "created_at": "2026-02-01T09:00:00Z", "room_type": "group", "is_public": true, "password": "tuesday"},
    {"key": "book-club", "name": "Book club", "creator": "grace", "created_at": "2026-03-01T19:30:00Z", "room_type": "private"},
    {"key": "margaret-tim", "name": null, "creator": "margaret", "created_at": "2026-05-05T12:00:00Z", "room_type": "direct"},
    {"key": "winter-meetup", "name": "Winter meetup 2025", "creator": "ada", "created_at": "2025-12-01T10:00:00Z", "is_active": false, "ai_enabled": false}
  ],
  "room_members": [
    {"room": "practice-hall", "user": "ada", "role": "creator", "joined_at": "2026-02-01T09:00:00Z", "last_read_at": "2026-06-14T08:00:00Z"},
    {"room": "practice-hall", "user": null, "role": "ai", "joined_at": "2026-02-01T09:00:00Z"},
    {"room": "practice-hall", "user": "margaret", "role": "member", "joined_at": "2026-02-03T18:00:00Z"},
    {"room": "practice-hall", "user": "linus", "role": "member", "joined_at": "2026-02-04T18:00:00Z", "is_active": false},
    {"room": "book-club", "user": "grace", "role": "creator", "joined_at": "2026-03-01T19:30:00Z"},
    {"room": "book-club", "user": null, "role": "ai", "joined_at": "2026-03-01T19:30:00Z"},
    {"room": "book-club", "user": "ada", "role": "member", "joined_at": "2026-03-02T08:15:00Z"},
    {"room": "margaret-tim", "user": "margaret", "role": "creator", "joined_at": "2026-05-05T12:00:00Z"},
    {"room": "margaret-tim", "user": null, "role": "ai", "joined_at": "2026-05-05T12:00:00Z"},
    {"room": "margaret-tim", "user": "tim", "role": "member", "joined_at": "2026-05-05T12:10:00Z"},
    {"room": "winter-meetup", "user": "ada", "role": "creator", "joined_at": "2025-12-01T10:00:00Z"}
  ],
  "room_messages": [
    {"room": "practice-hall", "sender": "ada", "content": "Welcome! Tuesdays we rehearse introductions.", "created_at": "2026-02-01T09:05:00Z"},
    {"room": "practice-hall", "sender": null, "sender_type": "ai", "content": "Hi all! Try opening with a question about the other person.", "message_metadata": {"model": "llama3", "tokens": 14}, "created_at": "2026-02-01T09:05:30Z"},
    {"room": "practice-hall", "sender": null, "sender_type": "system", "message_type": "system", "content": "margaret joined the room", "created_at": "2026-02-03T18:00:00Z"},
    {"key": "invite-linus", "room": "practice-hall", "sender": "ada", "message_type": "invite", "content": "ada invited linus to Practice hall", "created_at": "2026-02-04T09:00:00Z"},
    {"room": "practice-hall", "sender": "margaret", "content": "How do I open a conversation at a meetup?", "created_at": "2026-06-12T18:05:00Z", "edited_at": "2026-06-12T18:06:10Z"},
    {"room": "practice-hall", "sender": "linus", "content": "wrong room, sorry", "created_at": "2026-02-05T20:00:00Z", "is_deleted": true},
    {"key": "invite-hedy", "room": "practice-hall", "sender": "ada", "message_type": "invite", "content": "ada invited hedy to Practice hall", "created_at": "2026-06-01T10:00:00Z"},
    {"room": "book-club", "sender": "grace", "content": "This month: \"How to Win Friends\" — chapters 1–3.", "created_at": "2026-03-01T19:35:00Z"},
    {"key": "invite-tim", "room": "book-club", "sender": "grace", "message_type": "invite", "content": "grace invited tim to Book club", "created_at": "2026-03-02T08:00:00Z"},
    {"room": "book-club", "sender": null, "sender_type": "ai", "content": "Chapter 1 pairs well with today's empathy exercise.", "created_at": "2026-03-02T08:20:00Z"},
    {"room": "margaret-tim", "sender": "tim", "content": "Coffee before the meetup?", "created_at": "2026-05-05T12:11:00Z"},
    {"room": "margaret-tim", "sender": "margaret", "content": "Yes! 6pm by the station.", "created_at": "2026-05-05T12:15:00Z"},
    {"key": "invite-ada", "room": "book-club", "sender": "grace", "message_type": "invite", "content": "grace invited ada to Book club", "created_at": "2026-03-02T07:50:00Z"}
  ],
  "room_invites": [
    {"room": "practice-hall", "inviter": "ada", "invitee": "linus", "status": "accepted", "message": "invite-linus", "created_at": "2026-02-04T09:00:00Z", "responded_at": "2026-02-04T18:00:00Z"},
    {"room": "practice-hall", "inviter": "ada", "invitee": "hedy", "status": "pending", "message": "invite-hedy", "created_at": "2026-06-01T10:00:00Z"},
    {"room": "book-club", "inviter": "grace", "invitee": "tim", "status": "declined", "message": "invite-tim", "created_at": "2026-03-02T08:00:00Z", "responded_at": "2026-03-03T07:45:00Z"},
    {"room": "book-club", "inviter": "grace", "invitee": "ada", "status": "accepted", "message": "invite-ada", "created_at": "2026-03-02T07:50:00Z", "responded_at": "2026-03-02T08:15:00Z"}
  ],
  "general_chat_messages": [
    {"sender": "ada", "content": "Morning, everyone!", "created_at": "2026-06-14T07:30:00Z"},
    {"sender": "grace", "content": "Book club moved to Thursday this week.", "created_at": "2026-06-14T07:42:00Z"},
    {"sender": "hedy", "content": "New here, hi 👋", "created_at": "2026-06-14T08:01:00Z"}
  ],
  "token_blacklist": [
    {"token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsaW51cyIsImV4cCI6MTc2ODAwMzIwMH0.blisSbYFGPiQQPlGf7T74fwyR9YxaFNKnSFR0OFqntU",
     "expires_at": "2026-01-10T00:00:00Z", "created_at": "2026-01-09T16:00:00Z", "user": "linus", "reason": "deactivated"},
    {"token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtYXJnYXJldCIsImV4cCI6MTc3NTAwMTYwMH0.Up4alEJJpNTz4a0aWYve7aloOf37hDlWl4ywU8_y5hA",
     "expires_at": "2026-04-01T00:00:00Z", "created_at": "2026-03-31T21:15:00Z", "user": "margaret", "reason": "logout"},
    {"token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZGEiLCJleHAiOjQxMDI0NDQ4MDB9.jQjTG1mJXL-sJruBQFFJvsCtnfw2Zbv2_3bH_b-05ag",
     "expires_at": "2100-01-01T00:00:00Z", "created_at": "2026-06-01T12:00:00Z", "user": "ada", "reason": "compromised"}
  ],
  "error_logs": [
    {"timestamp": "2026-06-13T22:10:05.250000Z", "user": "margaret", "error_type": "TimeoutError", "error_message": "LLM request timed out after 30s",
     "context": {"path": "/api/chat", "provider": "ollama"}},
    {"timestamp": "2026-06-14T06:00:00Z", "error_type": "KeyError", "error_message": "'room_id'",
     "stack_trace": "Traceback (most recent call last):\n  File \"app/routes/rooms.py\", line 88, in post_message\n    room_id = payload['room_id']\nKeyError: 'room_id'"},
    {"timestamp": "2026-06-14T09:12:00Z", "user": "tim", "error_type": "ValueError", "error_message": "invalid literal for int() with base 10: 'abc'",
     "context": {"path": "/api/rooms/abc"}},
    {"timestamp": "2026-06-14T18:31:00Z", "user": "ada", "error_type": "ConnectionError", "error_message": "the LLM endpoint refused the connection",
     "context": {"path": "/api/chat", "provider": "ollama"}}
  ]
}

"""#
}
