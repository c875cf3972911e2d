CREATE TABLE skills (
	id SERIAL NOT NULL, 
	skill_name VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (skill_name)
);
CREATE INDEX ix_skills_id ON skills (id);
CREATE TABLE users (
	id SERIAL NOT NULL, 
	username VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	temperature FLOAT NOT NULL, 
	preferences JSON NOT NULL, 
	hashed_name VARCHAR NOT NULL, 
	hashed_password VARCHAR NOT NULL, 
	hashed_email VARCHAR NOT NULL, 
	member_since DATE NOT NULL, 
	messages INTEGER NOT NULL, 
	encryption_key VARCHAR, 
	conversation_memory TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (username), 
	UNIQUE (hashed_email)
);
ALTER TABLE users ADD COLUMN llm_provider VARCHAR;
ALTER TABLE users ADD COLUMN llm_endpoint VARCHAR;
ALTER TABLE users ADD COLUMN llm_model VARCHAR;
CREATE INDEX ix_users_id ON users (id);
CREATE TABLE chat_rooms (
	id SERIAL NOT NULL, 
	name VARCHAR, 
	creator_id INTEGER NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	room_type VARCHAR NOT NULL, 
	ai_enabled BOOLEAN NOT NULL, 
	password VARCHAR, 
	is_public BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(creator_id) REFERENCES users (id)
);
CREATE INDEX ix_chat_rooms_id ON chat_rooms (id);
CREATE TABLE error_logs (
	id SERIAL NOT NULL, 
	timestamp TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	user_id INTEGER, 
	error_type VARCHAR(100) NOT NULL, 
	error_message TEXT NOT NULL, 
	stack_trace TEXT, 
	context JSON, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_error_logs_id ON error_logs (id);
CREATE TABLE general_chat_messages (
	id SERIAL NOT NULL, 
	sender_id INTEGER NOT NULL, 
	content TEXT NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(sender_id) REFERENCES users (id)
);
CREATE INDEX ix_general_chat_messages_created_at ON general_chat_messages (created_at);
CREATE INDEX ix_general_chat_messages_id ON general_chat_messages (id);
CREATE TABLE token_blacklist (
	id SERIAL NOT NULL, 
	token VARCHAR NOT NULL, 
	expires_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	user_id INTEGER, 
	reason VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_token_blacklist_id ON token_blacklist (id);
CREATE UNIQUE INDEX ix_token_blacklist_token ON token_blacklist (token);
CREATE TABLE training (
	user_id INTEGER NOT NULL, 
	skill_id INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	progress FLOAT NOT NULL, 
	started_at DATE NOT NULL, 
	completed_at DATE, 
	notes VARCHAR, 
	PRIMARY KEY (user_id, skill_id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	FOREIGN KEY(skill_id) REFERENCES skills (id) ON DELETE CASCADE
);
CREATE TABLE user_preferences (
	id SERIAL NOT NULL, 
	user_id INTEGER NOT NULL, 
	preference_type VARCHAR NOT NULL, 
	preference_key VARCHAR NOT NULL, 
	preference_value JSON NOT NULL, 
	confidence FLOAT NOT NULL, 
	last_updated DATE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (user_id, preference_type, preference_key), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX ix_user_preferences_id ON user_preferences (id);
CREATE TABLE user_skills (
	id SERIAL NOT NULL, 
	user_id INTEGER NOT NULL, 
	skill_id INTEGER NOT NULL, 
	level INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT _user_skill_uc UNIQUE (user_id, skill_id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	FOREIGN KEY(skill_id) REFERENCES skills (id) ON DELETE CASCADE
);
CREATE TABLE room_members (
	id SERIAL NOT NULL, 
	room_id INTEGER NOT NULL, 
	user_id INTEGER, 
	joined_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	role VARCHAR NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	last_read_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT _room_user_uc UNIQUE (room_id, user_id), 
	FOREIGN KEY(room_id) REFERENCES chat_rooms (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_room_members_id ON room_members (id);
CREATE TABLE room_messages (
	id SERIAL NOT NULL, 
	room_id INTEGER NOT NULL, 
	sender_id INTEGER, 
	sender_type VARCHAR NOT NULL, 
	content TEXT NOT NULL, 
	message_type VARCHAR NOT NULL, 
	message_metadata JSON, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	edited_at TIMESTAMP WITHOUT TIME ZONE, 
	is_deleted BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(room_id) REFERENCES chat_rooms (id), 
	FOREIGN KEY(sender_id) REFERENCES users (id)
);
CREATE INDEX ix_room_messages_created_at ON room_messages (created_at);
CREATE INDEX ix_room_messages_id ON room_messages (id);
CREATE TABLE room_invites (
	id SERIAL NOT NULL, 
	room_id INTEGER NOT NULL, 
	inviter_id INTEGER NOT NULL, 
	invitee_id INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	message_id INTEGER, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	responded_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT _room_invitee_uc UNIQUE (room_id, invitee_id), 
	FOREIGN KEY(room_id) REFERENCES chat_rooms (id), 
	FOREIGN KEY(inviter_id) REFERENCES users (id), 
	FOREIGN KEY(invitee_id) REFERENCES users (id), 
	FOREIGN KEY(message_id) REFERENCES room_messages (id)
);
CREATE INDEX ix_room_invites_id ON room_invites (id);
