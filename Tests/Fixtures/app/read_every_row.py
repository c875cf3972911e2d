"""Reads every row of every table of a Socializer database as the app's
models do: each column converted by the function SQLAlchemy 2.0's SQLite
dialect applies to the model's declared type (DateTime: fromisoformat,
Date: date.fromisoformat, Boolean: bool() of 0/1, Float, Integer, String,
Text, JSON: json.loads), then checked against the values the app's code
accepts (SPEC §2 of the workspace's shared specification: enums, ranges,
`users.messages` as a count or the app's JSON list, `message_metadata` an
object). Written for this repository from those descriptions, because the
app itself (and SQLAlchemy) is not part of it; it needs only Python's
standard library. Prints one line per table and exits 1 at the first row
the app could not read.

Usage: python3 read_every_row.py DATABASE
"""
import datetime
import json
import sqlite3
import sys


def text(value):
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value


def integer(value):
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    return value


def real(value):
    if not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def boolean(value):
    if value not in (0, 1):
        raise ValueError(f"{value!r} is not 0 or 1")
    return bool(value)


def date(value):
    return datetime.date.fromisoformat(text(value))


def moment(value):
    parsed = datetime.datetime.fromisoformat(text(value))
    if parsed.tzinfo is not None:
        raise ValueError(f"{value!r} has a zone; the app stores naive UTC")
    # The storage form SQLAlchemy writes, so text comparison orders correctly.
    if len(value) != 26 or value[10] != " ":
        raise ValueError(f"{value!r} is not YYYY-MM-DD HH:MM:SS.ffffff")
    return parsed


def json_value(value):
    return json.loads(text(value))


def optional(convert):
    return lambda value: None if value is None else convert(value)


def one_of(*choices):
    def check(value):
        if text(value) not in choices:
            raise ValueError(f"{value!r} is not one of {choices}")
        return value
    return check


def within(low, high, convert):
    def check(value):
        number = convert(value)
        if not low <= number <= high:
            raise ValueError(f"{value!r} is outside {low}..{high}")
        return number
    return check


def stored_messages(value):
    # Declared Integer, documented as a counter; the app stores a JSON list there once a user chats.
    if isinstance(value, int):
        return value
    items = json.loads(text(value))
    if not isinstance(items, list) or not all(isinstance(item, dict) and "content" in item and "role" in item for item in items):
        raise ValueError(f"{value!r} is neither a count nor the app's list of messages")
    return items


def json_object(value):
    document = json_value(value)
    if not isinstance(document, dict):
        raise ValueError(f"{value!r} is not a JSON object")
    return document


MODELS = {
    "users": {
        "id": integer, "username": text, "role": one_of("admin", "user"), "is_active": boolean,
        "temperature": within(0.0, 2.0, real), "preferences": json_object, "hashed_name": text, "hashed_password": text,
        "hashed_email": text, "member_since": date, "messages": stored_messages, "encryption_key": optional(text),
        "conversation_memory": optional(text), "llm_provider": optional(text), "llm_endpoint": optional(text),
        "llm_model": optional(text),
    },
    "skills": {"id": integer, "skill_name": optional(text)},
    "user_skills": {"id": integer, "user_id": integer, "skill_id": integer, "level": within(0, 10, integer)},
    "training": {
        "user_id": integer, "skill_id": integer, "status": one_of("pending", "active", "paused", "completed"),
        "progress": within(0.0, 1.0, real), "started_at": date, "completed_at": optional(date), "notes": optional(text),
    },
    "user_preferences": {
        "id": integer, "user_id": integer, "preference_type": text, "preference_key": text, "preference_value": json_value,
        "confidence": within(0.0, 1.0, real), "last_updated": date,
    },
    "chat_rooms": {
        "id": integer, "name": optional(text), "creator_id": integer, "created_at": moment, "is_active": boolean,
        "room_type": one_of("direct", "group", "private"), "ai_enabled": boolean, "password": optional(text), "is_public": boolean,
    },
    "room_members": {
        "id": integer, "room_id": integer, "user_id": optional(integer), "joined_at": moment,
        "role": one_of("creator", "member", "ai"), "is_active": boolean, "last_read_at": optional(moment),
    },
    "room_messages": {
        "id": integer, "room_id": integer, "sender_id": optional(integer), "sender_type": one_of("user", "ai", "system"),
        "content": text, "message_type": one_of("text", "invite", "system"), "message_metadata": optional(json_object),
        "created_at": moment, "edited_at": optional(moment), "is_deleted": boolean,
    },
    "general_chat_messages": {"id": integer, "sender_id": integer, "content": text, "created_at": moment},
    "room_invites": {
        "id": integer, "room_id": integer, "inviter_id": integer, "invitee_id": integer,
        "status": one_of("pending", "accepted", "declined"), "message_id": optional(integer), "created_at": moment,
        "responded_at": optional(moment),
    },
    "token_blacklist": {
        "id": integer, "token": text, "expires_at": moment, "created_at": moment, "user_id": optional(integer),
        "reason": optional(text),
    },
    "error_logs": {
        "id": integer, "timestamp": moment, "user_id": optional(integer), "error_type": text, "error_message": text,
        "stack_trace": optional(text), "context": optional(json_value),
    },
}


def main(path):
    connection = sqlite3.connect(path)
    for table, columns in MODELS.items():
        names = list(columns)
        rows = connection.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
        for row in rows:
            for name, value in zip(names, row):
                try:
                    columns[name](value)
                except (ValueError, TypeError) as error:
                    print(f"{table}.{name} of {dict(zip(names, row))}: {error}")
                    return 1
        print(f"{table}: {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
