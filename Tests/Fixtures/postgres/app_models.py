# The app's twelve models as SPEC §2 of socializer describes them (SQLAlchemy 2.0),
# compiled for PostgreSQL without a server.
from sqlalchemy import (Column, Integer, String, Boolean, Float, JSON, Date, DateTime, Text, ForeignKey,
                        UniqueConstraint, MetaData, Table)
from sqlalchemy.orm import declarative_base
from sqlalchemy.schema import CreateTable, CreateIndex, AddConstraint
from sqlalchemy.dialects import postgresql
import datetime
Base = declarative_base()

class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True, index=True)
    username = Column(String, unique=True, nullable=False)
    role = Column(String, nullable=False, default="user")
    is_active = Column(Boolean, nullable=False, default=True)
    temperature = Column(Float, nullable=False, default=0.7)
    preferences = Column(JSON, nullable=False, default=dict)
    hashed_name = Column(String, nullable=False, default="")
    hashed_password = Column(String, nullable=False)
    hashed_email = Column(String, unique=True, nullable=False)
    member_since = Column(Date, nullable=False, default=datetime.date.today)
    messages = Column(Integer, nullable=False, default=0)
    encryption_key = Column(String, nullable=True)
    conversation_memory = Column(Text, nullable=True)

class Skill(Base):
    __tablename__ = "skills"
    id = Column(Integer, primary_key=True, index=True)
    skill_name = Column(String, unique=True)

class TokenBlacklist(Base):
    __tablename__ = "token_blacklist"
    id = Column(Integer, primary_key=True, index=True)
    token = Column(String, unique=True, index=True, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=True)
    reason = Column(String, nullable=True)

class ErrorLog(Base):
    __tablename__ = "error_logs"
    id = Column(Integer, primary_key=True, index=True)
    timestamp = Column(DateTime, nullable=False)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=True)
    error_type = Column(String(100), nullable=False)
    error_message = Column(Text, nullable=False)
    stack_trace = Column(Text, nullable=True)
    context = Column(JSON, nullable=True)

class UserSkill(Base):
    __tablename__ = "user_skills"
    __table_args__ = (UniqueConstraint("user_id", "skill_id", name="_user_skill_uc"), {"sqlite_autoincrement": True})
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    skill_id = Column(Integer, ForeignKey("skills.id", ondelete="CASCADE"), nullable=False)
    level = Column(Integer, nullable=False, default=0)

class Training(Base):
    __tablename__ = "training"
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skill_id = Column(Integer, ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    status = Column(String, nullable=False, default="pending")
    progress = Column(Float, nullable=False, default=0.0)
    started_at = Column(Date, nullable=False)
    completed_at = Column(Date, nullable=True)
    notes = Column(String, nullable=True)

class UserPreference(Base):
    __tablename__ = "user_preferences"
    __table_args__ = (UniqueConstraint("user_id", "preference_type", "preference_key"), {"sqlite_autoincrement": True})
    id = Column(Integer, primary_key=True, index=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    preference_type = Column(String, nullable=False)
    preference_key = Column(String, nullable=False)
    preference_value = Column(JSON, nullable=False)
    confidence = Column(Float, nullable=False, default=1.0)
    last_updated = Column(Date, nullable=False)

class ChatRoom(Base):
    __tablename__ = "chat_rooms"
    id = Column(Integer, primary_key=True, index=True)
    name = Column(String, nullable=True)
    creator_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    created_at = Column(DateTime, nullable=False)
    is_active = Column(Boolean, nullable=False)
    room_type = Column(String, nullable=False)
    ai_enabled = Column(Boolean, nullable=False)
    password = Column(String, nullable=True)
    is_public = Column(Boolean, nullable=False)

class RoomMember(Base):
    __tablename__ = "room_members"
    __table_args__ = (UniqueConstraint("room_id", "user_id", name="_room_user_uc"),)
    id = Column(Integer, primary_key=True, index=True)
    room_id = Column(Integer, ForeignKey("chat_rooms.id"), nullable=False)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=True)
    joined_at = Column(DateTime, nullable=False)
    role = Column(String, nullable=False)
    is_active = Column(Boolean, nullable=False)
    last_read_at = Column(DateTime, nullable=True)

class RoomMessage(Base):
    __tablename__ = "room_messages"
    id = Column(Integer, primary_key=True, index=True)
    room_id = Column(Integer, ForeignKey("chat_rooms.id"), nullable=False)
    sender_id = Column(Integer, ForeignKey("users.id"), nullable=True)
    sender_type = Column(String, nullable=False)
    content = Column(Text, nullable=False)
    message_type = Column(String, nullable=False)
    message_metadata = Column(JSON, nullable=True)
    created_at = Column(DateTime, nullable=False, index=True)
    edited_at = Column(DateTime, nullable=True)
    is_deleted = Column(Boolean, nullable=False)

class GeneralChatMessage(Base):
    __tablename__ = "general_chat_messages"
    id = Column(Integer, primary_key=True, index=True)
    sender_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    content = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)

class RoomInvite(Base):
    __tablename__ = "room_invites"
    __table_args__ = (UniqueConstraint("room_id", "invitee_id", name="_room_invitee_uc"),)
    id = Column(Integer, primary_key=True, index=True)
    room_id = Column(Integer, ForeignKey("chat_rooms.id"), nullable=False)
    inviter_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    invitee_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    status = Column(String, nullable=False)
    message_id = Column(Integer, ForeignKey("room_messages.id"), nullable=True)
    created_at = Column(DateTime, nullable=False)
    responded_at = Column(DateTime, nullable=True)

d = postgresql.dialect()
out = []
for t in Base.metadata.sorted_tables:
    out.append(str(CreateTable(t).compile(dialect=d)).strip() + ";")
    if t.name == "users":
        for c in ("llm_provider", "llm_endpoint", "llm_model"):
            out.append(f"ALTER TABLE users ADD COLUMN {c} VARCHAR;")
    for ix in sorted(t.indexes, key=lambda i: i.name):
        out.append(str(CreateIndex(ix).compile(dialect=d)).strip() + ";")
print("\n".join(out))
