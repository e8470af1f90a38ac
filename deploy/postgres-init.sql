-- Rasa keeps its trackers in a database of its own next to the chat server's.
CREATE DATABASE rasa OWNER livechat;
