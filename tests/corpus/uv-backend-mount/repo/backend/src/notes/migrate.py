"""Create the SQLite schema."""

import os
import sqlite3

if __name__ == "__main__":
    with sqlite3.connect(os.environ["NOTES_DB_PATH"]) as db:
        db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
